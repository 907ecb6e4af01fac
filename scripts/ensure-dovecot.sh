#!/usr/bin/env bash
# Make sure the Dovecot binaries (dovecot, doveadm) are present for the e-mail tests.
# Idempotent. Installs the Debian package only; never touches the system config or
# systemd: the test fixture runs its own Dovecot with a private config in a temp dir.
set -euo pipefail

if command -v dovecot >/dev/null 2>&1 && command -v doveadm >/dev/null 2>&1; then
    echo "dovecot already installed: $(dovecot --version)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
else
    SUDO=""
fi

export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101 keeps the package from starting the system service during install.
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod +x "$POLICY"
    CREATED_POLICY=1
fi
cleanup() {
    if [ "$CREATED_POLICY" = 1 ]; then
        $SUDO rm -f "$POLICY"
    fi
}
trap cleanup EXIT

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null

echo "dovecot installed: $(dovecot --version)"
