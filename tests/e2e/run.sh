#!/usr/bin/env bash
# Runs the portal's end-to-end tests in headless Chromium against a fresh server (SQLite).
#
#   tests/e2e/run.sh [path/to/agentidp]
#
# Needs Debian's chromium (`apt-get install chromium`; CHROMIUM overrides /usr/bin/chromium)
# and Node, Go, Java and Maven; installs playwright-core and the Node.js SDK from npm, the Python
# SDK into a venv, and builds the Java SDK, so that the wizard's snippets run as each SDK's README says. Screenshots of every page go to
# tests/e2e/screenshots/ (SCREENSHOT_DIR overrides).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BIN="$(realpath "${1:-${CARGO_TARGET_DIR:-$root/target}/debug/agentidp}")"
[ -x "$BIN" ] || { echo "no server binary at $BIN (cargo build --bin agentidp)" >&2; exit 1; }
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "Chromium is required at $CHROMIUM: apt-get install chromium" >&2; exit 1; }
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$here/screenshots}"
# The billing test starts its own server (billing on, a local stand-in for Stripe's API).
export AGENTIDP_BIN="$BIN"
mkdir -p "$SCREENSHOT_DIR"

(cd "$here" && npm ci --no-audit --no-fund --silent)
# The wizard's Python snippet runs with the Python SDK installed as its README says.
venv="${TMPDIR:-/tmp}/agentidp-e2e-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "$root/sdks/python"
export SDK_PYTHON="$venv/bin/python"
# The Java snippet runs against the SDK jar and its dependencies (the Go one builds its own module).
(cd "$root/sdks/java" && mvn -q -B package -DskipTests -Dmaven.javadoc.skip=true \
  && mvn -q -B dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=target/classpath.txt)
export SDK_JAVA_CP="$root/sdks/java/target/agentidp-sdk-0.1.0.jar:$(cat "$root/sdks/java/target/classpath.txt")"

dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export BASE="http://127.0.0.1:$port"
(cd "$dir" && exec env BIND_ADDR="127.0.0.1:$port" PUBLIC_URL="$BASE" MAX_AGENTS_PER_TENANT=25 SIGNUP_ENABLED=true MARKETPLACE_ENABLED=true \
    MAX_TOKENS_PER_MONTH=10000 RUST_LOG=warn "$BIN" serve > out.log 2> err.log) &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -fsS "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done
export ADMIN_ID="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
export ADMIN_SECRET="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"
[ -n "$ADMIN_ID" ] || { echo "the server did not start:" >&2; cat "$dir/err.log" >&2; exit 1; }

cd "$here" && node --test --test-concurrency=1 portal.test.mjs
