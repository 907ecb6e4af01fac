#!/usr/bin/env bash
# Create .venv and install the hub with the locked dependency versions.
# Usage: scripts/install.sh [test]   ("test" adds the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
extra=""
[ "${1:-}" = "test" ] && extra="[test]"
.venv/bin/python -m pip install -q -c requirements.lock -e ".${extra}"
# DejaVu Sans (Turkish letters) for the answer letters' PDF (hub/letters.py).
scripts/ensure-deb.sh /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf fonts-dejavu-core \
  || echo "warning: fonts-dejavu-core could not be installed; answer letters need HUB_LETTER_FONT_DIR" >&2
# Chart.js for the dashboards (/ui/panolar), pinned in hub/static/vendor/package-lock.json and
# served by the hub itself (no CDN at run time); node_modules there is not committed.
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm not found. The dashboards' chart library (Chart.js) is installed with npm:" >&2
  echo "       install Node.js and npm (Debian: apt-get install nodejs npm), then run scripts/install.sh again." >&2
  exit 1
fi
(cd hub/static/vendor && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null) \
  || { echo "error: npm ci in hub/static/vendor failed (is the npm registry reachable?)" >&2; exit 1; }
