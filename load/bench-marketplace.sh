#!/usr/bin/env bash
# Marketplace search latency on a grown marketplace: TENANTS tenants each publishing
# PUBLIC agents (with A2A cards) and keeping PRIVATE private ones, registered through the API
# (load/marketplace.py), then wrk cycling through 5,000 searches `q` + `capability` drawn
# with the vocabulary's frequencies, at CONNECTIONS connections for DURATION, on a fresh
# SQLite or PostgreSQL database. Prints the search rate and latency percentiles.
#
#   cargo build --release && load/bench-marketplace.sh [path/to/agentidp]
#
# Settings (env): TENANTS (1000), PUBLIC (100), PRIVATE (20), CONNECTIONS (4; several, as
# "1 4", measure each on the same database), THREADS (2), DURATION (20s), DATABASE (sqlite or
# postgres on PG_SERVER_URL), SAVE_DB (a path: keep a copy of the seeded SQLite database, or
# keep the PostgreSQL database, for looking at query plans). Needs wrk and python3 with requests. Targets 127.0.0.1 only.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
TENANTS="${TENANTS:-1000}"
PUBLIC="${PUBLIC:-100}"
PRIVATE="${PRIVATE:-20}"
CONNECTIONS="${CONNECTIONS:-4}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-20s}"
DATABASE="${DATABASE:-sqlite}"
PG_SERVER_URL="${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}"
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=load/measure.sh
source "$HERE/measure.sh"
require_tools "$BIN"

dir="$(mktemp -d)"
port="$(free_port)"
db=""
db_url=()
if [ "$DATABASE" = postgres ]; then
  db="agentidp_bench_$$_$RANDOM"
  psql "$PG_SERVER_URL/postgres" -qc "CREATE DATABASE $db"
  db_url=(DATABASE_URL="$PG_SERVER_URL/$db")
fi
(cd "$dir" && exec env "${db_url[@]}" BIND_ADDR="127.0.0.1:$port" MARKETPLACE_ENABLED=true \
    SIGNUP_ENABLED=true MAX_TOKENS_PER_MONTH=0 MAX_AGENTS_PER_TENANT=0 RATE_LIMIT_MAX_REQUESTS=0 \
    RUST_LOG=warn "$BIN" serve > out.log 2> err.log) &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  if [ -n "$db" ] && [ -n "${SAVE_DB:-}" ]; then
    echo "database kept: $PG_SERVER_URL/$db" >&2
  elif [ -n "$db" ]; then
    psql "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  fi
}
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done

echo "seeding $TENANTS tenants × ($PUBLIC public + $PRIVATE private) agents" >&2
start=$SECONDS
python3 "$HERE/marketplace.py" "$base" "$TENANTS" "$PUBLIC" "$PRIVATE" "$dir/paths.txt"
echo "seeded in $((SECONDS - start)) s" >&2

cat > "$dir/paths.lua" <<'LUA'
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  paths, next_path = {}, id * 997
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
function request()
  next_path = next_path + 1
  return wrk.format("GET", paths[next_path % #paths + 1])
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %.2f %.2f %d\n", summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, bad))
end
LUA

hits="$(head -200 "$dir/paths.txt" | while read -r p; do curl -fsS "$base$p" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))'; done | awk '{s+=$1; if ($1>0) n++} END {printf "%.1f results on average, %d of 200 searches non-empty", s/NR, n}')"
wrk -t"$THREADS" -c4 -d5s -s "$dir/paths.lua" "$base" -- "$dir/paths.txt" >/dev/null

echo
echo "GET /v1/marketplace/agents?q=…&capability=…, $DATABASE, $((TENANTS * PUBLIC)) public + $((TENANTS * PRIVATE)) private agents in $TENANTS tenants, $DURATION each"
echo "($hits)"
echo "| connections | searches/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | requests | errors |"
echo "|-------------|------------|----------|----------|----------|----------|----------|--------|"
for connections in $CONNECTIONS; do
  threads=$(( THREADS < connections ? THREADS : connections ))
  read -r _ total rate p50 p90 p99 max errors <<< "$(wrk -t"$threads" -c"$connections" -d"$DURATION" -s "$dir/paths.lua" "$base" -- "$dir/paths.txt" | grep '^RESULT')"
  printf '| %11s | %10s | %8s | %8s | %8s | %8s | %8s | %6s |\n' "$connections" "$rate" "$p50" "$p90" "$p99" "$max" "$total" "$errors"
done
if [ -n "${SAVE_DB:-}" ] && [ "$DATABASE" = sqlite ]; then
  kill "$pid" && wait "$pid" 2>/dev/null || true
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
    "$dir/data/agentidp.db" "$SAVE_DB"
  cp "$dir/paths.txt" "$SAVE_DB.paths" && echo "database kept at $SAVE_DB" >&2
fi
