#!/usr/bin/env bash
# Builds the GitHub Actions, checks that their committed dist/ is what the sources build to,
# and runs their tests (node:test) against a real agentidp binary.
#
#   actions/run.sh [path/to/agentidp]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export AGENTIDP_BIN="$(realpath "${1:-${CARGO_TARGET_DIR:-$root/target}/debug/agentidp}")"
[ -x "$AGENTIDP_BIN" ] || { echo "no server binary at $AGENTIDP_BIN (cargo build --bin agentidp)" >&2; exit 1; }
cd "$here"
npm ci --no-audit --no-fund --silent
npm run build --silent
if ! git -C "$root" diff --quiet -- actions/register-agent/dist actions/issue-token/dist; then
  echo "actions/*/dist is not what the sources build to: run 'npm run build' in actions/ and commit it" >&2
  git -C "$root" diff --stat -- actions/register-agent/dist actions/issue-token/dist >&2
  exit 1
fi
node --test --test-concurrency=1 test/actions.test.mjs
