#!/usr/bin/env bash
# Compares several server builds (or one build under several settings) on POST /oauth2/token,
# round-robin, the order rotated every round, and prints each one's median share of the
# baseline's tokens/s and CPU per token. On a machine whose speed drifts by a quarter between
# minutes, only builds measured minutes apart in a rotating order can be compared.
#
#   load/bench-builds.sh before=/tmp/before/target/release/agentidp head=target/release/agentidp \
#     head-10ms=target/release/agentidp:AUDIT_COMMIT_INTERVAL_MS=10
#
# Each argument is NAME=BINARY[:VAR=VALUE,...]; the first is the baseline, and the variables
# are set for that build's server only. Settings (env): ROUNDS (6), CONNECTIONS (64),
# DURATION (6s), WARMUP (3s), ALG (EdDSA), THREADS (2), DATABASE (sqlite, or postgres as in
# bench-token.sh). Raw lines ("round name RESULT ...") go to stderr, the summary to stdout.
# Needs wrk. Targets 127.0.0.1 only; each run is bounded by DURATION.
set -euo pipefail

ROUNDS="${ROUNDS:-6}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-6s}"
WARMUP="${WARMUP:-3s}"
ALG="${ALG:-EdDSA}"
THREADS="${THREADS:-2}"
DATABASE="${DATABASE:-sqlite}"
PG_SERVER_URL="${PG_SERVER_URL:-postgres://postgres@127.0.0.1:5432}"
export CONNECTIONS DURATION WARMUP THREADS DATABASE PG_SERVER_URL
[ $# -ge 2 ] || { echo "usage: $0 baseline=BIN other=BIN[:VAR=VALUE,...] ..." >&2; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=load/measure.sh
source "$here/measure.sh"
require_tools

names=() bins=() envs=()
for spec in "$@"; do
  name="${spec%%=*}" rest="${spec#*=}"
  bin="$(realpath "${rest%%:*}")"
  [ -x "$bin" ] || { echo "no server binary at $bin" >&2; exit 1; }
  names+=("$name") bins+=("$bin")
  if [[ "$rest" == *:* ]]; then envs+=("${rest#*:}"); else envs+=(""); fi
done

n=${#names[@]}
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  for k in $(seq 0 $((n - 1))); do
    i=$(( (k + round) % n ))
    IFS=',' read -r -a vars <<< "${envs[$i]}"
    line="$round ${names[$i]} $(env "${vars[@]}" bash -c 'source "$1"; measure "$2" "$3"' _ \
      "$here/measure.sh" "${bins[$i]}" "$ALG")"
    echo "$line" >&2
    echo "$line" >> "$raw"
  done
done

echo "POST /oauth2/token, $ALG, $DATABASE, $CONNECTIONS connections, $ROUNDS rotated rounds of $DURATION"
python3 - "$raw" "${names[@]}" <<'PY'
import statistics, sys
raw, names = sys.argv[1], sys.argv[2:]
runs = {}
for line in open(raw):
    round_, name, _, _, rps, _, p99, errors, cpu = line.split()
    runs.setdefault(int(round_), {})[name] = (float(rps), float(p99), int(errors), int(cpu))
base = names[0]
print(f"| build | median share | shares by round | median CPU per token | median tokens/s | median p99 (ms) | errors |")
print("|---|---:|---|---:|---:|---:|---:|")
for name in names:
    rows = [r for r in runs.values() if name in r and base in r]
    share = [100 * r[name][0] / r[base][0] for r in rows]
    cpu = [100 * r[name][3] / max(r[base][3], 1) for r in rows]
    print(f"| {name} | {statistics.median(share):.0f} % | {' '.join(f'{s:.0f}' for s in share)} "
          f"| {statistics.median(cpu):.0f} % | {statistics.median(r[name][0] for r in rows):.0f} "
          f"| {statistics.median(r[name][1] for r in rows):.1f} | {sum(r[name][2] for r in rows)} |")
PY
