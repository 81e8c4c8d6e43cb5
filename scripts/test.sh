#!/usr/bin/env bash
# Command 2 of the README: the whole test suite (scale tests marked slow are left out;
# run them with: scripts/test.sh -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
