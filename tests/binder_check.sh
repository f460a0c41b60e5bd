#!/usr/bin/env bash
# Does the Binder set-up alone work? Build a fresh virtual environment from binder/ files only
# (requirements.txt, then postBuild run from the repository root, as repo2docker does), add the
# test runner, and run every notebook under nbval in it.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${BINDER_CHECK_VENV:-$(mktemp -d)/binder-venv}"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r binder/requirements.txt
PATH="$VENV/bin:$PATH" bash binder/postBuild
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c constraints.txt pytest nbval
cd notebooks
"$VENV/bin/python" -m pytest --nbval-lax -q -p no:cacheprovider -o addopts="" -c /dev/null --rootdir=. .
