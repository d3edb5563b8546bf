#!/usr/bin/env bash
# ExifTool removes location data from what share links serve. Installed from Debian's packages
# when missing (make run, make test); elsewhere, say how to get it.
set -euo pipefail
command -v exiftool >/dev/null && exit 0
if command -v apt-get >/dev/null; then
  echo "Installing ExifTool (libimage-exiftool-perl)..."
  run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libimage-exiftool-perl >/dev/null
else
  echo "Pictura needs ExifTool to remove locations from shared photos: install it" >&2
  echo "(macOS: brew install exiftool; Fedora/Amazon Linux: dnf install perl-Image-ExifTool)." >&2
  exit 1
fi
