#!/usr/bin/env bash
# How much each requirements set installs: a fresh virtualenv per set in a temporary folder,
# the size of its site-packages, and `pip check` on it. Prints a table for the README.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| requirements | installs | pip check |"
echo "|---|---|---|"
for set in requirements.txt requirements-local-tagger.txt requirements-dev.txt; do
  python3 -m venv "$work/$set"
  pip=("$work/$set/bin/pip" --disable-pip-version-check -q)
  if [ "$set" = requirements-dev.txt ]; then
    "${pip[@]}" install -r requirements-local-tagger.txt -r requirements-dev.txt 2>/dev/null
  else
    "${pip[@]}" install -r "$set" 2>/dev/null
  fi
  size=$(du -sm "$work/$set/lib/"python3*/site-packages | cut -f1)
  check=$("$work/$set/bin/pip" check 2>&1 | tail -1)
  echo "| \`$set\`$([ "$set" = requirements-dev.txt ] && echo " (with the local tagger)") | $size MB | $check |"
  rm -rf "${work:?}/$set"
done
