#!/usr/bin/env bash
# Runs every SDK's own test suite against a real agentidp binary, and checks that each SDK's
# committed generated files are current.
#
#   sdks/run.sh [path/to/agentidp] [node|python|go|java ...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
export AGENTIDP_BIN="$(realpath "${1:-${CARGO_TARGET_DIR:-$root/target}/debug/agentidp}")"
[ -x "$AGENTIDP_BIN" ] || { echo "no server binary at $AGENTIDP_BIN (cargo build --bin agentidp)" >&2; exit 1; }
shift || true
sdks=("$@")
[ "$#" -gt 0 ] || sdks=(node python go java)

for sdk in "${sdks[@]}"; do
  case "$sdk" in
    node)
      echo "--- Node.js SDK"
      cd "$here/node"
      npm ci --no-audit --no-fund --silent
      npm run build --silent
      if ! git -C "$root" diff --quiet -- sdks/node/dist || [ -n "$(git -C "$root" ls-files --others --exclude-standard -- sdks/node/dist)" ]; then
        echo "sdks/node/dist is not what the sources build to: run 'npm run build' in sdks/node and commit it" >&2
        git -C "$root" status --short -- sdks/node/dist >&2
        exit 1
      fi
      npm test
      # The packed tarball installs into an empty project and exports the SDK.
      pack="$(mktemp -d)"
      npm pack --silent --pack-destination "$pack" >/dev/null
      (cd "$pack" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent ./*.tgz \
        && node -e "import('@sentryagent/agentidp').then((m) => { if (!m.TokenVerifier || !m.AgentIdPClient) process.exit(1); console.log('packed tarball installs and imports'); })")
      rm -rf "$pack"
      ;;
    python)
      echo "--- Python SDK"
      cd "$here/python"
      venv="${AGENTIDP_SDK_VENV:-${TMPDIR:-/tmp}/agentidp-python-sdk-venv}"
      [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
      "$venv/bin/python" -m pip install --quiet -e '.[test,frameworks]'
      "$venv/bin/python" -m mypy --strict src/agentidp
      "$venv/bin/python" -m pytest -q
      # The built wheel and sdist install into a fresh environment and import.
      dist="$(mktemp -d)"
      "$venv/bin/python" -m build --outdir "$dist" . > "$dist/build.log" 2>&1 || { cat "$dist/build.log"; exit 1; }
      python3 -m venv "$dist/venv"
      "$dist/venv/bin/python" -m pip install --quiet "$dist"/*.whl
      "$dist/venv/bin/python" -c "import agentidp; assert agentidp.TokenVerifier and agentidp.AgentIdPClient; import importlib.resources as r; assert r.files('agentidp').joinpath('py.typed').is_file(); print('wheel installs and imports', agentidp.__version__)"
      ls "$dist"/*.tar.gz >/dev/null
      rm -rf "$dist"
      ;;
    go)
      echo "--- Go SDK"
      cd "$here/go"
      if [ -n "$(gofmt -l .)" ]; then echo "gofmt: $(gofmt -l .)" >&2; exit 1; fi
      go vet ./...
      go test -count=1 ./...
      ;;
    java)
      echo "--- Java SDK"
      cd "$here/java"
      # Tests against the server, then the jar and its Javadoc (a missing comment fails).
      mvn -q -B verify
      ;;
    *) echo "unknown SDK: $sdk" >&2; exit 2 ;;
  esac
done
