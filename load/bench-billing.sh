#!/usr/bin/env bash
# Token throughput with BILLING_ENABLED=true as a share of the same build with it off, in the
# same run: two server processes on one database (SQLite or PostgreSQL) holding TENANTS
# tenants signed up through the API with AGENTS agents each; wrk cycles through every agent's
# client_secret_basic header, tenants interleaved. With billing on, every tenant is on the free
# plan with limits too high to reach, so each token request checks the tenant's daily API calls
# and monthly tokens (the plan cache, the window totals) and is counted; with it off, requests
# are only counted. Cells alternate between the two servers, ROUNDS times.
#
#   cargo build --release && load/bench-billing.sh [path/to/agentidp]
#
# Settings (env): TENANTS (100), AGENTS (10 per tenant), CONNECTIONS (64), THREADS (2),
# DURATION (10s), ROUNDS (3), DATABASE (sqlite or postgres on PG_SERVER_URL), JWT_ALGORITHM
# (ES256), REDIS_URL (unset: limits are checked in process). Needs wrk, python3 with requests. 127.0.0.1 only.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
TENANTS="${TENANTS:-100}"
AGENTS="${AGENTS:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
DATABASE="${DATABASE:-sqlite}"
PG_SERVER_URL="${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}"
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=load/measure.sh
source "$HERE/measure.sh"
require_tools "$BIN"

dir="$(mktemp -d)"
mkdir -p "$dir/off" "$dir/on"
db=""
db_url="sqlite://$dir/agentidp.db"
if [ "$DATABASE" = postgres ]; then
  db="agentidp_bench_$$_$RANDOM"
  psql "$PG_SERVER_URL/postgres" -qc "CREATE DATABASE $db"
  db_url="$PG_SERVER_URL/$db"
fi
redis=()
[ -z "${REDIS_URL:-}" ] || redis=(REDIS_URL="$REDIS_URL")
common=(DATABASE_URL="$db_url" JWT_ALGORITHM="${JWT_ALGORITHM:-ES256}" RATE_LIMIT_MAX_REQUESTS=0 SIGNUP_ENABLED=true MAX_AGENTS_PER_TENANT=0
  MAX_TOKENS_PER_MONTH=0 RUST_LOG=warn "${redis[@]}")
declare -A port pid
start() { # NAME BILLING_ENABLED
  port[$1]="$(free_port)"
  (cd "$dir/$1" && exec env "${common[@]}" BIND_ADDR="127.0.0.1:${port[$1]}" BILLING_ENABLED="$2" \
      FREE_MAX_AGENTS=0 FREE_MAX_API_CALLS_PER_DAY=1000000000000 FREE_MAX_TOKENS_PER_MONTH=1000000000000 \
      "$BIN" serve > out.log 2> err.log) &
  pid[$1]=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:${port[$1]}/health" >/dev/null 2>&1 && return; sleep 0.1; done
  cat "$dir/$1/err.log" >&2; return 1
}
cleanup() {
  kill "${pid[@]}" 2>/dev/null || true; wait "${pid[@]}" 2>/dev/null || true
  rm -rf "$dir"
  [ -z "$db" ] || psql "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT
start off false
start on true

echo "signing up $TENANTS tenants with $AGENTS agents each" >&2
python3 "$HERE/billing.py" "http://127.0.0.1:${port[off]}" "$TENANTS" "$AGENTS" "$dir"
for cell in off on; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$HERE/lines.lua" "http://127.0.0.1:${port[$cell]}" -- "$dir/basic.txt" basic "$THREADS" >/dev/null
done

declare -A rps
rows=()
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then order=(off on); else order=(on off); fi
  for cell in "${order[@]}"; do
    before="$(cpu_us "${pid[$cell]}")"
    result="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$HERE/lines.lua" "http://127.0.0.1:${port[$cell]}" -- "$dir/basic.txt" basic "$THREADS" | grep '^RESULT')"
    read -r _ total r p50 p99 errors <<< "$result"
    cpu=$(( ($(cpu_us "${pid[$cell]}") - before) / (total > 0 ? total : 1) ))
    rps[$cell,$round]="$r"
    rows+=("$(printf '| %5s | %-12s | %9s | %8s | %8s | %8s | %6s | %12s |' "$round" "billing $cell" "$r" "$p50" "$p99" "$total" "$errors" "$cpu")")
  done
done

echo
echo "$DATABASE${REDIS_URL:+ + Redis}, ${JWT_ALGORITHM:-ES256}, $TENANTS tenants × $AGENTS agents, $CONNECTIONS connections, $THREADS wrk threads, $DURATION per cell"
echo "| round | server       | tokens/s  | p50 (ms) | p99 (ms) | requests | errors | CPU µs/token |"
echo "|-------|--------------|-----------|----------|----------|----------|--------|--------------|"
printf '%s\n' "${rows[@]}"
echo
shares=()
for round in $(seq 1 "$ROUNDS"); do
  shares+=("$(python3 -c "print(f'{100*${rps[on,$round]}/${rps[off,$round]}:.0f}')")")
done
echo "billing on: median $(median "${shares[@]}") % of billing off's tokens/s (rounds: ${shares[*]})"
