#!/usr/bin/env bash
# Interoperability checks against a real `agentidp` process, for RS256, ES256 and EdDSA:
#   1. tokens verify with PyJWT against the published JWKS (verify_with_pyjwt.py);
#   2. an agent gets tokens with private_key_jwt through authlib, and forged or replayed
#      assertions are refused (private_key_jwt_with_authlib.py);
#   3. DID documents deserialize strictly with pydid and map to their URLs by the did:web
#      rules (identity_documents_with_pydid.py);
#   4. A2A agent cards parse strictly with the A2A SDK and their signatures verify with its
#      verifier (agent_cards_with_a2a_sdk.py);
#   5. a workload exchanges an identity token from a local OIDC issuer for an access token
#      that verifies with PyJWT (workload_exchange_with_pyjwt.py);
#   6. an agent acting for another (RFC 8693 delegation) gets a token with `act` that
#      verifies with PyJWT, nested when delegated twice (delegation_with_pyjwt.py);
#   7. the README's curl walk-through (the ```bash block starting with `# walkthrough`)
#      runs verbatim.
# With AGENTIDP_TEST_POSTGRES_URL set, the walk-through also runs on a fresh PostgreSQL database.
#
#   tests/interop/run.sh path/to/agentidp
set -euo pipefail

BIN="$(realpath "${1:?usage: run.sh path/to/agentidp}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WALKTHROUGH="$(mktemp)"
awk '/^```bash$/ {inblock=1; first=1; next}
     inblock && first { first=0; if ($0 != "# walkthrough") { inblock=0; next } }
     /^```$/ && inblock { exit }
     inblock { print }' "$ROOT/README.md" > "$WALKTHROUGH"
[ -s "$WALKTHROUGH" ] || { echo "README.md has no '# walkthrough' bash block" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# start_server ALG DATABASE_URL -> sets BASE ADMIN_ID ADMIN_SECRET SERVER_PID
start_server() {
  local alg="$1" url="$2" dir port
  dir="$(mktemp -d)"
  port="$(free_port)"
  ISSUER_PORT="$(free_port)"
  (cd "$dir" && exec env JWT_ALGORITHM="$alg" BIND_ADDR="127.0.0.1:$port" DATABASE_URL="$url" MARKETPLACE_ENABLED=true \
      FEDERATION_INSECURE_ISSUERS="http://127.0.0.1:$ISSUER_PORT" RUST_LOG=warn "$BIN" serve > out.log 2> err.log) &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  BASE="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do curl -fsS "$BASE/health" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "$BASE/health" >/dev/null || { cat "$dir/err.log" >&2; return 1; }
  ADMIN_ID="$(awk '/^client_id:/ {print $2}' "$dir/out.log")"
  ADMIN_SECRET="$(awk '/^client_secret:/ {print $2}' "$dir/out.log")"
  export BASE ADMIN_ID ADMIN_SECRET ISSUER_PORT
}

failed=0
for alg in RS256 ES256 EdDSA; do
  echo "--- $alg on SQLite"
  start_server "$alg" "sqlite://./data/agentidp.db"
  python3 "$HERE/verify_with_pyjwt.py" || failed=1
  python3 "$HERE/private_key_jwt_with_authlib.py" || failed=1
  python3 "$HERE/identity_documents_with_pydid.py" || failed=1
  python3 "$HERE/agent_cards_with_a2a_sdk.py" || failed=1
  python3 "$HERE/workload_exchange_with_pyjwt.py" || failed=1
  python3 "$HERE/delegation_with_pyjwt.py" || failed=1
  if bash "$WALKTHROUGH" > /tmp/agentidp-walkthrough.log 2>&1; then
    echo "walkthrough: ok ($alg, SQLite)"
  else
    echo "walkthrough: FAILED ($alg, SQLite)"; cat /tmp/agentidp-walkthrough.log; failed=1
  fi
  kill "$SERVER_PID"
done

if [ -n "${AGENTIDP_TEST_POSTGRES_URL:-}" ]; then
  echo "--- ES256 on PostgreSQL"
  db="agentidp_ci_$(date +%s)_$$"
  psql "${AGENTIDP_TEST_POSTGRES_URL%/}/postgres" -qc "CREATE DATABASE $db"
  start_server ES256 "${AGENTIDP_TEST_POSTGRES_URL%/}/$db"
  python3 "$HERE/verify_with_pyjwt.py" || failed=1
  python3 "$HERE/private_key_jwt_with_authlib.py" || failed=1
  python3 "$HERE/identity_documents_with_pydid.py" || failed=1
  python3 "$HERE/agent_cards_with_a2a_sdk.py" || failed=1
  python3 "$HERE/workload_exchange_with_pyjwt.py" || failed=1
  python3 "$HERE/delegation_with_pyjwt.py" || failed=1
  if bash "$WALKTHROUGH" > /tmp/agentidp-walkthrough.log 2>&1; then
    echo "walkthrough: ok (ES256, PostgreSQL)"
  else
    echo "walkthrough: FAILED (ES256, PostgreSQL)"; cat /tmp/agentidp-walkthrough.log; failed=1
  fi
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  psql "${AGENTIDP_TEST_POSTGRES_URL%/}/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
fi

[ "$failed" = 0 ] && echo "interop and walk-through: all passed" || { echo "interop and walk-through: FAILED"; exit 1; }
