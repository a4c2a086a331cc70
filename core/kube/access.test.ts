import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { parseRawScrapeConfig } from '../scrape/config.js';
import { populateTarget } from '../scrape/target.js';
import { targetAccess } from './access.js';

const podMeta = { __meta_kubernetes_namespace: 'monitoring', __meta_kubernetes_pod_name: 'node-exporter-abc', __meta_kubernetes_pod_ip: '10.0.0.5' };
const cfg = parseRawScrapeConfig({ job_name: 'j' }, { scrape_interval: 30_000, scrape_timeout: 10_000, sample_limit: 0, label_limit: 0, body_size_limit: 0 }, 'j');

/** A target as the scrape manager builds it: relabeled labels are set directly, as if relabeling gave them. */
function access(discovered: Record<string, string>, relabeled: Record<string, string>, pf = false) {
  const r = populateTarget(labelsFrom({ ...discovered, ...relabeled }), cfg);
  if (!('target' in r)) throw new Error(r.reason);
  return targetAccess({ ...r.target, discovered: labelsFrom(discovered) }, pf);
}

describe('targetAccess: reaching targets from outside the cluster', () => {
  it.each<[string, Record<string, string>, Record<string, string>, string]>([
    ['a pod, over http', podMeta, { __address__: '10.0.0.5:9100', __scheme__: 'http', __metrics_path__: '/metrics' }, '/api/v1/namespaces/monitoring/pods/node-exporter-abc:9100/proxy/metrics'],
    ['a pod, over https', podMeta, { __address__: '10.0.0.5:9100', __scheme__: 'https', __metrics_path__: '/metrics' }, '/api/v1/namespaces/monitoring/pods/https:node-exporter-abc:9100/proxy/metrics'],
    [
      'a pod, with params',
      podMeta,
      { __address__: '10.0.0.5:9115', __scheme__: 'http', __metrics_path__: '/probe', __param_module: 'http_2xx', __param_target: 'https://x.example/a?b' },
      '/api/v1/namespaces/monitoring/pods/node-exporter-abc:9115/proxy/probe?module=http_2xx&target=https%3A%2F%2Fx.example%2Fa%3Fb',
    ],
    ['a kubelet', { __meta_kubernetes_node_name: 'node-1' }, { __address__: '10.0.0.1:10250', __scheme__: 'https', __metrics_path__: '/metrics/cadvisor' }, '/api/v1/nodes/node-1/proxy/metrics/cadvisor'],
    [
      'an endpoint backed by a node (the kubelet Service)',
      { __meta_kubernetes_endpointslice_address_target_kind: 'Node', __meta_kubernetes_endpointslice_address_target_name: 'node-2', __meta_kubernetes_namespace: 'kube-system' },
      { __address__: '10.0.0.2:10250', __scheme__: 'https', __metrics_path__: '/metrics/cadvisor' },
      '/api/v1/nodes/node-2/proxy/metrics/cadvisor',
    ],
    ['another port of a node', { __meta_kubernetes_node_name: 'node-1' }, { __address__: '10.0.0.1:9100', __scheme__: 'http', __metrics_path__: '/metrics' }, '/api/v1/nodes/node-1:9100/proxy/metrics'],
  ])('%s goes through the API server proxy', (_name, discovered, relabeled, path) => {
    expect(access(discovered, relabeled)).toMatchObject({ via: 'proxy', path });
  });

  it('forwards a port to the pod where asked', () => {
    expect(access(podMeta, { __address__: '10.0.0.5:9100', __scheme__: 'http', __metrics_path__: '/metrics' }, true)).toEqual({
      via: 'port-forward',
      namespace: 'monitoring',
      pod: 'node-exporter-abc',
      port: 9100,
      scheme: 'http',
      path: '/metrics',
      reason: 'port-forward to pod monitoring/node-exporter-abc:9100',
    });
  });

  it.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
    ['relabeled to another host', podMeta, { __address__: '10.9.9.9:9100' }, /not pod monitoring\/node-exporter-abc's IP/],
    ['an endpoint with no pod behind it', { __meta_kubernetes_namespace: 'x', __meta_kubernetes_service_name: 'ext' }, { __address__: '192.0.2.1:80' }, /not a pod or node/],
  ])('says why %s cannot be reached', (_name, discovered, relabeled, reason) => {
    const a = access(discovered, relabeled);
    expect(a.via).toBe('none');
    expect(a.reason).toMatch(reason);
  });
});
