#!/usr/bin/env bash
# Installs everything archive-search needs on Debian/Ubuntu: tesseract with its Vietnamese model,
# a DejaVu font (the tests draw Vietnamese scans with it), a virtualenv in .venv, the project; and
# for the bench, PostgreSQL (the full-text search peer starts a private server of its own) and
# ocrmypdf (the OCR comparison); Debian's chromium, which the web pages' browser tests drive
# through Playwright (whose own browser download is not used). Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v tesseract >/dev/null || missing+=(tesseract-ocr)
{ command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx vie; } || missing+=(tesseract-ocr-vie)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
command -v ocrmypdf >/dev/null || missing+=(ocrmypdf)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The distribution's Python when it is 3.11 or newer, else python3 on PATH; PYTHON=... picks
# another. A build of Python of one's own (pyenv's default: a shared libpython, no profile-guided
# optimisation) made searches take 11% longer than with Debian's python3.11 on the same machine.
python=${PYTHON:-}
if [ -z "$python" ]; then
    python=python3
    if /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python=/usr/bin/python3
    fi
fi
command -v "$python" >/dev/null || missing+=(python3)
"$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$python" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"archive-search needs Python 3.11 or newer, found {sys.version.split()[0]}")
PY
[ -x .venv/bin/python ] || "$python" -m venv .venv
# A .venv made before (by another python3) is kept: say so, as searches depend on the build.
interpreter='import os, sys; print(os.path.realpath(sys.executable))'
made=$(.venv/bin/python -c "$interpreter")
chosen=$("$python" -c "$interpreter")
[ "$made" = "$chosen" ] || echo "note: .venv runs $made, not $chosen: remove .venv and run this again to switch" >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,distributed,bench]'
# Byte-compile the project as a regular (not editable) install does (see the script).
.venv/bin/python scripts/byte_compile.py >/dev/null
echo "ready: .venv/bin/archive-search" >&2
