#!/usr/bin/env bash
# Create the virtualenv; on a bare Debian, python3 -m venv needs the python3-venv package.
set -euo pipefail
venv=${1:-.venv}
[ -x "$venv/bin/python" ] && exit 0
if ! python3 -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing python3-venv (Debian) ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  else
    echo "python3 -m venv failed: install the python3-venv package (sudo apt-get install python3-venv)" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
