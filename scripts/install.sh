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
