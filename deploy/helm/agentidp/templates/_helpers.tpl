{{/* Names and labels shared by the templates. */}}
{{- define "agentidp.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "agentidp.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "agentidp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agentidp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "agentidp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "agentidp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "agentidp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "agentidp.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "agentidp.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The environment every agentidp container gets: settings, then secrets by reference. */}}
{{- define "agentidp.env" -}}
- name: PUBLIC_URL
  value: {{ required "publicUrl is required" .Values.publicUrl | quote }}
- name: BIND_ADDR
  value: "0.0.0.0:3000"
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- $secret := required "secrets.existingSecret is required" .Values.secrets.existingSecret }}
{{- range $key := list "DATABASE_URL" "SECRET_PEPPER" "AUDIT_CHAIN_KEY" "KEY_ENCRYPTION_KEY" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ $key }} }
{{- end }}
{{- range $key := list "REDIS_URL" "METRICS_TOKEN" "KEY_ENCRYPTION_RETIRED_KEYS" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ $key }}, optional: true }
{{- end }}
{{- end -}}
