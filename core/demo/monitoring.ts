// The Prometheus Operator's view of the demo cluster: the monitoring.coreos.com/v1 kinds
// (ServiceMonitor, PodMonitor, PrometheusRule) and the objects kube-prometheus would have
// installed for node-exporter, kube-state-metrics and the kubelet (with the operator's
// kube-system/kubelet Service and Endpoints), adapted to the Helm-deployed exporters this
// cluster runs; NVIDIA's DCGM exporter on the GPU nodes with its PodMonitor; and the ping
// app's ServiceMonitor and its CountGreaterThan5 rule. Alert and recording rules marked as
// kube-prometheus's are copied from its manifests (Apache-2.0), unchanged.
import { parse as parseYaml } from 'yaml';
import { DAY, SECOND } from './catalog.js';
import type { Generator } from './generate.js';
import { MONITORING_GROUP } from './resources.js';
import { humanDuration, registerPrinter, type TableColumn } from './tables.js';
import type { KubeObject } from '../kube/objects.js';

export { MONITORING_GROUP, MONITORING_TYPES } from './resources.js';

export const DCGM_LABELS: Record<string, string> = {
  'app.kubernetes.io/name': 'dcgm-exporter',
  'app.kubernetes.io/instance': 'dcgm-exporter',
  'app.kubernetes.io/component': 'dcgm-exporter',
  'app.kubernetes.io/version': '3.3.9',
  'app.kubernetes.io/managed-by': 'Helm',
  'helm.sh/chart': 'dcgm-exporter-3.6.1',
};
export const DCGM_SELECTOR = { 'app.kubernetes.io/name': 'dcgm-exporter', 'app.kubernetes.io/instance': 'dcgm-exporter' };
export const DCGM_PORT = 9400;

