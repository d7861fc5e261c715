#!/bin/sh
# Recomputes expected.tsv with LibreOffice Calc (apt-get install libreoffice-calc-nogui).
set -e
command -v soffice >/dev/null || { echo "soffice not found: install libreoffice-calc-nogui" >&2; exit 1; }
exec python3 "$(dirname "$0")/generate.py" "$@"
