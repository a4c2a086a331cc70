import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToRecord } from '../model/labels.js';
import { parseRawScrapeConfig } from '../scrape/config.js';
import { populateTarget } from '../scrape/target.js';
import { podMonitorJobs, serviceMonitorJobs, type PodMonitor, type ServiceMonitor } from './monitors.js';

const GLOBAL = { scrape_interval: 30_000, scrape_timeout: 10_000, sample_limit: 0, label_limit: 0, body_size_limit: 0 };

/** Runs a generated job's relabeling over one discovered target, as the scrape manager does. */
function target(job: { config: unknown; jobName: string }, discovered: Record<string, string>) {
  const cfg = parseRawScrapeConfig(job.config, GLOBAL, job.jobName);
  const r = populateTarget(labelsFrom(discovered), cfg);
  return 'target' in r ? { labels: labelsToRecord(r.target.labels), url: r.target.url, intervalMs: r.target.intervalMs } : { dropped: r.reason };
}

// kube-prometheus's node-exporter ServiceMonitor.
const nodeExporter: ServiceMonitor = {
  metadata: { name: 'node-exporter', namespace: 'monitoring' },
  spec: {
    jobLabel: 'app.kubernetes.io/name',
    selector: { matchLabels: { 'app.kubernetes.io/component': 'exporter', 'app.kubernetes.io/name': 'node-exporter' } },
    endpoints: [
      {
        interval: '15s',
        port: 'https',
        scheme: 'https',
        relabelings: [{ action: 'replace', regex: '(.*)', replacement: '$1', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' }],
      },
    ],
  },
};

/** What endpointslice discovery gives for a pod behind a service. */
function sliceTarget(over: Record<string, string> = {}): Record<string, string> {
  return {
    __address__: '10.0.0.5:9100',
    __meta_kubernetes_namespace: 'monitoring',
    __meta_kubernetes_service_name: 'node-exporter',
    __meta_kubernetes_service_label_app_kubernetes_io_name: 'node-exporter',
    __meta_kubernetes_service_labelpresent_app_kubernetes_io_name: 'true',
    __meta_kubernetes_service_label_app_kubernetes_io_component: 'exporter',
    __meta_kubernetes_service_labelpresent_app_kubernetes_io_component: 'true',
    __meta_kubernetes_endpointslice_port_name: 'https',
    __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
    __meta_kubernetes_endpointslice_address_target_name: 'node-exporter-abc',
    __meta_kubernetes_pod_name: 'node-exporter-abc',
    __meta_kubernetes_pod_container_name: 'kube-rbac-proxy',
    __meta_kubernetes_pod_node_name: 'node-1',
    __meta_kubernetes_pod_phase: 'Running',
    ...over,
  };
}

describe('ServiceMonitor jobs, as the Prometheus Operator generates them', () => {
  const [job] = serviceMonitorJobs(nodeExporter);

  it('names the job and discovers endpointslices in the monitor namespace', () => {
    expect(job!.jobName).toBe('serviceMonitor/monitoring/node-exporter/0');
    expect(job!.config['kubernetes_sd_configs']).toEqual([{ role: 'endpointslice', namespaces: { names: ['monitoring'] } }]);
  });

  it("gives a target the Operator's labels, the endpoint's relabelings last", () => {
    expect(target(job!, sliceTarget())).toEqual({
      labels: { container: 'kube-rbac-proxy', endpoint: 'https', instance: 'node-1', job: 'node-exporter', namespace: 'monitoring', pod: 'node-exporter-abc', service: 'node-exporter' },
      url: 'https://10.0.0.5:9100/metrics',
      intervalMs: 15_000,
    });
  });

  it.each<[string, Record<string, string>]>([
    ['another port of the service', { __meta_kubernetes_endpointslice_port_name: 'http' }],
    ['a service the selector does not match', { __meta_kubernetes_service_label_app_kubernetes_io_name: 'other' }],
    ['a finished pod', { __meta_kubernetes_pod_phase: 'Succeeded' }],
  ])('drops %s', (_name, over) => {
    expect(target(job!, sliceTarget(over))).toEqual({ dropped: 'dropped by relabeling' });
  });

  it('names the job after the service where jobLabel has no value', () => {
    const m: ServiceMonitor = { ...nodeExporter, spec: { ...nodeExporter.spec, jobLabel: 'team' } };
    expect(target(serviceMonitorJobs(m)[0]!, sliceTarget())).toMatchObject({ labels: { job: 'node-exporter' } });
  });

  it('maps set-based selectors to keep and drop rules', () => {
    const m: ServiceMonitor = {
      metadata: { name: 'x', namespace: 'a' },
      spec: {
        selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'canary', operator: 'DoesNotExist' }] },
        namespaceSelector: { any: true },
        endpoints: [{ targetPort: 8080 }],
      },
    };
    const [j] = serviceMonitorJobs(m);
    expect(j!.config['kubernetes_sd_configs']).toEqual([{ role: 'endpointslice' }]);
    const base = {
      __address__: '10.1.1.1:8080',
      __meta_kubernetes_namespace: 'b',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_tier: 'web',
      __meta_kubernetes_service_labelpresent_tier: 'true',
      __meta_kubernetes_pod_container_port_number: '8080',
    };
    expect(target(j!, base)).toMatchObject({ labels: { job: 'web', endpoint: '8080', namespace: 'b', service: 'web' } });
    expect(target(j!, { ...base, __meta_kubernetes_service_labelpresent_canary: 'true' })).toEqual({ dropped: 'dropped by relabeling' });
    expect(target(j!, { ...base, __meta_kubernetes_service_label_tier: 'db' })).toEqual({ dropped: 'dropped by relabeling' });
    expect(target(j!, { ...base, __meta_kubernetes_pod_container_port_number: '9090' })).toEqual({ dropped: 'dropped by relabeling' });
  });

  it('notes credentials it cannot send through the API server', () => {
    const m: ServiceMonitor = { ...nodeExporter, spec: { ...nodeExporter.spec, endpoints: [{ port: 'web', bearerTokenSecret: { name: 's', key: 'k' } }] } };
    expect(serviceMonitorJobs(m)[0]!.notes).toEqual(['endpoint credentials (bearerTokenSecret) are not sent: scrapes go through the Kubernetes API server']);
  });
});