/** NVIDIA's DCGM exporter as its Helm chart deploys it: one pod per GPU node. */
export function addDcgmExporter(g: Generator): void {
  if (!g.nodes.some((n) => n.kind === 'gpu')) return;
  const created = g.nsCreated.get('monitoring')! + 2 * DAY;
  g.daemonSet({
    name: 'dcgm-exporter',
    namespace: 'monitoring',
    labels: DCGM_LABELS,
    selector: DCGM_SELECTOR,
    podLabels: DCGM_SELECTOR,
    created,
    annotations: { 'meta.helm.sh/release-name': 'dcgm-exporter', 'meta.helm.sh/release-namespace': 'monitoring' },
    spec: {
      containers: [
        g.container('exporter', 'nvcr.io/nvidia/k8s/dcgm-exporter:3.3.9-3.6.1-ubuntu22.04', [{ name: 'metrics', port: DCGM_PORT }], { cpu: '100m', memory: '128Mi' }, { memory: '512Mi' }, {
          args: ['-f', '/etc/dcgm-exporter/dcp-metrics-included.csv'],
          env: [
            { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
            { name: 'DCGM_EXPORTER_LISTEN', value: ':9400' },
            { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
          ],
          livenessProbe: { httpGet: { path: '/health', port: DCGM_PORT, scheme: 'HTTP' }, initialDelaySeconds: 45, periodSeconds: 5, failureThreshold: 3, successThreshold: 1, timeoutSeconds: 1 },
          readinessProbe: { httpGet: { path: '/health', port: DCGM_PORT, scheme: 'HTTP' }, initialDelaySeconds: 45, periodSeconds: 10, failureThreshold: 3, successThreshold: 1, timeoutSeconds: 1 },
          securityContext: { capabilities: { add: ['SYS_ADMIN'] }, runAsNonRoot: false, runAsUser: 0 },
        }),
      ],
      nodeSelector: { 'nvidia.com/gpu.present': 'true' },
      priorityClassName: 'system-node-critical',
      serviceAccountName: 'dcgm-exporter',
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    },
  });
  g.service({
    name: 'dcgm-exporter',
    namespace: 'monitoring',
    labels: DCGM_LABELS,
    selector: DCGM_SELECTOR,
    created,
    ports: [{ name: 'metrics', port: DCGM_PORT, protocol: 'TCP', targetPort: DCGM_PORT }],
  });
}

const KUBE_PROMETHEUS_VERSION = '0.14.0';

function crd(g: Generator, kind: string, name: string, namespace: string, created: number, labels: Record<string, string>, spec: unknown): KubeObject {
  return {
    apiVersion: `${MONITORING_GROUP}/v1`,
    kind,
    metadata: g.meta(name, namespace, created, { generation: 1, labels }),
    spec,
  };
}

const relabelMetricsPath = [{ action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }];
const saToken = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** kube-prometheus' node-exporter alerts this cluster has the metrics for, and its recording rules. */
const NODE_EXPORTER_RULES = `
- name: node-exporter
  rules:
  - alert: NodeFilesystemSpaceFillingUp
    annotations:
      description: Filesystem on {{ $labels.device }}, mounted on {{ $labels.mountpoint }}, at {{ $labels.instance }} has only {{ printf "%.2f" $value }}% available space left and is filling up.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup
      summary: Filesystem is predicted to run out of space within the next 24 hours.
    expr: |
      (
        node_filesystem_avail_bytes{job="node-exporter",fstype!="",mountpoint!=""} / node_filesystem_size_bytes{job="node-exporter",fstype!="",mountpoint!=""} * 100 < 15
      and
        predict_linear(node_filesystem_avail_bytes{job="node-exporter",fstype!="",mountpoint!=""}[6h], 24*60*60) < 0
      and
        node_filesystem_readonly{job="node-exporter",fstype!="",mountpoint!=""} == 0
      )
    for: 1h
    labels:
      severity: warning
  - alert: NodeFilesystemAlmostOutOfSpace
    annotations:
      description: Filesystem on {{ $labels.device }}, mounted on {{ $labels.mountpoint }}, at {{ $labels.instance }} has only {{ printf "%.2f" $value }}% available space left.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemalmostoutofspace
      summary: Filesystem has less than 5% space left.
    expr: |
      (
        node_filesystem_avail_bytes{job="node-exporter",fstype!="",mountpoint!=""} / node_filesystem_size_bytes{job="node-exporter",fstype!="",mountpoint!=""} * 100 < 5
      and
        node_filesystem_readonly{job="node-exporter",fstype!="",mountpoint!=""} == 0
      )
    for: 30m
    labels:
      severity: warning
  - alert: NodeNetworkReceiveErrs
    annotations:
      description: '{{ $labels.instance }} interface {{ $labels.device }} has encountered {{ printf "%.0f" $value }} receive errors in the last two minutes.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodenetworkreceiveerrs
      summary: Network interface is reporting many receive errors.
    expr: |
      rate(node_network_receive_errs_total{job="node-exporter"}[2m]) / rate(node_network_receive_packets_total{job="node-exporter"}[2m]) > 0.01
    for: 1h
    labels:
      severity: warning
  - alert: NodeHighNumberConntrackEntriesUsed
    annotations:
      description: '{{ $labels.instance }} {{ $value | humanizePercentage }} of conntrack entries are used.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodehighnumberconntrackentriesused
      summary: Number of conntrack are getting close to the limit.
    expr: |
      (node_nf_conntrack_entries{job="node-exporter"} / node_nf_conntrack_entries_limit) > 0.75
    labels:
      severity: warning
  - alert: NodeClockNotSynchronising
    annotations:
      description: Clock at {{ $labels.instance }} is not synchronising. Ensure NTP is configured on this host.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodeclocknotsynchronising
      summary: Clock not synchronising.
    expr: |
      min_over_time(node_timex_sync_status{job="node-exporter"}[5m]) == 0
      and
      node_timex_maxerror_seconds{job="node-exporter"} >= 16
    for: 10m
    labels:
      severity: warning
  - alert: NodeCPUHighUsage
    annotations:
      description: |
        CPU usage at {{ $labels.instance }} has been above 90% for the last 15 minutes, is currently at {{ printf "%.2f" $value }}%.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodecpuhighusage
      summary: High CPU usage.
    expr: |
      sum without(mode) (avg without (cpu) (rate(node_cpu_seconds_total{job="node-exporter", mode!~"idle|iowait"}[2m]))) * 100 > 90
    for: 15m
    labels:
      severity: info
  - alert: NodeMemoryHighUtilization
    annotations:
      description: |
        Memory is filling up at {{ $labels.instance }}, has been above 90% for the last 15 minutes, is currently at {{ printf "%.2f" $value }}%.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodememoryhighutilization
      summary: Host is running out of memory.
    expr: |
      100 - (node_memory_MemAvailable_bytes{job="node-exporter"} / node_memory_MemTotal_bytes{job="node-exporter"} * 100) > 90
    for: 15m
    labels:
      severity: warning
  - alert: NodeDiskIOSaturation
    annotations:
      description: |
        Disk IO queue (aqu-sq) is high on {{ $labels.device }} at {{ $labels.instance }}, has been above 10 for the last 30 minutes, is currently at {{ printf "%.2f" $value }}.
        This symptom might indicate disk saturation.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/node/nodediskiosaturation
      summary: Disk IO queue is high.
    expr: |
      rate(node_disk_io_time_weighted_seconds_total{job="node-exporter", device=~"(/dev/)?(mmcblk.p.+|nvme.+|rbd.+|sd.+|vd.+|xvd.+|dm-.+|md.+|dasd.+)"}[5m]) > 10
    for: 30m
    labels:
      severity: warning
- name: node-exporter.rules
  rules:
  - expr: |
      count without (cpu, mode) (
        node_cpu_seconds_total{job="node-exporter",mode="idle"}
      )
    record: instance:node_num_cpu:sum
  - expr: |
      1 - avg without (cpu) (
        sum without (mode) (rate(node_cpu_seconds_total{job="node-exporter", mode=~"idle|iowait|steal"}[5m]))
      )
    record: instance:node_cpu_utilisation:rate5m
  - expr: |
      (
        node_load1{job="node-exporter"}
      /
        instance:node_num_cpu:sum{job="node-exporter"}
      )
    record: instance:node_load1_per_cpu:ratio
  - expr: |
      sum without (device) (
        rate(node_network_receive_bytes_total{job="node-exporter", device!~"lo|veth.+"}[5m])
      )
    record: instance:node_network_receive_bytes_physical:rate5m
  - expr: |
      sum without (device) (
        rate(node_network_transmit_bytes_total{job="node-exporter", device!~"lo|veth.+"}[5m])
      )
    record: instance:node_network_transmit_bytes_physical:rate5m
`;

const KSM_RULES = `
- name: kube-state-metrics
  rules:
  - alert: KubeStateMetricsListErrors
    annotations:
      description: kube-state-metrics is experiencing errors at an elevated rate in list operations. This is likely causing it to not be able to expose metrics about Kubernetes objects correctly or at all.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kube-state-metrics/kubestatemetricslisterrors
      summary: kube-state-metrics is experiencing errors in list operations.
    expr: |
      (sum(rate(kube_state_metrics_list_total{job="kube-state-metrics",result="error"}[5m])) by (cluster)
        /
      sum(rate(kube_state_metrics_list_total{job="kube-state-metrics"}[5m])) by (cluster))
      > 0.01
    for: 15m
    labels:
      severity: critical
  - alert: KubeStateMetricsWatchErrors
    annotations:
      description: kube-state-metrics is experiencing errors at an elevated rate in watch operations. This is likely causing it to not be able to expose metrics about Kubernetes objects correctly or at all.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kube-state-metrics/kubestatemetricswatcherrors
      summary: kube-state-metrics is experiencing errors in watch operations.
    expr: |
      (sum(rate(kube_state_metrics_watch_total{job="kube-state-metrics",result="error"}[5m])) by (cluster)
        /
      sum(rate(kube_state_metrics_watch_total{job="kube-state-metrics"}[5m])) by (cluster))
      > 0.01
    for: 15m
    labels:
      severity: critical
`;

/** After kube-prometheus's kubernetes-apps and kubernetes-system-kubelet groups. */
const KUBERNETES_RULES = `
- name: kubernetes-apps
  rules:
  - alert: KubePodCrashLooping
    annotations:
      description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in waiting state (reason: "CrashLoopBackOff").'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping
      summary: Pod is crash looping.
    expr: |
      max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1
    for: 15m
    labels:
      severity: warning
  - alert: KubeContainerOOMKilled
    annotations:
      description: 'Container {{ $labels.container }} in pod {{ $labels.namespace }}/{{ $labels.pod }} was OOM killed.'
      summary: Container was OOM killed.
    expr: |
      kube_pod_container_status_last_terminated_reason{reason="OOMKilled", job="kube-state-metrics"} == 1
      and on (namespace, pod, container)
      increase(kube_pod_container_status_restarts_total{job="kube-state-metrics"}[10m]) > 0
    labels:
      severity: warning
- name: kubernetes-resources
  rules:
  - alert: CPUThrottlingHigh
    annotations:
      description: '{{ $value | humanizePercentage }} throttling of CPU in namespace {{ $labels.namespace }} for container {{ $labels.container }} in pod {{ $labels.pod }}.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/cputhrottlinghigh
      summary: Processes experience elevated CPU throttling.
    expr: |
      sum(increase(container_cpu_cfs_throttled_periods_total{container!="", job="kubelet", metrics_path="/metrics/cadvisor", }[5m])) without (id, metrics_path, name, image, endpoint, job, node)
        /
      sum(increase(container_cpu_cfs_periods_total{job="kubelet", metrics_path="/metrics/cadvisor", }[5m])) without (id, metrics_path, name, image, endpoint, job, node)
        > ( 25 / 100 )
    for: 15m
    labels:
      severity: info
- name: kubernetes-system-kubelet
  rules:
  - alert: KubeNodeNotReady
    annotations:
      description: '{{ $labels.node }} has been unready for more than 15 minutes.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubenodenotready
      summary: Node is not ready.
    expr: |
      kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"} == 0
      and on (cluster, node)
      kube_node_spec_unschedulable{job="kube-state-metrics"} == 0
    for: 15m
    labels:
      severity: warning
  - alert: KubeNodeUnreachable
    annotations:
      description: '{{ $labels.node }} is unreachable and some workloads may be rescheduled.'
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubenodeunreachable
      summary: Node is unreachable.
    expr: |
      (kube_node_spec_taint{job="kube-state-metrics",key="node.kubernetes.io/unreachable",effect="NoSchedule"} unless ignoring(key,value) kube_node_spec_taint{job="kube-state-metrics",key=~"ToBeDeletedByClusterAutoscaler|cloud.google.com/impending-node-termination|aws-node-termination-handler/spot-itn"}) == 1
    for: 15m
    labels:
      severity: warning
  - alert: KubeletDown
    annotations:
      description: Kubelet has disappeared from Prometheus target discovery.
      runbook_url: https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubeletdown
      summary: Target disappeared from Prometheus target discovery.
    expr: |
      absent(up{job="kubelet", metrics_path="/metrics"} == 1)
    for: 15m
    labels:
      severity: critical
`;

const PING_RULES = `
- name: ping
  rules:
  - alert: CountGreaterThan5
    annotations:
      description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} has answered {{ $value }} pings.'
      summary: The ping app has answered more than 5 requests.
    expr: ping_request_count > 5
    for: 10s
    labels:
      severity: info
`;

/** The rule groups of each PrometheusRule this cluster has, parsed (for tests comparing with the sources). */
export const RULE_GROUPS = {
  'monitoring/node-exporter-rules': NODE_EXPORTER_RULES,
  'monitoring/kube-state-metrics-rules': KSM_RULES,
  'monitoring/kubernetes-monitoring-rules': KUBERNETES_RULES,
  'demo/ping': PING_RULES,
} as const;

/** The monitoring objects: the kubelet Service the operator keeps, the monitors, the rules. */
export function addMonitoringObjects(g: Generator): void {
  const monitoringNs = g.nsCreated.get('monitoring')!;
  const installed = monitoringNs + 40 * SECOND;
  const kp = (component: string, name: string) => ({
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': 'kube-prometheus',
  });

  // The operator's kubelet endpoints controller: a selectorless Service with every node's address.
  const kubeletLabels = { 'app.kubernetes.io/managed-by': 'prometheus-operator', 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' };
  const kubeletPorts = [
    { name: 'https-metrics', port: 10250, protocol: 'TCP' },
    { name: 'http-metrics', port: 10255, protocol: 'TCP' },
    { name: 'cadvisor', port: 4194, protocol: 'TCP' },
  ];
  g.add('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: g.meta('kubelet', 'kube-system', installed, { labels: kubeletLabels }),
    spec: {
      clusterIP: 'None',
      clusterIPs: ['None'],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'RequireDualStack',
      ports: kubeletPorts.map((p) => ({ ...p, targetPort: p.port })),
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  });
  const addresses = g.nodes.map((n) => ({ ip: n.ip, nodeName: n.obj.metadata.name, targetRef: { kind: 'Node', name: n.obj.metadata.name, uid: n.obj.metadata.uid } }));
  g.add('endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: g.meta('kubelet', 'kube-system', installed, { labels: kubeletLabels }),
    subsets: [{ addresses, ports: kubeletPorts }],
  });
  g.add('endpointslices.discovery.k8s.io', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: g.meta(`kubelet-${g.rng.suffix(5)}`, 'kube-system', installed, {
      generation: 1,
      generateName: 'kubelet-',
      labels: { ...kubeletLabels, 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io', 'kubernetes.io/service-name': 'kubelet' },
    }),
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a.ip], conditions: { ready: true }, nodeName: a.nodeName, targetRef: a.targetRef })),
    ports: kubeletPorts,
  });

  const add = (o: KubeObject) => g.add(`${o.kind.toLowerCase()}s.${MONITORING_GROUP}`, o);
  add(
    crd(g, 'ServiceMonitor', 'node-exporter', 'monitoring', installed, { ...kp('exporter', 'node-exporter'), 'app.kubernetes.io/version': '1.8.2' }, {
      endpoints: [
        {
          interval: '15s',
          port: 'metrics',
          relabelings: [{ action: 'replace', regex: '(.*)', replacement: '$1', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' }],
          scheme: 'http',
        },
      ],
      jobLabel: 'jobLabel',
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'node-exporter', 'app.kubernetes.io/name': 'prometheus-node-exporter' } },
    }),
  );
  add(
    crd(g, 'ServiceMonitor', 'kube-state-metrics', 'monitoring', installed, { ...kp('exporter', 'kube-state-metrics'), 'app.kubernetes.io/version': '2.14.0' }, {
      endpoints: [
        {
          honorLabels: true,
          interval: '30s',
          metricRelabelings: [{ action: 'drop', regex: 'kube_endpoint_address_not_ready|kube_endpoint_address_available', sourceLabels: ['__name__'] }],
          port: 'http',
          relabelings: [{ action: 'labeldrop', regex: '(pod|service|endpoint|namespace)' }],
          scheme: 'http',
          scrapeTimeout: '30s',
        },
        { interval: '30s', port: 'telemetry', scheme: 'http' },
      ],
      jobLabel: 'app.kubernetes.io/name',
      selector: { matchLabels: { 'app.kubernetes.io/instance': 'kube-state-metrics', 'app.kubernetes.io/name': 'kube-state-metrics' } },
    }),
  );
  const kubeletEndpoint = (path: string | undefined, extra: Record<string, unknown> = {}) => ({
    bearerTokenFile: saToken,
    honorLabels: true,
    interval: '30s',
    ...(path ? { path } : {}),
    port: 'https-metrics',
    relabelings: relabelMetricsPath,
    scheme: 'https',
    tlsConfig: { insecureSkipVerify: true },
    ...extra,
  });
  add(
    crd(g, 'ServiceMonitor', 'kubelet', 'monitoring', installed, { ...kp('kubelet', 'kubelet'), 'app.kubernetes.io/version': KUBE_PROMETHEUS_VERSION }, {
      endpoints: [
        kubeletEndpoint(undefined),
        kubeletEndpoint('/metrics/cadvisor', {
          honorTimestamps: false,
          metricRelabelings: [
            { action: 'drop', regex: 'container_(network_tcp_usage_total|network_udp_usage_total|tasks_state|cpu_load_average_10s)', sourceLabels: ['__name__'] },
            { action: 'drop', regex: '(container_spec_.*|container_file_descriptors|container_sockets|container_threads_max|container_threads|container_start_time_seconds|container_last_seen);;', sourceLabels: ['__name__', 'pod', 'namespace'] },
          ],
        }),
        kubeletEndpoint('/metrics/probes'),
      ],
      jobLabel: 'app.kubernetes.io/name',
      namespaceSelector: { matchNames: ['kube-system'] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubelet' } },
    }),
  );
  if (g.nodes.some((n) => n.kind === 'gpu')) {
    add(
      crd(g, 'PodMonitor', 'dcgm-exporter', 'monitoring', installed + 2 * DAY, { 'app.kubernetes.io/name': 'dcgm-exporter' }, {
        podMetricsEndpoints: [{ interval: '15s', path: '/metrics', port: 'metrics', relabelings: [{ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' }] }],
        selector: { matchLabels: DCGM_SELECTOR },
      }),
    );
  }
  const ruleLabels = { prometheus: 'k8s', role: 'alert-rules' };
  add(crd(g, 'PrometheusRule', 'kube-state-metrics-rules', 'monitoring', installed, { ...kp('exporter', 'kube-state-metrics'), 'app.kubernetes.io/version': '2.14.0', ...ruleLabels }, { groups: parseYaml(KSM_RULES) as unknown }));
  add(crd(g, 'PrometheusRule', 'kubernetes-monitoring-rules', 'monitoring', installed, { ...kp('kubernetes', 'kube-prometheus'), 'app.kubernetes.io/version': KUBE_PROMETHEUS_VERSION, ...ruleLabels }, { groups: parseYaml(KUBERNETES_RULES) as unknown }));
  add(crd(g, 'PrometheusRule', 'node-exporter-rules', 'monitoring', installed, { ...kp('exporter', 'node-exporter'), 'app.kubernetes.io/version': '1.8.2', ...ruleLabels }, { groups: parseYaml(NODE_EXPORTER_RULES) as unknown }));

  const demo = g.nsCreated.get('demo')! + 2 * 60 * SECOND;
  add(crd(g, 'ServiceMonitor', 'ping', 'demo', demo, { app: 'ping' }, { endpoints: [{ interval: '15s', port: 'metrics' }], selector: { matchLabels: { app: 'ping' } } }));
  add(crd(g, 'PrometheusRule', 'ping', 'demo', demo, { app: 'ping', ...ruleLabels }, { groups: parseYaml(PING_RULES) as unknown }));
}

const column = (name: string, description: string, format = ''): TableColumn => ({ name, type: 'string', format, description, priority: 0 });
const crdColumns: TableColumn[] = [
  column('Name', 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', 'name'),
  { name: 'Age', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0 },
];
for (const r of ['servicemonitors', 'podmonitors', 'prometheusrules']) {
  // CRDs without additionalPrinterColumns print NAME and AGE (kubectl turns the date into an age).
  registerPrinter(`${r}.monitoring.coreos.com`, { columns: crdColumns, cells: (o, now) => [o.metadata.name, humanDuration(now - Date.parse(o.metadata.creationTimestamp))] });
}

