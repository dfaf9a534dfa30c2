#!/usr/bin/env bash
# Billing against a real agentidp: webhooks signed with Stripe's own Node library, checkout
# through stripe-mock (Stripe's official mock; `go install github.com/stripe/stripe-mock@v0.203.0`).
#
#   tests/billing/run.sh [path/to/agentidp] [path/to/stripe-mock]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export AGENTIDP_BIN="$(realpath "${1:-${CARGO_TARGET_DIR:-$root/target}/debug/agentidp}")"
export STRIPE_MOCK_BIN="${2:-$(command -v stripe-mock || echo "$(go env GOPATH)/bin/stripe-mock")}"
[ -x "$AGENTIDP_BIN" ] || { echo "no server binary at $AGENTIDP_BIN (cargo build --bin agentidp)" >&2; exit 1; }
[ -x "$STRIPE_MOCK_BIN" ] || { echo "no stripe-mock at $STRIPE_MOCK_BIN (go install github.com/stripe/stripe-mock@v0.203.0)" >&2; exit 1; }
cd "$here"
npm ci --no-audit --no-fund --silent
node --test --test-concurrency=1 billing.test.mjs
