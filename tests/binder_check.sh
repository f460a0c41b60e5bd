#!/usr/bin/env bash
# Does the Binder set-up alone work? Build a fresh virtual environment from binder/ files only
# (requirements.txt, then postBuild run from the repository root, as repo2docker does), add the
# test runner, and run every notebook under nbval in it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${BINDER_CHECK_VENV:-$(mktemp -d)/binder-venv}"
python3 -m venv "$VENV"
# requirements.txt pins every package (repo2docker installs it with pip): with the project's uv when
# `make setup` has put it in .venv (seconds), else with pip. postBuild runs as repo2docker runs it.
UV=".venv/bin/uv"
if [ -x "$UV" ]; then
  install() { "$UV" pip install --quiet --python "$VENV/bin/python" "$@"; }
else
  install() { "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }
fi
install -r binder/requirements.txt
PATH="$VENV/bin:$PATH" bash binder/postBuild
install -c constraints.txt pytest nbval
cd notebooks
"$VENV/bin/python" -m pytest --nbval-lax -q -p no:cacheprovider -o addopts="" -c /dev/null --rootdir=. .
