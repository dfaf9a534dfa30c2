#!/usr/bin/env bash
# Workload token exchange throughput (POST /oidc/token, an Ed25519-signed GitHub-shaped
# identity token from a local issuer whose keys the server has cached) as a share of
# client_secret_basic, in the same run of one server: AGENTS agents with a secret and AGENTS
# workload agents, each with its trust policy, on a fresh SQLite or PostgreSQL database. Each
# identity token is single use, so every round first signs a fresh batch (load/exchange.py)
# that wrk's threads split between them.
#
#   cargo build --release && load/bench-exchange.sh [path/to/agentidp]
#
# Settings (env): AGENTS (1000), CONNECTIONS (64), THREADS (2), DURATION (10s), ROUNDS (3, the
# order of the two cells alternating), DATABASE (sqlite or postgres on PG_SERVER_URL),
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
mkdir -p "$dir/work"
issuer_port="$(free_port)"
issuer="http://127.0.0.1:$issuer_port"
python3 "$HERE/exchange.py" serve "$issuer_port" "$dir/issuer-key.pem" &
issuer_pid=$!
port="$(free_port)"
db=""
db_url=()
if [ "$DATABASE" = postgres ]; then
  db="agentidp_bench_$$_$RANDOM"
  psql "$PG_SERVER_URL/postgres" -qc "CREATE DATABASE $db"
  db_url=(DATABASE_URL="$PG_SERVER_URL/$db")
fi
(cd "$dir" && exec env "${db_url[@]}" JWT_ALGORITHM="${JWT_ALGORITHM:-ES256}" BIND_ADDR="127.0.0.1:$port" \
    FEDERATION_INSECURE_ISSUERS="$issuer" MAX_TOKENS_PER_MONTH=0 MAX_AGENTS_PER_TENANT=0 \
    RATE_LIMIT_MAX_REQUESTS=0 RUST_LOG=warn "$BIN" serve > out.log 2> err.log) &
pid=$!
cleanup() {
  kill "$pid" "$issuer_pid" 2>/dev/null || true; wait "$pid" "$issuer_pid" 2>/dev/null || true
  rm -rf "$dir"
  [ -z "$db" ] || psql "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && curl -fsS "$issuer/jwks" >/dev/null 2>&1 && break; sleep 0.1; done
admin_id="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
admin_secret="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"

# wrk sends the lines of a file (load/lines.lua): headers for client_secret_basic, cycling;
# /oidc/token bodies, each once.

secs="${DURATION%s}"
# Enough fresh identity tokens for a round at up to 10,000 exchanges/s.
bodies=$(( secs * 10000 ))
run_cell() { # FILE MODE -> "RESULT … cpu_us_per_token"
  local before result
  before="$(cpu_us "$pid")"
  result="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$HERE/lines.lua" "$base" -- "$1" "$2" "$THREADS" | grep '^RESULT')"
  echo "$result $(( ($(cpu_us "$pid") - before) / $(awk '{ print ($2 > 0) ? $2 : 1 }' <<< "$result") ))"
}

echo "registering $AGENTS agents with a secret and $AGENTS workload agents with a trust policy each" >&2
python3 "$HERE/exchange.py" setup "$base" "$admin_id" "$admin_secret" "$issuer" "$AGENTS" "$dir/work"
# Warm-up: the agents' rows into the caches, the issuer's keys into the server's.
python3 "$HERE/exchange.py" mint "$issuer" "$dir/issuer-key.pem" 3000 "$dir/work"
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$HERE/lines.lua" "$base" -- "$dir/work/basic.txt" basic "$THREADS" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d1s -s "$HERE/lines.lua" "$base" -- "$dir/work/exchange.txt" json "$THREADS" >/dev/null

declare -A rps
rows=()
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round: signing $bodies identity tokens" >&2
  python3 "$HERE/exchange.py" mint "$issuer" "$dir/issuer-key.pem" "$bodies" "$dir/work"
  if (( round % 2 )); then order=(basic exchange); else order=(exchange basic); fi
  for cell in "${order[@]}"; do
    if [ "$cell" = basic ]; then set -- "$dir/work/basic.txt" basic; else set -- "$dir/work/exchange.txt" json; fi
    read -r _ total r p50 p99 errors c <<< "$(run_cell "$1" "$2")"
    rps[$cell,$round]="$r"
    rows+=("$(printf '| %5s | %-24s | %9s | %8s | %8s | %7s | %6s | %6s |' "$round" \
      "$([ "$cell" = basic ] && echo client_secret_basic || echo "token exchange (EdDSA)")" "$r" "$p50" "$p99" "$total" "$errors" "$c")")
  done
done

echo
echo "$DATABASE, $AGENTS + $AGENTS agents, $CONNECTIONS connections, $THREADS wrk threads, $DURATION per cell, server tokens ${JWT_ALGORITHM:-ES256}"
echo "| round | grant                    | tokens/s  | p50 (ms) | p99 (ms) | requests | errors | CPU µs/token |"
echo "|-------|--------------------------|-----------|----------|----------|----------|--------|--------------|"
printf '%s\n' "${rows[@]}"
echo
shares=()
for round in $(seq 1 "$ROUNDS"); do
  shares+=("$(python3 -c "print(f'{100*${rps[exchange,$round]}/${rps[basic,$round]}:.0f}')")")
done
echo "token exchange: median $(median "${shares[@]}") % of client_secret_basic's tokens/s (rounds: ${shares[*]})"
