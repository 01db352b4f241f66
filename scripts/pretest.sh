#!/usr/bin/env bash
# Brings what the tests need that npm cannot: Debian packages. Installs the missing ones
# when run as root; otherwise stops and prints the exact apt-get line to run.
set -euo pipefail

# jest writes its JSON summary here (.ci/run prints the pass/fail line from it).
mkdir -p "$(dirname "$0")/../tmp"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Debian's python3-socketio installs for /usr/bin/python3 (not a pyenv python3 on PATH).
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import socketio, websocket, requests' >/dev/null 2>&1; then
  missing+=(python3 python3-socketio python3-websocket python3-requests)
fi

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian packages that are missing. Run:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
echo "pretest: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$line >/dev/null
