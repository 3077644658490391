{{/* Chart name, overridable. */}}
{{- define "flinkop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-scoped name of the operator's objects (Deployment, ConfigMap, Lease). */}}
{{- define "flinkop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flinkop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flinkop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flinkop.labels" -}}
{{ include "flinkop.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "flinkop.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "flinkop.serviceAccountName" -}}
{{- .Values.operatorServiceAccount.name }}
{{- end }}

{{/* The namespaces with job service accounts and roles: the watched ones, else the release's. */}}
{{- define "flinkop.jobNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- join "," .Values.watchNamespaces }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
The operator's rules: the same least-privilege set as deploy/rbac.yaml's ClusterRole (a test
compares them); docs/deploy.md explains each rule.
*/}}
{{- define "flinkop.operatorRules" -}}
- apiGroups: ["flink.apache.org"]
  resources: ["flinkdeployments", "flinksessionjobs", "flinkstatesnapshots"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["flink.apache.org"]
  resources: ["flinkstatesnapshots"]
  verbs: ["create", "delete"]
- apiGroups: ["flink.apache.org"]
  resources:
    - flinkdeployments/status
    - flinksessionjobs/status
    - flinkstatesnapshots/status
  verbs: ["update"]
- apiGroups: ["flink.apache.org"]
  resources:
    - flinkdeployments/finalizers
    - flinksessionjobs/finalizers
    - flinkstatesnapshots/finalizers
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "create", "update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "create", "update", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "list", "create", "patch"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["list"]
- apiGroups: [""]
  resources: ["services/proxy"]
  verbs: ["get", "create", "patch", "update", "delete"]
{{- end }}

{{/* The leader-election Lease (rbac.yaml's flinkop-leader-election Role). */}}
{{- define "flinkop.leaseRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end }}

{{/* The Flink pods' rules: deploy/flink-serviceaccount.yaml's Role. */}}
{{- define "flinkop.jobRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get"]
- apiGroups: ["apps"]
  resources: ["deployments/finalizers"]
  verbs: ["update"]
{{- end }}

{{/*
The operator configuration as a map: the chart's conf/config.yaml (with append), leader election
when replicas > 1, the release's defaultConfiguration "config.yaml", and the health port the
probes use (always the chart's operatorHealth.port).
*/}}
{{- define "flinkop.configMap" -}}
{{- $conf := dict }}
{{- if .Values.defaultConfiguration.append }}
{{- $conf = .Files.Get "conf/config.yaml" | fromYaml }}
{{- end }}
{{- if gt (int .Values.replicas) 1 }}
{{- $_ := set $conf "kubernetes.operator.leader-election.lease-name" (printf "%s-lease" (include "flinkop.fullname" .)) }}
{{- end }}
{{- $user := index .Values.defaultConfiguration "config.yaml" | default "" | fromYaml }}
{{- if hasKey $user "Error" }}
{{- fail (printf "defaultConfiguration.config.yaml is not a YAML mapping: %s" (index $user "Error")) }}
{{- end }}
{{- $conf = mergeOverwrite $conf $user }}
{{- if gt (int .Values.replicas) 1 }}
{{- $_ := set $conf "kubernetes.operator.leader-election.enabled" true }}
{{- end }}
{{- $_ := set $conf "kubernetes.operator.health.probe.enabled" true }}
{{- $_ := set $conf "kubernetes.operator.health.probe.port" (int .Values.operatorHealth.port) }}
{{- toYaml $conf }}
{{- end }}
