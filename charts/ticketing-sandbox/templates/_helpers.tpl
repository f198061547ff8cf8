{{/* Labels every object carries (Kubernetes' recommended labels); workloads add their selector. */}}
{{- define "ticketing.labels" -}}
app.kubernetes.io/part-of: ticketing-sandbox
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* The selector of one component: its name, within this release. Call with (list $ "name"). */}}
{{- define "ticketing.selector" -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
{{- end }}

{{/* The pod security context of a container that runs as `uid`:`gid`. Call with (list uid gid). */}}
{{- define "ticketing.podSecurity" -}}
runAsNonRoot: true
runAsUser: {{ index . 0 }}
runAsGroup: {{ index . 1 }}
fsGroup: {{ index . 1 }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Every container: no privilege, no capability, a read-only root filesystem. */}}
{{- define "ticketing.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end }}

{{/* The Postgres password's Secret: the one given, or the chart's own. */}}
{{- define "ticketing.postgresSecret" -}}
{{- .Values.postgres.existingSecret | default "postgres" }}
{{- end }}

{{/* "http://host:port" of an app's Service. Call with (list $ "user-service"). */}}
{{- define "ticketing.appUrl" -}}
{{- $app := index (index . 0).Values.apps (index . 1) -}}
http://{{ index . 1 }}:{{ $app.port }}
{{- end }}
