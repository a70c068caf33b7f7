#!/usr/bin/env bash
# Installs the test tools that do not come from npm into ./.venv (once): schemathesis fuzzes the
# API from its own OpenAPI document. Offline or without python3, the fuzz suite is skipped with a
# printed reason — except under CI=true, where the suite fails instead.
set -uo pipefail
cd "$(dirname "$0")/.."
SCHEMATHESIS_SPEC='schemathesis>=4.3,<5'
if [ -x .venv/bin/schemathesis ]; then exit 0; fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "ensure-test-tools: python3 not found; the fuzz suite will be skipped" >&2
  exit 0
fi
echo "ensure-test-tools: installing ${SCHEMATHESIS_SPEC} into .venv (first run only)" >&2
if python3 -m venv .venv && .venv/bin/python -m pip install --quiet --disable-pip-version-check "${SCHEMATHESIS_SPEC}"; then
  exit 0
fi
echo "ensure-test-tools: could not install schemathesis; the fuzz suite will be skipped" >&2
rm -rf .venv
exit 0
