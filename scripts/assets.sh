#!/usr/bin/env bash
# Front-end packages from the npm registry, pinned by package.json and package-lock.json, copied
# where collectstatic finds them (static/vendor/, which git ignores). Installs Node.js from
# Debian's packages when the machine has no npm.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "Installing Node.js and npm..."
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
mkdir -p static/vendor
# The source map too: the script names it, and collectstatic checks that what is named exists.
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/
mkdir -p static/vendor/leaflet
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css static/vendor/leaflet/
cp -r node_modules/leaflet/dist/images static/vendor/leaflet/
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/leaflet.markercluster.js.map \
  node_modules/leaflet.markercluster/dist/MarkerCluster.css node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
  static/vendor/leaflet/
mkdir -p static/vendor/uppy
cp node_modules/uppy/dist/uppy.min.js node_modules/uppy/dist/uppy.min.js.map static/vendor/uppy/
