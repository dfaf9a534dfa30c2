# Sourced by the benchmarks (require_tools, median, free_port, cpu_us, token_lua, measure): `measure BINARY ALG` starts a fresh server (SQLite in a
# temporary directory, or a fresh PostgreSQL database with DATABASE=postgres), loads
# POST /oauth2/token with wrk for WARMUP and then DURATION at CONNECTIONS, and prints
# "RESULT requests tokens/s p50_ms p99_ms errors cpu_us_per_token". The server inherits the
# caller's environment (so AUDIT_CHAIN_KEY, AUDIT_EXP and the like reach it).
# Expects CONNECTIONS, THREADS, DURATION, WARMUP, DATABASE and PG_SERVER_URL to be set.

# require_tools [BINARY]: exits unless wrk is installed and BINARY, when given, is executable.
require_tools() {
  command -v wrk >/dev/null || { echo "wrk is required: apt-get install wrk" >&2; exit 1; }
  [ "$#" -eq 0 ] || [ -x "$1" ] || { echo "no server binary at $1 (cargo build --release)" >&2; exit 1; }
}

# median N…: the median of the numbers.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU time (user + system) a process has used so far, in microseconds.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1e6 / hz }' "/proc/$1/stat"; }

# token_lua BASIC -> prints a wrk script that posts client_credentials with HTTP Basic BASIC
# and ends with "RESULT requests tokens/s p50_ms p99_ms errors".
token_lua() {
  cat <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $1"
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.1f %.2f %.2f %d\\n", summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, bad))
end
LUA
}

# measure BINARY ALG -> prints "RESULT total rps p50 p99 errors cpu_us_per_token"
measure() {
  local bin="$1" alg="$2" dir port pid id secret basic url db="" db_url=()
  dir="$(mktemp -d)"
  port="$(free_port)"
  if [ "$DATABASE" = postgres ]; then
    db="agentidp_bench_$$_$RANDOM"
    psql "$PG_SERVER_URL/postgres" -qc "CREATE DATABASE $db"
    db_url=(DATABASE_URL="$PG_SERVER_URL/$db")
  fi
  (cd "$dir" && exec env "${db_url[@]}" JWT_ALGORITHM="$alg" BIND_ADDR="127.0.0.1:$port" MAX_TOKENS_PER_MONTH=0 \
      RATE_LIMIT_MAX_REQUESTS=0 RUST_LOG=warn "$bin" serve > out.log 2> err.log) &
  pid=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  id="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
  secret="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"
  basic="$(printf '%s:%s' "$id" "$secret" | base64 -w0)"
  token_lua "$basic" > "$dir/token.lua"
  url="http://127.0.0.1:$port/oauth2/token"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$dir/token.lua" "$url" >/dev/null
  local cpu_before result
  cpu_before="$(cpu_us "$pid")"
  result="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$dir/token.lua" "$url" | grep '^RESULT')"
  echo "$result $(( ($(cpu_us "$pid") - cpu_before) / $(awk '{ print ($2 > 0) ? $2 : 1 }' <<< "$result") ))"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  [ -z "$db" ] || psql "$PG_SERVER_URL/postgres" -qc "DROP DATABASE $db"
}

