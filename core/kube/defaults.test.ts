import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToRecord } from '../model/labels.js';
import { parseRawScrapeConfig } from '../scrape/config.js';
import { populateTarget } from '../scrape/target.js';
import { defaultJobs } from './defaults.js';

const GLOBAL = { scrape_interval: 30_000, scrape_timeout: 10_000, sample_limit: 0, label_limit: 0, body_size_limit: 0 };
const jobs = new Map(defaultJobs().map((j) => [j.jobName, parseRawScrapeConfig(j.config, GLOBAL, j.jobName)]));

function target(job: string, discovered: Record<string, string>) {
  const r = populateTarget(labelsFrom(discovered), jobs.get(job)!);
  return 'target' in r ? { labels: labelsToRecord(r.target.labels), url: r.target.url } : null;
}

const pod = (over: Record<string, string>) => ({
  __meta_kubernetes_namespace: 'monitoring',
  __meta_kubernetes_pod_name: 'p-1',
  __meta_kubernetes_pod_container_name: 'c',
  __meta_kubernetes_pod_node_name: 'node-1',
  __meta_kubernetes_pod_phase: 'Running',
  ...over,
});

describe('built-in jobs with kube-prometheus labels', () => {
  it('scrapes every kubelet endpoint as job="kubelet" with its metrics_path', () => {
    const node = { __address__: '10.0.0.1:10250', __meta_kubernetes_node_name: 'node-1' };
    expect(target('kubeglass/kubelet/1', node)).toEqual({
      labels: { endpoint: 'https-metrics', instance: '10.0.0.1:10250', job: 'kubelet', metrics_path: '/metrics/cadvisor', namespace: 'kube-system', node: 'node-1', service: 'kubelet' },
      url: 'https://10.0.0.1:10250/metrics/cadvisor',
    });
    expect(target('kubeglass/kubelet/0', node)?.labels.metrics_path).toBe('/metrics');
  });

  it.each([
    ['the Helm chart', { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'prometheus-node-exporter', __meta_kubernetes_pod_container_port_name: 'metrics' }],
    ['kube-prometheus', { __meta_kubernetes_pod_label_app_kubernetes_io_name: 'node-exporter', __meta_kubernetes_pod_container_port_name: 'https' }],
    ['a legacy app label and port 9100', { __meta_kubernetes_pod_label_app: 'node-exporter', __meta_kubernetes_pod_container_port_number: '9100' }],
  ])('finds node-exporter of %s, named by its node', (_name, labels) => {
    const t = target('kubeglass/node-exporter', pod({ __address__: '10.0.0.9:9100', ...labels }));
    expect(t?.labels).toMatchObject({ job: 'node-exporter', instance: 'node-1', namespace: 'monitoring', pod: 'p-1' });
  });

  it('scrapes kube-rbac-proxy ports over https', () => {
    const t = target('kubeglass/node-exporter', pod({ __address__: '10.0.0.9:9100', __meta_kubernetes_pod_label_app_kubernetes_io_name: 'node-exporter', __meta_kubernetes_pod_container_port_name: 'https' }));
    expect(t?.url).toBe('https://10.0.0.9:9100/metrics');
  });

  it('finds kube-state-metrics and keeps its own labels (honor_labels)', () => {
    const t = target('kubeglass/kube-state-metrics', pod({ __address__: '10.0.0.8:8080', __meta_kubernetes_pod_label_app_kubernetes_io_name: 'kube-state-metrics', __meta_kubernetes_pod_container_port_name: 'http-metrics' }));
    expect(t?.labels).toMatchObject({ job: 'kube-state-metrics', endpoint: 'http-metrics' });
    expect(jobs.get('kubeglass/kube-state-metrics')!.honorLabels).toBe(true);
  });

  it('scrapes annotated pods on their annotated port and path', () => {
    const t = target(
      'kubeglass/annotated-pods',
      pod({ __address__: '10.0.0.7:8090', __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true', __meta_kubernetes_pod_annotation_prometheus_io_port: '9102', __meta_kubernetes_pod_annotation_prometheus_io_path: '/stats' }),
    );
    expect(t).toEqual({ labels: { container: 'c', instance: '10.0.0.7:9102', job: 'kubernetes-pods', namespace: 'monitoring', pod: 'p-1' }, url: 'http://10.0.0.7:9102/stats' });
  });

  it.each([
    ['an unannotated pod', 'kubeglass/annotated-pods', pod({ __address__: '10.0.0.7:80' })],
    ['an annotated exporter (scraped by its own job)', 'kubeglass/annotated-pods', pod({ __address__: '10.0.0.7:80', __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true', __meta_kubernetes_pod_label_app_kubernetes_io_name: 'kube-state-metrics' })],
    ['another app on the exporter job', 'kubeglass/node-exporter', pod({ __address__: '10.0.0.7:9100', __meta_kubernetes_pod_label_app: 'web', __meta_kubernetes_pod_container_port_number: '9100' })],
    ['a finished exporter pod', 'kubeglass/node-exporter', pod({ __address__: '10.0.0.9:9100', __meta_kubernetes_pod_label_app: 'node-exporter', __meta_kubernetes_pod_container_port_number: '9100', __meta_kubernetes_pod_phase: 'Succeeded' })],
  ])('leaves out %s', (_name, job, d) => {
    expect(target(job, d)).toBeNull();
  });
});
