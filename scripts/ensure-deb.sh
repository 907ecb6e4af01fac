#!/usr/bin/env bash
# Install one Debian package unless the file it provides is already there.
# Usage: scripts/ensure-deb.sh FILE PACKAGE
#   e.g. scripts/ensure-deb.sh /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
set -euo pipefail
file=$1 package=$2
[ -e "$file" ] && exit 0
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$package"
[ -e "$file" ] || { echo "$package installed but $file is missing" >&2; exit 1; }
