#!/usr/bin/env bash
# Runs schemathesis (property-based API testing) against a freshly started `gridline serve`,
# driven by the server's own /api/v1/openapi.json: every response must match the document
# (status, content type, body schema) and no input may produce a 5xx.
#
#   Tests/support/run-schemathesis.sh            # bounded: 25 examples per operation, fixed seed
#   MAX_EXAMPLES=100 SEED=7 Tests/support/run-schemathesis.sh
#   Tests/support/run-schemathesis.sh --report har    # extra arguments go to `schemathesis run`
#
# Settings (environment): GRIDLINE_BIN (default .build/debug/gridline, built if missing),
# MAX_EXAMPLES (25), SEED (20250101), TIME_LIMIT seconds before schemathesis is stopped (420),
# CHECKS (all) and EXCLUDE_CHECKS (positive_data_acceptance: a PUT body must match the upload's
# declared size, which no schema can say), REPORT_DIR (a temp dir; the JUnit report lands there).
# Before the run, schemathesis_fixtures.py makes an upload and an AI job over the WebSocket;
# schemathesis.toml mixes their ids into generated path parameters. Known server deviations
# are listed, with reasons, in schemathesis-baseline.json. POST /api/v1/ws/shutdown (it would
# stop the server) and the WebSocket upgrade are excluded. Exit status: schemathesis's (0 = pass).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.build/test-venv
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    Tests/support/make-venv.sh >&2
fi
bin=${GRIDLINE_BIN:-.build/debug/gridline}
[ -x "$bin" ] || swift build --product gridline >&2

max_examples=${MAX_EXAMPLES:-25}
seed=${SEED:-20250101}
time_limit=${TIME_LIMIT:-420}
checks=${CHECKS:-all}
exclude_checks=${EXCLUDE_CHECKS:-positive_data_acceptance}
workdir=$(mktemp -d "${TMPDIR:-/tmp}/gridline-schemathesis.XXXXXX")
report_dir=${REPORT_DIR:-$workdir/report}
secret="schemathesis-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
server_pid=""
status=1

cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    # A passing run leaves nothing behind; a failing one keeps the server log and report.
    if [ "$status" -eq 0 ] && [ -z "${KEEP_WORKDIR:-}" ] && [ -z "${REPORT_DIR:-}" ]; then
        rm -rf "$workdir"
    else
        rm -rf "$workdir/data"
    fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Port 0: the kernel picks a free port and the server logs it (`"event":"listening"`).
env GRIDLINE_HOST=127.0.0.1 GRIDLINE_PORT=0 GRIDLINE_DATA_DIR="$workdir/data" \
    GRIDLINE_MIGRATIONS_DIR="$PWD/Migrations" GRIDLINE_SEED_DIR="$PWD/seed" \
    JWT_SECRET_KEY="$secret" WEBSOCKET_REQUESTS_PER_MINUTE=100000 WEBSOCKET_REQUESTS_PER_HOUR=1000000 \
    WEBSOCKET_CONNECT_RATE=100000 \
    "$bin" serve >"$workdir/server.out" 2>"$workdir/server.log" &
server_pid=$!

port=""
for _ in $(seq 200); do
    port=$(grep -o '"event":"listening".*"port":[0-9]*' "$workdir/server.log" 2>/dev/null | grep -o '[0-9]*$' | head -1 || true)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "run-schemathesis: the server did not start:" >&2
    cat "$workdir/server.log" >&2
    exit 2
fi

token=$(JWT_SECRET_KEY="$secret" "$bin" token --user admin --role admin --ttl 7200)
base="http://127.0.0.1:$port"
timeout 60 "$venv/bin/python" Tests/support/schemathesis_fixtures.py "$port" "$token"
echo "run-schemathesis: server pid $server_pid on $base, $max_examples examples per operation, seed $seed"

# Known server deviations from the document, each with its reason: reported but not failed on.
baseline=Tests/support/schemathesis-baseline.json
baseline_args=()
[ -f "$baseline" ] && baseline_args=(--baseline "$baseline")

status=0
timeout --kill-after=10 "$time_limit" \
    "$venv/bin/schemathesis" --config-file Tests/support/schemathesis.toml run "$base/api/v1/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" --exclude-checks "$exclude_checks" \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --generation-database none \
    --request-timeout 10 \
    --workers 1 \
    --exclude-path /api/v1/ws/shutdown \
    --exclude-path /api/v1/ws \
    --report junit --report-dir "$report_dir" \
    --output-truncate true \
    --no-color "${baseline_args[@]}" "$@" || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run-schemathesis: the server died during the run; its log:" >&2
    tail -n 40 "$workdir/server.log" >&2
    [ "$status" -ne 0 ] || status=3
fi
if grep -q '"level":"error"' "$workdir/server.log"; then
    echo "run-schemathesis: the server logged errors:" >&2
    grep '"level":"error"' "$workdir/server.log" | head -n 20 >&2
fi
echo "run-schemathesis: exit $status$([ "$status" -eq 0 ] || echo ", server log and report in $workdir")"
exit "$status"
