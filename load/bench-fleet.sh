#!/usr/bin/env bash
# Token throughput for a fleet: POST /oauth2/token with wrk cycling over K distinct clients
# (each request the next client) against a database of N agents seeded straight into the
# store, on SQLite and PostgreSQL, per signing algorithm. Prints tokens/s, p50, p99 and the
# server's CPU per token for each cell, and each cell's share of the single-client cell of the
# same store and algorithm on the first fleet, measured in the same run. Cells with more clients
# than agents are skipped.
#
#   cargo build --release --bin agentidp --example seed_fleet
#   load/bench-fleet.sh [target/release/agentidp [target/release/examples/seed_fleet]]
#
# Settings (env): AGENTS ("1000 1000000"), CLIENTS ("1 1000 20000"), ALGS ("EdDSA RS256"),
# DATABASES ("sqlite postgres"), CONNECTIONS (64), THREADS (2), DURATION (15s), WARMUP (3s),
# ROUNDS (3: every cell of a server is measured that many times in turn, and the medians shown),
# GROWTH (40000: agents added behind a running server on the smallest fleet, whose single-
# client and K-client throughput is then measured again; 0 skips it), PG_SERVER_URL
# (postgres://postgres@127.0.0.1:5432). Needs wrk (`apt-get install wrk`). Targets 127.0.0.1
# only; every wrk run is bounded by DURATION.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
SEED="$(realpath "${2:-$(dirname "$BIN")/examples/seed_fleet}")"
AGENTS="${AGENTS:-1000 1000000}"
CLIENTS="${CLIENTS:-1 1000 20000}"
ALGS="${ALGS:-EdDSA RS256}"
DATABASES="${DATABASES:-sqlite postgres}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
GROWTH="${GROWTH:-40000}"
ROUNDS="${ROUNDS:-3}"
PG_SERVER_URL="${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}"
[ -x "$SEED" ] || { echo "no seeder at $SEED (cargo build --release --example seed_fleet)" >&2; exit 1; }

# shellcheck source=load/measure.sh
source "$(dirname "$0")/measure.sh"
require_tools "$BIN"

work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
dbs=()
cleanup() {
  stop_server
  for db in "${dbs[@]}"; do psql "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

max_clients="$(printf '%s\n' $CLIENTS | sort -n | tail -1)"

# fleet_lua FILE K -> a wrk script whose requests cycle over the first K Basic credentials of
# FILE, each wrk thread starting at its own offset.
fleet_lua() {
  cat <<LUA
local requests, n = {}, 0
for line in io.lines("$1") do
  if n == $2 then break end
  n = n + 1
  requests[n] = wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Basic " .. line,
  }, "grant_type=client_credentials")
end
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("offset", counter)
end
local i = 0
request = function()
  i = i + 1
  return requests[((i * $THREADS + (offset or 0)) % n) + 1]
end
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %d\\n", summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
LUA
}

# start_server DATABASE_URL ALG DIR -> sets server_pid and base
start_server() {
  local url="$1" alg="$2" dir="$3" port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  # The database's active key decides the algorithm: make it one of ALG.
  (cd "$dir" && env DATABASE_URL="$url" JWT_ALGORITHM="$alg" RUST_LOG=warn "$BIN" keys rotate >/dev/null)
  (cd "$dir" && exec env DATABASE_URL="$url" JWT_ALGORITHM="$alg" BIND_ADDR="127.0.0.1:$port" \
      MAX_TOKENS_PER_MONTH=0 MAX_AGENTS_PER_TENANT=0 RATE_LIMIT_MAX_REQUESTS=0 RUST_LOG=warn \
      "$BIN" serve >> out.log 2>> err.log) &
  server_pid=$!
  for _ in $(seq 1 300); do curl -fsS "$base/health" >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$dir/err.log" >&2
  return 1
}

