#!/usr/bin/env bash
# Install and start the hub with demo data on http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/python run_hub.py --demo "$@"
