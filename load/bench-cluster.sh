#!/usr/bin/env bash
# Token throughput of one node and of two nodes sharing one PostgreSQL database and one Redis
# (rate limit and quota counted in Redis on every request), measured with wrk.
#
#   cargo build --release && load/bench-cluster.sh [path/to/agentidp]
#
# Settings (env): PG (postgres://postgres@127.0.0.1:5432), REDIS (redis://127.0.0.1:6379),
# CONNECTIONS (64, split over the nodes), DURATION (15s), WARMUP (3s), JWT_ALGORITHM (ES256).
# Needs wrk, psql and curl. Targets 127.0.0.1 only; every run is bounded by DURATION.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
REDIS="${REDIS:-redis://127.0.0.1:6379}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
ALG="${JWT_ALGORITHM:-ES256}"

# shellcheck source=load/measure.sh
source "$(dirname "$0")/measure.sh"
require_tools "$BIN"
PIDS=()
DIRS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${DIRS[@]}"; do rm -rf "$d"; done
  rm -f "${RESULT:-}"
}
trap cleanup EXIT

# start_node DB_URL -> sets NODE_PORT and NODE_DIR (no subshell: the PID must reach PIDS)
start_node() {
  local dir port
  dir="$(mktemp -d)"; port="$(free_port)"
  (cd "$dir" && exec env DATABASE_URL="$1" REDIS_URL="$REDIS" JWT_ALGORITHM="$ALG" \
      BIND_ADDR="127.0.0.1:$port" MAX_TOKENS_PER_MONTH=1000000000 RATE_LIMIT_MAX_REQUESTS=1000000000 \
      RUST_LOG=warn "$BIN" serve > out.log 2> err.log) &
  PIDS+=("$!"); DIRS+=("$dir")
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  NODE_PORT="$port"; NODE_DIR="$dir"
}

# run NODES -> writes "tokens/s p50 p99 errors" to $RESULT
run() {
  local nodes="$1" db url basic per lua ports=() out=()
  db="agentidp_bench_$(date +%s%N)"
  psql "$PG/postgres" -qc "CREATE DATABASE $db" >/dev/null
  url="$PG/$db"
  for _ in $(seq 1 "$nodes"); do
    start_node "$url"
    ports+=("$NODE_PORT")
    [ -s "$NODE_DIR/out.log" ] && first_dir="$NODE_DIR"
  done
  basic="$(printf '%s:%s' "$(awk '/^client_id:/ {print $2}' "$first_dir/out.log")" \
    "$(awk '/^client_secret:/ {print $2}' "$first_dir/out.log")" | base64 -w0)"
  lua="$(mktemp)"
  token_lua "$basic" > "$lua"
  per=$(( CONNECTIONS / nodes ))
  for p in "${ports[@]}"; do wrk -t1 -c"$per" -d"$WARMUP" -s "$lua" "http://127.0.0.1:$p/oauth2/token" >/dev/null & done
  wait_wrk
  local files=()
  for p in "${ports[@]}"; do
    f="$(mktemp)"; files+=("$f")
    wrk -t1 -c"$per" -d"$DURATION" -s "$lua" "http://127.0.0.1:$p/oauth2/token" > "$f" &
  done
  wait_wrk
  grep -h '^RESULT' "${files[@]}" | awk '{rps+=$3; if ($4>p50) p50=$4; if ($5>p99) p99=$5; err+=$6}
    END {printf "%.0f %.2f %.2f %d\n", rps, p50, p99, err}' > "$RESULT"
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null || true
  rm -f "$lua" "${files[@]}"
}
wait_wrk() { while pgrep -x wrk >/dev/null; do sleep 0.2; done; }

echo "POST /oauth2/token, $ALG, PostgreSQL + Redis, $CONNECTIONS connections in all, $DURATION"
echo "| nodes | tokens/s | worst p50 (ms) | worst p99 (ms) | errors |"
echo "|------:|---------:|---------------:|---------------:|-------:|"
RESULT="$(mktemp)"
for n in 1 2; do
  run "$n"
  read -r rps p50 p99 err < "$RESULT"
  printf '| %5s | %8s | %14s | %14s | %6s |\n' "$n" "$rps" "$p50" "$p99" "$err"
done
