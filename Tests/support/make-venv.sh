#!/usr/bin/env bash
# Creates .build/test-venv with the independent clients the tests compare against
# (Python `websockets`, PyJWT, python-socketio with aiohttp) and schemathesis, which fuzzes the REST API against its
# OpenAPI document. Idempotent; the tests skip these checks when it is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.build/test-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import websockets, jwt, schemathesis, socketio, aiohttp' 2>/dev/null || \
    "$venv/bin/pip" install -q --disable-pip-version-check 'websockets>=12' 'PyJWT>=2.8' 'schemathesis>=4.3,<5' \
        'python-socketio>=5.11,<6' 'aiohttp>=3.9'
"$venv/bin/python" -c 'import selenium' 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check 'selenium==4.51.*'
"$venv/bin/python" -c 'import importlib.metadata, websockets, jwt, socketio; print("test venv ready: websockets", websockets.__version__, "PyJWT", jwt.__version__, "python-socketio", importlib.metadata.version("python-socketio"))'
"$venv/bin/schemathesis" --version
