#!/usr/bin/env bash
# Creates (once) a venv with the official SDKs pinned in requirements.txt and runs the pytest
# suite against the openwks binary in $OPENWKS_BIN.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${OPENWKS_SDK_VENV:-$here/../../.venv-sdk}"
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "installing python3-venv (Debian)"
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
export OPENWKS_BIN="${OPENWKS_BIN:-$here/../../target/debug/openwks}"
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning "$@"
