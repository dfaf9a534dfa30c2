#!/usr/bin/env bash
# Benchmarks POST /oauth2/token end to end (HTTP, SQLite store, one server process) for RS256,
# ES256 and EdDSA with wrk, and prints tokens/s, p50 and p99 per algorithm.
#
#   cargo build --release && load/bench-token.sh [path/to/agentidp]
#
# Settings (env): CONNECTIONS (64), THREADS (2), DURATION (20s), WARMUP (3s).
# Needs wrk (`apt-get install wrk`). Targets 127.0.0.1 only; each run is bounded by DURATION.
set -euo pipefail

BIN="$(realpath "${1:-target/release/agentidp}")"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
DURATION="${DURATION:-20s}"
WARMUP="${WARMUP:-3s}"
command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no server binary at $BIN (cargo build --release)" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

results=()
for alg in RS256 ES256 EdDSA; do
  dir="$(mktemp -d)"
  port="$(free_port)"
  (cd "$dir" && exec env JWT_ALGORITHM="$alg" BIND_ADDR="127.0.0.1:$port" MAX_TOKENS_PER_MONTH=0 \
      RUST_LOG=warn "$BIN" serve > out.log 2> err.log) &
  pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  id="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
  secret="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"
  basic="$(printf '%s:%s' "$id" "$secret" | base64 -w0)"
  cat > "$dir/token.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %d\n", summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
LUA
  url="http://127.0.0.1:$port/oauth2/token"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$dir/token.lua" "$url" >/dev/null
  line="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$dir/token.lua" "$url" | grep '^RESULT')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  read -r _ total rps p50 p99 errors <<< "$line"
  results+=("$(printf '| %-5s | %9s | %8s | %8s | %7s | %6s |' "$alg" "$rps" "$p50" "$p99" "$total" "$errors")")
  rm -rf "$dir"
done

echo
echo "POST /oauth2/token, SQLite, $CONNECTIONS connections, $THREADS wrk threads, $DURATION"
echo "| alg   | tokens/s  | p50 (ms) | p99 (ms) | requests | errors |"
echo "|-------|-----------|----------|----------|----------|--------|"
printf '%s\n' "${results[@]}"
