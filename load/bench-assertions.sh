#!/usr/bin/env bash
# Token throughput with private_key_jwt (RFC 7523 client assertions, EdDSA and ES256) as a
# share of client_secret_basic, in the same run of one server: AGENTS agents of each kind
# (a secret, an Ed25519 key, a P-256 key) on a fresh SQLite or PostgreSQL database, wrk
# cycling over all the agents of the cell. Each assertion is single use, so every round first signs a fresh
# batch (load/assertions.py) that wrk's threads split between them; the database's record of
# spent jtis grows through the run, as it does in production.
#
#   cargo build --release && load/bench-assertions.sh [path/to/agentidp]
#
# Settings (env): AGENTS (1000), CONNECTIONS (64), THREADS (2), DURATION (10s), ROUNDS (3,
# the order of the three cells rotating), DATABASE (sqlite or postgres on PG_SERVER_URL),
# JWT_ALGORITHM of the server's own tokens (ES256), REDIS_URL (unset: spent jtis go to the
# database). Needs wrk and python3 with pyjwt[crypto] and requests. Targets 127.0.0.1 only.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
AGENTS="${AGENTS:-1000}"
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
port="$(free_port)"
db=""
db_url=()
if [ "$DATABASE" = postgres ]; then
  db="agentidp_bench_$$_$RANDOM"
  psql "$PG_SERVER_URL/postgres" -qc "CREATE DATABASE $db"
  db_url=(DATABASE_URL="$PG_SERVER_URL/$db")
fi
(cd "$dir" && exec env "${db_url[@]}" JWT_ALGORITHM="${JWT_ALGORITHM:-ES256}" BIND_ADDR="127.0.0.1:$port" \
    MAX_TOKENS_PER_MONTH=0 MAX_AGENTS_PER_TENANT=0 RATE_LIMIT_MAX_REQUESTS=0 RUST_LOG=warn \
    "$BIN" serve > out.log 2> err.log) &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  [ -z "$db" ] || psql "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.1; done
admin_id="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
admin_secret="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"

# wrk sends the lines of a file (load/lines.lua): headers for client_secret_basic, cycling;
# assertion forms, each once.
url="$base"
secs="${DURATION%s}"
# Enough fresh assertions for a round at up to 15,000 tokens/s.
bodies=$(( secs * 15000 ))
run_cell() { # CELL FILE MODE -> "RESULT … cpu_us_per_token"
  local before result
  before="$(cpu_us "$pid")"
  result="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$HERE/lines.lua" "$url" -- "$2" "$3" "$THREADS" | grep '^RESULT')"
  echo "$result $(( ($(cpu_us "$pid") - before) / $(awk '{ print ($2 > 0) ? $2 : 1 }' <<< "$result") ))"
}

echo "registering $AGENTS agents with a secret, $AGENTS with an Ed25519 key, $AGENTS with a P-256 key" >&2
python3 "$HERE/assertions.py" "$base" "$admin_id" "$admin_secret" "$AGENTS" 1 "$dir/work"
# Warm-up: every agent's rows into the caches.
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$HERE/lines.lua" "$url" -- "$dir/work/basic.txt" basic "$THREADS" >/dev/null

declare -A rps cpu
rows=()
cells=(basic EdDSA ES256)
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: signing $bodies assertions per algorithm" >&2
  python3 "$HERE/assertions.py" "$base" "$admin_id" "$admin_secret" "$AGENTS" "$bodies" "$dir/work" --reuse
  shift_by=$(( (round - 1) % 3 ))
  order=("${cells[@]:$shift_by}" "${cells[@]:0:$shift_by}")
  for cell in "${order[@]}"; do
    if [ "$cell" = basic ]; then file="$dir/work/basic.txt"; else file="$dir/work/$cell.txt"; fi
    read -r _ total r p50 p99 errors c <<< "$(run_cell "$cell" "$file" "$([ "$cell" = basic ] && echo basic || echo form)")"
    rps[$cell,$round]="$r"
    cpu[$cell,$round]="$c"
    rows+=("$(printf '| %5s | %-22s | %9s | %8s | %8s | %7s | %6s | %6s |' "$round" \
      "$([ "$cell" = basic ] && echo client_secret_basic || echo "private_key_jwt $cell")" "$r" "$p50" "$p99" "$total" "$errors" "$c")")
  done
done

echo
echo "POST /oauth2/token, $DATABASE, $AGENTS agents, $CONNECTIONS connections, $THREADS wrk threads, $DURATION per cell, server tokens ${JWT_ALGORITHM:-ES256}"
echo "| round | client authentication  | tokens/s  | p50 (ms) | p99 (ms) | requests | errors | CPU µs/token |"
echo "|-------|------------------------|-----------|----------|----------|----------|--------|--------------|"
printf '%s\n' "${rows[@]}"
echo
for alg in EdDSA ES256; do
  shares=()
  for round in $(seq 1 "$ROUNDS"); do
    shares+=("$(python3 -c "print(f'{100*${rps[$alg,$round]}/${rps[basic,$round]}:.0f}')")")
  done
  echo "private_key_jwt $alg: median $(median "${shares[@]}") % of client_secret_basic's tokens/s (rounds: ${shares[*]})"
done
