#!/usr/bin/env bash
# Benchmarks POST /oauth2/token end to end (HTTP, one server process on SQLite or PostgreSQL)
# for RS256, ES256 and EdDSA with wrk, and prints tokens/s, p50, p99 and the server's CPU time
# per token (user + system, from /proc; on PostgreSQL the database's own processes are not
# included) per algorithm.
#
#   cargo build --release && load/bench-token.sh [path/to/agentidp [path/to/baseline-agentidp]]
#
# With a second binary both are measured back to back for each algorithm, and the table shows
# the first as a share of the baseline, in tokens/s and in CPU per token (on a noisy machine
# CPU per token varies far less between runs than throughput does). A change is measured
# against the commit before it:
#
#   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && cargo build --release)
#   load/bench-token.sh target/release/agentidp /tmp/before/target/release/agentidp
#
# Settings (env): CONNECTIONS (64), THREADS (2), DURATION (20s), WARMUP (3s), ALGS
# ("RS256 ES256 EdDSA"), ROUNDS (1; with a baseline, each round measures both binaries again
# and the median share is printed), DATABASE (sqlite, or postgres: a fresh database per run
# on PG_SERVER_URL, default postgres://postgres@127.0.0.1:5432).
# Needs wrk (`apt-get install wrk`). Targets 127.0.0.1 only; each run is bounded by DURATION.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
BASELINE="${2:+$(realpath "$2")}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-3s}"
ROUNDS="${ROUNDS:-1}"
DATABASE="${DATABASE:-sqlite}"
PG_SERVER_URL="${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}"

# shellcheck source=load/measure.sh
source "$(dirname "$0")/measure.sh"
require_tools "$BIN"

results=()
medians=()
for alg in ${ALGS:-RS256 ES256 EdDSA}; do
  shares=()
  cpu_shares=()
  for round in $(seq 1 "$ROUNDS"); do
    read -r _ total rps p50 p99 errors cpu <<< "$(measure "$BIN" "$alg")"
    if [ -n "$BASELINE" ]; then
      read -r _ _ base_rps base_p50 base_p99 _ base_cpu <<< "$(measure "$BASELINE" "$alg")"
      share="$(python3 -c "print(f'{100*$rps/$base_rps:.0f}')")"
      cpu_share="$(python3 -c "print(f'{100*$cpu/max($base_cpu, 1):.0f}')")"
      shares+=("$share")
      cpu_shares+=("$cpu_share")
      results+=("$(printf '| %-5s | %5s | %9s | %8s | %8s | %7s | %6s | %6s | %9s | %8s | %8s | %6s | %4s %% | %4s %% |' \
        "$alg" "$round" "$rps" "$p50" "$p99" "$total" "$errors" "$cpu" "$base_rps" "$base_p50" "$base_p99" "$base_cpu" "$share" "$cpu_share")")
    else
      results+=("$(printf '| %-5s | %5s | %9s | %8s | %8s | %7s | %6s | %6s |' "$alg" "$round" "$rps" "$p50" "$p99" "$total" "$errors" "$cpu")")
    fi
  done
  if [ -n "$BASELINE" ]; then
    medians+=("$alg: median share $(median "${shares[@]}") % over $ROUNDS round(s) (${shares[*]}); CPU per token $(median "${cpu_shares[@]}") % of the baseline's (${cpu_shares[*]})")
  fi
done

echo
echo "POST /oauth2/token, $DATABASE, $CONNECTIONS connections, $THREADS wrk threads, $DURATION"
if [ -n "$BASELINE" ]; then
  echo "| alg   | round | tokens/s  | p50 (ms) | p99 (ms) | requests | errors | CPU µs/token | baseline tokens/s | base p50 | base p99 | base CPU µs/token | share | CPU share |"
  echo "|-------|-------|-----------|----------|----------|----------|--------|--------------|-------------------|----------|----------|-------------------|-------|-----------|"
else
  echo "| alg   | round | tokens/s  | p50 (ms) | p99 (ms) | requests | errors | CPU µs/token |"
  echo "|-------|-------|-----------|----------|----------|----------|--------|--------------|"
fi
printf '%s\n' "${results[@]}"
[ ${#medians[@]} -eq 0 ] || { echo; printf '%s\n' "${medians[@]}"; }
