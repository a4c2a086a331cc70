// The demo cluster's kube-state-metrics: the generic writer (core/kube/state-metrics.ts) over the
// store's objects, what it would have in its informer caches, and its telemetry port. It serves
// OpenMetrics when asked (the same lines, then "# EOF"), and its text Content-Type has no
// escaping parameter.
import { KSM_STORES, renderKubeStateMetrics as render } from '../kube/state-metrics.js';
import type { DemoCluster } from './cluster.js';
import { labelBlock, MetricWriter, type Format } from './metrics-text.js';

/** kube-state-metrics' /metrics over the demo cluster's objects. */
export function renderKubeStateMetrics(cluster: DemoCluster, format: Format, resources?: Set<string>, excludeResources?: Set<string>): string {
  return render((gr) => cluster.store.list(gr), format, resources, excludeResources);
}

/** The telemetry port (8081): kube-state-metrics' own metrics. */
export function renderKsmTelemetry(t: number, startedAt: number, format: Format): string {
  const w = new MetricWriter(format);
  const up = Math.max(0, t - startedAt);
  w.family('kube_state_metrics_build_info', 'gauge', "A metric with a constant '1' value labeled by version, revision, branch, goversion from which kube_state_metrics was built, and the goos and goarch for the build.");
  w.sample('kube_state_metrics_build_info', labelBlock([['branch', ''], ['goarch', 'amd64'], ['goos', 'linux'], ['goversion', 'go1.23.3'], ['revision', 'unknown'], ['tags', 'unknown'], ['version', 'v2.14.0']]), 1);
  w.family('kube_state_metrics_list_total', 'counter', 'Number of total resource list in kube-state-metrics');
  for (const s of KSM_STORES) {
    w.sample('kube_state_metrics_list_total', labelBlock([['resource', `*v1.${kindOf(s.resource)}`], ['result', 'error']]), 0);
    w.sample('kube_state_metrics_list_total', labelBlock([['resource', `*v1.${kindOf(s.resource)}`], ['result', 'success']]), 1 + Math.floor(up / 3600));
  }
  w.family('kube_state_metrics_shard_ordinal', 'gauge', 'Current sharding ordinal/index of this instance');
  w.sample('kube_state_metrics_shard_ordinal', '{shard_ordinal="0"}', 0);
  w.family('kube_state_metrics_total_shards', 'gauge', 'Number of total shards this instance is aware of');
  w.sample('kube_state_metrics_total_shards', '', 1);
  w.family('kube_state_metrics_watch_total', 'counter', 'Number of total resource watches in kube-state-metrics');
  for (const s of KSM_STORES) {
    w.sample('kube_state_metrics_watch_total', labelBlock([['resource', `*v1.${kindOf(s.resource)}`], ['result', 'error']]), 0);
    w.sample('kube_state_metrics_watch_total', labelBlock([['resource', `*v1.${kindOf(s.resource)}`], ['result', 'success']]), 1 + Math.floor(up / 420));
  }
  return w.text();
}

function kindOf(resource: string): string {
  const map: Record<string, string> = { daemonsets: 'DaemonSet', deployments: 'Deployment', namespaces: 'Namespace', nodes: 'Node', pods: 'Pod', replicasets: 'ReplicaSet', services: 'Service' };
  return map[resource] ?? resource;
}
