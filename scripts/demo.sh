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
# A demo reader cleared for `mat`, then how to serve the demo archive to a browser or a script.
demo_password="demo-password"
if .venv/bin/archive-search users list | grep -q '^demo '; then
    echo "$demo_password" | run users set demo --clearance mat --password-stdin
else
    echo "$demo_password" | run users add demo --clearance mat --password-stdin
fi
cat >&2 <<TEXT

The server is where clearance is enforced. Start it on the demo archive:
    ARCHIVE_SEARCH_HOME=$ARCHIVE_SEARCH_HOME .venv/bin/archive-search serve --port 8000
then sign in at http://127.0.0.1:8000/signin as demo / $demo_password (cleared for mat),
or call the API with a token (\`archive-search users token demo\` prints one):
    curl -H "Authorization: Bearer TOKEN" 'http://127.0.0.1:8000/api/v1/search?q=cong+nghe'
TEXT
