#!/usr/bin/env bash
# Install test dependencies, make sure the local servers the tests talk to are
# up (PostgreSQL, Dovecot, Chromium), then run the whole suite twice:
# on SQLite and on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test || exit 1

# PostgreSQL 15 on 127.0.0.1:5432 (trust auth on this machine kind).
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
# Dovecot IMAP for the e-mail channel tests (installed from Debian, run standalone by the tests).
scripts/ensure-dovecot.sh || echo "warning: dovecot could not be installed; IMAP tests will say so"
# Debian Chromium for the Playwright browser test (Playwright never downloads its own browser here).
scripts/ensure-chromium.sh || echo "warning: chromium could not be installed; the browser test will say so"
# pdftoppm renders the answer letter to PNG for a look (tests/test_letters.py).
scripts/ensure-deb.sh /usr/bin/pdftoppm poppler-utils || echo "warning: poppler-utils could not be installed; no letter PNG"

.venv/bin/ruff check . || exit 1
status=0
echo "=== pass 1: SQLite ==="
HUB_TEST_DB=sqlite .venv/bin/python -m pytest -q "$@" || status=1
echo "=== pass 2: PostgreSQL ==="
HUB_TEST_DB=postgres .venv/bin/python -m pytest -q "$@" || status=1
exit $status
