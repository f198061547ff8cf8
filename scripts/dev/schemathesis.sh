#!/usr/bin/env bash
# Prints the path of the schemathesis the test suite fuzzes the services' OpenAPI documents with, installing it
# first into a Python virtual environment of its own (cached per machine by the hash of its pinned, hashed
# requirements; SCHEMATHESIS_CACHE_DIR moves it, default ~/.cache/ticketing-sandbox/schemathesis).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
requirements=$root/scripts/dev/schemathesis/requirements.txt
cache=${SCHEMATHESIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/schemathesis}
venv=$cache/$(sha256sum "$requirements" | cut -c1-16)
# A venv cannot be moved (its scripts name their interpreter's path): built in place, then marked complete.
if [[ ! -f $venv/.complete ]]; then
  command -v python3 >/dev/null || { echo "schemathesis.sh: python3 is needed" >&2; exit 1; }
  echo "Installing schemathesis into $venv (once per machine)..." >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$requirements" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/schemathesis"
