#!/usr/bin/env bash
# Command 1 of the README: set everything up, ingest the bundled sample archive, search it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export ARCHIVE_SEARCH_HOME="${ARCHIVE_SEARCH_HOME:-demo-archive}"
run() { echo "\$ archive-search $*" >&2; .venv/bin/archive-search "$@"; }
run ingest --manifest sample/manifest.csv
run search "công nghệ thông tin"
run search cong nghe thong tin --year 2015..2022
run search "36-NQ/TW"