# run_cell K -> prints "requests tokens/s p50 p99 errors cpu_us_per_token"
run_cell() {
  local k="$1" script="$work/fleet-$1.lua" result cpu_before
  fleet_lua "$work/clients.txt" "$k" > "$script"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$script" "$base/oauth2/token" >/dev/null
  cpu_before="$(cpu_us "$server_pid")"
  result="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$script" "$base/oauth2/token" | grep '^RESULT')"
  read -r _ total rps p50 p99 errors <<< "$result"
  echo "$total $rps $p50 $p99 $errors $(( ($(cpu_us "$server_pid") - cpu_before) / (total > 0 ? total : 1) ))"
}

rows=()
declare -A reference

# measure_cells STORE AGENTS_LABEL ALG: every K in CLIENTS (at most the fleet), ROUNDS times in
# turn, then one row per K with the medians.
measure_cells() {
  local store="$1" label="$2" alg="$3" n="${2%%+*}" k round
  declare -A rps p50 p99 cpu err
  for round in $(seq 1 "$ROUNDS"); do
    for k in $CLIENTS; do
      [ "$k" -le "$n" ] || continue
      read -r _ r a b e c <<< "$(run_cell "$k")"
      rps[$k]+="$r "; p50[$k]+="$a "; p99[$k]+="$b "; err[$k]+="$e "; cpu[$k]+="$c "
      echo "  $store $label $alg K=$k round $round: $r tokens/s, p99 $b ms" >&2
    done
  done
  for k in $CLIENTS; do
    [ "$k" -le "$n" ] || continue
    local m_rps key="$store/$alg" share
    m_rps="$(median ${rps[$k]})"
    [ -n "${reference[$key]:-}" ] || reference[$key]="$m_rps"
    share="$(python3 -c "print(f'{100*$m_rps/${reference[$key]}:.0f}')")"
    rows+=("$(printf '| %-10s | %-17s | %-5s | %7s | %9s | %8s | %8s | %6s | %12s | %5s %% |' \
      "$store" "$label" "$alg" "$k" "$m_rps" "$(median ${p50[$k]})" "$(median ${p99[$k]})" \
      "$(printf '%s\n' ${err[$k]} | awk '{s+=$1} END {print s}')" "$(median ${cpu[$k]})" "$share")")
    printf '%s\n' "${rows[-1]}" >&2
  done
}

for store in $DATABASES; do
  first_n=""
  for n in $AGENTS; do
    dir="$work/$store-$n"; mkdir -p "$dir/data"
    if [ "$store" = postgres ]; then
      db="agentidp_fleet_$$_$n"; dbs+=("$db")
      psql "$PG_SERVER_URL/postgres" -qc "CREATE DATABASE $db"
      url="$PG_SERVER_URL/$db"
    else
      url="sqlite://$dir/data/agentidp.db"
    fi
    echo "--- $store: seeding $n agents" >&2
    "$SEED" --database-url "$url" --agents "$n" --clients "$max_clients" \
      --clients-file "$work/clients.txt" >&2
    for alg in $ALGS; do
      start_server "$url" "$alg" "$dir"
      measure_cells "$store" "$n" "$alg"
      if [ -z "$first_n" ] && [ "$alg" = "${ALGS%% *}" ] && [ "$GROWTH" -gt 0 ]; then
        echo "--- $store: $GROWTH more agents behind the running server" >&2
        "$SEED" --database-url "$url" --agents "$GROWTH" >&2
        measure_cells "$store" "$n+$GROWTH live" "$alg"
      fi
      stop_server
    done
    first_n="$n"
  done
done

echo
echo "POST /oauth2/token for a fleet: $CONNECTIONS connections, $THREADS wrk threads, $DURATION per cell, medians of $ROUNDS rounds"
echo "| store      | agents            | alg   | clients | tokens/s  | p50 (ms) | p99 (ms) | errors | CPU µs/token | share   |"
echo "|------------|-------------------|-------|---------|-----------|----------|----------|--------|--------------|---------|"
printf '%s\n' "${rows[@]}"
echo
echo "share: median tokens/s as a share of the single-client cell's of the same store and algorithm on the first fleet."