describe('PodMonitor jobs', () => {
  const pm: PodMonitor = {
    metadata: { name: 'ping', namespace: 'demo' },
    spec: { selector: { matchLabels: { app: 'ping' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/stats', metricRelabelings: [{ action: 'drop', regex: 'go_.*', sourceLabels: ['__name__'] }] }] },
  };
  const [job] = podMonitorJobs(pm);
  const pod = {
    __address__: '10.2.0.7:8090',
    __meta_kubernetes_namespace: 'demo',
    __meta_kubernetes_pod_name: 'ping-7d9',
    __meta_kubernetes_pod_label_app: 'ping',
    __meta_kubernetes_pod_labelpresent_app: 'true',
    __meta_kubernetes_pod_container_name: 'ping',
    __meta_kubernetes_pod_container_port_name: 'metrics',
    __meta_kubernetes_pod_phase: 'Running',
  };

  it('discovers pods and names the job <namespace>/<name>', () => {
    expect(job!.jobName).toBe('podMonitor/demo/ping/0');
    expect(job!.config['kubernetes_sd_configs']).toEqual([{ role: 'pod', namespaces: { names: ['demo'] } }]);
    expect(target(job!, pod)).toEqual({
      labels: { container: 'ping', endpoint: 'metrics', instance: '10.2.0.7:8090', job: 'demo/ping', namespace: 'demo', pod: 'ping-7d9' },
      url: 'http://10.2.0.7:8090/stats',
      intervalMs: 30_000,
    });
  });

  it('keeps metric relabelings for the scrape', () => {
    const cfg = parseRawScrapeConfig(job!.config, GLOBAL, job!.jobName);
    expect(cfg.metricRelabelConfigs).toHaveLength(1);
  });

  it('keeps only the named port and running pods', () => {
    expect(target(job!, { ...pod, __meta_kubernetes_pod_container_port_name: 'http' })).toEqual({ dropped: 'dropped by relabeling' });
    expect(target(job!, { ...pod, __meta_kubernetes_pod_phase: 'Failed' })).toEqual({ dropped: 'dropped by relabeling' });
  });
});
