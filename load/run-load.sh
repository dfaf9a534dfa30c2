#!/usr/bin/env bash
# Load test of agentidp with Goose: builds the server (release) and the load test
# (load/goose, its own cargo workspace), then runs the load test, which starts a fresh server on
# a free 127.0.0.1 port, runs the registration, tokens and rotation scenarios, prints a results
# table and exits non-zero when a scenario misses its thresholds (p95 < 500 ms, errors < 1 %).
#
#   load/run-load.sh                                   # all three scenarios, 60 s each, SQLite
#   load/run-load.sh --scenario tokens --duration 30   # one scenario
#   load/run-load.sh --database-url postgres://postgres@127.0.0.1:5432/agentidp_load \
#                    --redis-url redis://127.0.0.1:6379
#
# Every argument goes to agentidp-load (`load/run-load.sh --help` lists them; see load/README.md).
# With --url (an already running server) the server is not built.
# Build directories: CARGO_TARGET_DIR (default: target/) for the server, LOAD_TARGET_DIR
# (default: load/goose/target/) for the load test.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
LOAD_TARGET="${LOAD_TARGET_DIR:-$ROOT/load/goose/target}"

own_server=1
for arg in "$@"; do
  case "$arg" in
    --url|--url=*|--server-bin|--server-bin=*) own_server=0 ;;
  esac
done

extra=()
if [ "$own_server" = 1 ]; then
  (cd "$ROOT" && cargo build --release --bin agentidp)
  extra=(--server-bin "$SERVER_TARGET/release/agentidp")
fi
(cd "$ROOT/load/goose" && CARGO_TARGET_DIR="$LOAD_TARGET" cargo build --release)

exec "$LOAD_TARGET/release/agentidp-load" "${extra[@]}" "$@"
