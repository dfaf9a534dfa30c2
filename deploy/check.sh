#!/usr/bin/env bash
# Checks what deploy/ ships, with the tools' own validators: the Helm chart (helm lint, then
# every rendering through kubeconform -strict against Kubernetes' schemas), the alert rules (promtool
# check and their unit tests), the Prometheus configuration (promtool) and the Compose file
# (Compose's own loader, through compose-config/). The tools come from the Go module proxy (GOPATH/bin), Prometheus among them
# for deploy/stack_test.py; Kubernetes' schemas are made from the OpenAPI document in the
# k8s.io/kubernetes module, since kubeconform's default location (GitHub) is not reachable.
#
#   deploy/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="$(go env GOPATH)/bin"
HELM_VERSION=v4.3.2
KUBECONFORM_VERSION=v0.8.0
PROMTOOL_VERSION=v0.316.0
KUBERNETES_VERSION=v1.34.2

[ -x "$bin/helm" ] || go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
[ -x "$bin/kubeconform" ] || go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
[ -x "$bin/promtool" ] || go install "github.com/prometheus/prometheus/cmd/promtool@$PROMTOOL_VERSION"
[ -x "$bin/prometheus" ] || go install "github.com/prometheus/prometheus/cmd/prometheus@$PROMTOOL_VERSION"
go build -C "$here/compose-config" -o "$bin/agentidp-compose-config" .

schemas="${TMPDIR:-/tmp}/agentidp-k8s-schemas-$KUBERNETES_VERSION"
if [ ! -f "$schemas/_definitions.json" ]; then
  module="$(cd "$(mktemp -d)" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  python3 "$here/helm/k8s_schemas.py" "$module/api/openapi-spec/swagger.json" "$schemas"
fi

chart="$here/helm/agentidp"
"$bin/helm" lint --strict "$chart"
validate() {
  "$bin/helm" template check "$chart" "$@" |
    "$bin/kubeconform" -strict -summary -skip ServiceMonitor \
      -schema-location "$schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json"
}
echo "chart, default values:"
validate
echo "chart, ingress with TLS, autoscaling, ServiceMonitor (a CRD: its schema is the operator's, skipped):"
validate --set ingress.enabled=true --set ingress.className=nginx \
  --set 'ingress.tls[0].secretName=idp-tls' --set 'ingress.tls[0].hosts[0]=idp.example.com' \
  --set autoscaling.enabled=true --set serviceMonitor.enabled=true --set migrations.enabled=false
# A chart without its required values refuses to render.
if "$bin/helm" template check "$chart" --set secrets.existingSecret= >/dev/null 2>&1; then
  echo "the chart rendered without secrets.existingSecret" >&2
  exit 1
fi

"$bin/promtool" check rules "$here/prometheus/alerts.yaml"
# Each alert fires on the series that should raise it, after its `for`, and not on healthy ones.
"$bin/promtool" test rules "$here/prometheus/alerts_test.yaml"
# The Compose stack's Prometheus configuration, with its container paths pointed at deploy/.
config="$(mktemp -d)"
sed "s#/etc/prometheus/#$config/#" "$here/prometheus/prometheus.yml" > "$config/prometheus.yml"
cp "$here/prometheus/alerts.yaml" "$config/alerts.yaml"
printf 'not-a-real-token' > "$config/metrics-token"
"$bin/promtool" check config "$config/prometheus.yml"
rm -rf "$config"
# The Compose file loads with a filled env file, and refuses to without the secrets.
env="$(mktemp)"
sed 's/^\([A-Z_]*\)=$/\1=x/' "$here/env.example" > "$env"
"$bin/agentidp-compose-config" -f "$here/compose.yaml" --env-file "$env" > /dev/null
if "$bin/agentidp-compose-config" -f "$here/compose.yaml" --env-file "$here/env.example" 2> "$env"; then
  echo "compose.yaml loaded without its secrets" >&2
  exit 1
fi
grep -q "set POSTGRES_PASSWORD in deploy/.env" "$env"
rm -f "$env"
echo "compose.yaml: loads, and refuses to without deploy/.env's secrets"
# The dashboard is well-formed JSON.
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$here/grafana/agentidp.json"
