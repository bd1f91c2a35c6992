#!/usr/bin/env bash
# Install the system programs the tests drive, only when missing:
# Debian's Chromium (browser and accessibility tests), a Java runtime (the Nu
# HTML checker), rsync (the publish test) and pandoc (Pelican's own pelican-import,
# which the importer tests compare with). Never downloads a browser build.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v pandoc >/dev/null 2>&1 || missing+=(pandoc)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "Please install these Debian packages first: ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
