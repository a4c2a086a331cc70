// The jobs Kubeglass scrapes on any cluster, Operator or not: the kubelet and its cAdvisor
// through the node proxy, node-exporter and kube-state-metrics found by the labels their Helm
// charts and kube-prometheus give them, and pods or services annotated prometheus.io/scrape.
// Targets get kube-prometheus's labels (job="kubelet" with metrics_path, job="node-exporter" with
// instance = the node name, job="kube-state-metrics" with honor_labels) so its rules and the
// common Grafana dashboards work unchanged.
import type { MonitorJob } from './monitors.js';

type Raw = Record<string, unknown>;

/** Pod label values that mark node-exporter and kube-state-metrics (kube-prometheus, Helm charts). */
const NODE_EXPORTER_NAMES = 'node-exporter|prometheus-node-exporter';
const KSM_NAMES = 'kube-state-metrics';

/** Keeps pods whose app.kubernetes.io/name (or legacy app) label is one of `names`. */
function keepPodsNamed(names: string): Raw[] {
  return [{ action: 'keep', source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app'], separator: ';', regex: `(${names});.*|;(${names})` }];
}

function dropPodsNamed(names: string): Raw {
  return { action: 'drop', source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app'], separator: ';', regex: `(${names});.*|;(${names})` };
}

const RUNNING: Raw = { action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' };

const POD_LABELS: Raw[] = [
  { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
];

function kubeletJob(i: number, path: string): MonitorJob {
  const jobName = `kubeglass/kubelet/${i}`;
  return {
    jobName,
    notes: [],
    config: {
      job_name: jobName,
      honor_labels: true,
      scheme: 'https',
      metrics_path: path,
      kubernetes_sd_configs: [{ role: 'node' }],
      relabel_configs: [
        { target_label: 'job', replacement: 'kubelet' },
        { target_label: 'namespace', replacement: 'kube-system' },
        { target_label: 'service', replacement: 'kubelet' },
        { target_label: 'endpoint', replacement: 'https-metrics' },
        { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
        { source_labels: ['__metrics_path__'], target_label: 'metrics_path' },
      ],
    },
  };
}

/** The built-in jobs, in the order their targets are listed. */
export function defaultJobs(): MonitorJob[] {
  return [
    kubeletJob(0, '/metrics'),
    kubeletJob(1, '/metrics/cadvisor'),
    kubeletJob(2, '/metrics/resource'),
    {
      jobName: 'kubeglass/node-exporter',
      notes: [],
      config: {
        job_name: 'kubeglass/node-exporter',
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: [
          RUNNING,
          ...keepPodsNamed(NODE_EXPORTER_NAMES),
          // The exporter's metrics port (kube-prometheus puts kube-rbac-proxy on "https").
          { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name', '__meta_kubernetes_pod_container_port_number'], separator: ';', regex: '(metrics|http-metrics|https);.*|.*;9100' },
          ...POD_LABELS,
          { source_labels: ['__meta_kubernetes_pod_container_port_name'], target_label: 'endpoint' },
          { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'https', target_label: '__scheme__', replacement: 'https' },
          { target_label: 'job', replacement: 'node-exporter' },
          { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'instance' },
        ],
      },
    },
    {
      jobName: 'kubeglass/kube-state-metrics',
      notes: [],
      config: {
        job_name: 'kubeglass/kube-state-metrics',
        honor_labels: true,
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: [
          RUNNING,
          ...keepPodsNamed(KSM_NAMES),
          { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name', '__meta_kubernetes_pod_container_port_number'], separator: ';', regex: '(http-metrics|metrics|http);.*|.*;8080' },
          ...POD_LABELS,
          { source_labels: ['__meta_kubernetes_pod_container_port_name'], target_label: 'endpoint' },
          { target_label: 'job', replacement: 'kube-state-metrics' },
        ],
      },
    },
    {
      // Prometheus's example "kubernetes-pods" job; the exporters above are scraped once, there.
      jobName: 'kubeglass/annotated-pods',
      notes: [],
      config: {
        job_name: 'kubeglass/annotated-pods',
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: [
          RUNNING,
          dropPodsNamed(`${NODE_EXPORTER_NAMES}|${KSM_NAMES}`),
          { action: 'keep', source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true' },
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scheme'], regex: '(https?)', target_label: '__scheme__' },
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__' },
          // A port annotation picks the port; the pod's other port targets then become the same
          // target, which the scrape manager keeps once.
          { source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', target_label: '__address__' },
          ...POD_LABELS,
          { target_label: 'job', replacement: 'kubernetes-pods' },
        ],
      },
    },
  ];
}
