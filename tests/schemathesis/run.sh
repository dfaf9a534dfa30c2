#!/usr/bin/env bash
# Schema-driven fuzzing of a real `agentidp` with schemathesis: every operation of the served
# /openapi.json, with the checks `not_a_server_error` (no 5xx for anything a client sends) and
# `status_code_conformance` (every status answered is documented). Runs on SQLite, and on a
# fresh PostgreSQL database when AGENTIDP_TEST_POSTGRES_URL is set.
#
#   tests/schemathesis/run.sh path/to/agentidp        (MAX_TIME=seconds per backend, default 60)
set -euo pipefail
BIN="$(realpath "${1:?usage: run.sh path/to/agentidp}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
MAX_TIME="${MAX_TIME:-60}"
command -v st >/dev/null || python3 -m pip install --quiet -r "$HERE/requirements.txt"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PIDS=()
DIRS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for dir in "${DIRS[@]}"; do rm -rf "$dir"; done
}
trap cleanup EXIT

# fuzz NAME DATABASE_URL
fuzz() {
  local name="$1" url="$2" dir port base id secret token
  dir="$(mktemp -d)"; DIRS+=("$dir")
  port="$(free_port)"; base="http://127.0.0.1:$port"
  # No rate or plan limits, so that the run explores the API rather than its 429s.
  (cd "$dir" && exec env BIND_ADDR="127.0.0.1:$port" PUBLIC_URL="$base" DATABASE_URL="$url" \
      RATE_LIMIT_MAX_REQUESTS=0 MAX_AGENTS_PER_TENANT=0 MAX_TOKENS_PER_MONTH=0 RUST_LOG=warn \
      "$BIN" serve > out.log 2> err.log) &
  PIDS+=("$!")
  for _ in $(seq 1 150); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done
  id="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
  secret="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"
  [ -n "$id" ] || { cat "$dir/err.log" >&2; return 1; }
  token="$(curl -fsS -u "$id:$secret" -d grant_type=client_credentials "$base/oauth2/token" | jq -r .access_token)"
  echo "--- schemathesis on $name, ${MAX_TIME}s"
  # One worker: with two, Hypothesis parses lambda sources in two threads at once and
  # CPython 3.11's parser can fail with "AST constructor recursion depth mismatch" (a runtime
  # error of the tool, not a finding), which made runs fail at random.
  st run "$base/openapi.json" --checks not_a_server_error,status_code_conformance \
    --header "Authorization: Bearer $token" --max-time "$MAX_TIME" --workers 1 \
    --seed 1 --no-color 2>&1 | tail -25
  # A server error must also never be logged as one.
  if grep -q '"internal error"\|internal error' "$dir/err.log"; then
    echo "the server logged internal errors:" >&2; grep 'internal error' "$dir/err.log" | head >&2; return 1
  fi
}

fuzz SQLite "sqlite://./data/agentidp.db"
if [ -n "${AGENTIDP_TEST_POSTGRES_URL:-}" ]; then
  db="agentidp_ci_st_$(date +%s)_$$"
  psql "${AGENTIDP_TEST_POSTGRES_URL%/}/postgres" -qc "CREATE DATABASE $db"
  fuzz PostgreSQL "${AGENTIDP_TEST_POSTGRES_URL%/}/$db"
fi
echo "schemathesis: passed"
