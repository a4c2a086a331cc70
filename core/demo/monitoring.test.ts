// The Prometheus Operator objects of the demo cluster hold together: the monitors select services
// and ports that exist, the rules parse as PromQL, the rules copied from kube-prometheus are
// exactly kube-prometheus's, and the metrics those rules and the node dashboards query are there.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderDcgm, renderPing } from './apps.js';
import { DemoCluster, ManualClock } from './cluster.js';
import { renderKsmTelemetry, renderKubeStateMetrics } from './ksm.js';
import { renderCadvisor, renderKubeletMetrics, renderProbeMetrics } from './kubelet-metrics.js';
import { metricsModel } from './model.js';
import { RULE_GROUPS } from './monitoring.js';
import { renderNodeExporter } from './node-exporter.js';
import { matchesLabels, fromLabelSelectorSpec } from './selectors.js';
import type { KubeObject, Node, Pod, Service } from '../kube/objects.js';
import { parseExpr } from '../promql/parser.js';

const T0 = Date.UTC(2025, 5, 3, 10, 0, 0);
const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
const cluster = new DemoCluster({ nodes: 12, seed: 'monitoring', clock: new ManualClock(T0) });

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type Groups = { name: string; rules: Rule[] }[];

const monitors = (kind: string) => cluster.store.list(`${kind}.monitoring.coreos.com`) as (KubeObject & { spec: Record<string, unknown> })[];

/** Every metric name the cluster's exporters expose (one node of each kind). */
function exposedNames(): Set<string> {
  const model = metricsModel(cluster);
  const nodes = cluster.store.list('nodes') as Node[];
  const t = T0 / 1000;
  const bodies: string[] = [renderKubeStateMetrics(cluster, 'text'), renderKsmTelemetry(t, t - 3600, 'text')];
  for (const n of nodes.slice(0, 4)) {
    bodies.push(renderNodeExporter(model, n, t, 'text'), renderCadvisor(model, n, t, 'text'), renderKubeletMetrics(model, n, t, 'text', 'x:6443'), renderProbeMetrics(model, n, t, 'text'));
  }
  bodies.push(renderDcgm(model, nodes.find((n) => n.metadata.name.includes('gpu'))!, t, 'text'));
  bodies.push(renderPing(model, (cluster.store.list('pods', 'demo') as Pod[]).find((p) => p.metadata.labels?.app === 'ping')!, t, 0));
  const out = new Set<string>();
  // Families declared (kube-state-metrics declares every family, with series or not) and sampled.
  for (const b of bodies) {
    for (const line of b.split('\n')) {
      if (line.startsWith('# TYPE ')) out.add(line.split(' ')[2]!);
      else if (line && !line.startsWith('#')) out.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
    }
  }
  return out;
}

describe('monitors', () => {
  it('every ServiceMonitor selects services that exist, with the ports and job label it names', () => {
    const sms = monitors('servicemonitors');
    expect(sms.map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual(['demo/ping', 'monitoring/kube-state-metrics', 'monitoring/kubelet', 'monitoring/node-exporter']);
    for (const sm of sms) {
      const spec = sm.spec as { selector: { matchLabels: Record<string, string> }; namespaceSelector?: { matchNames: string[] }; endpoints: { port: string }[]; jobLabel?: string };
      const namespaces = spec.namespaceSelector?.matchNames ?? [sm.metadata.namespace!];
      const selector = fromLabelSelectorSpec(spec.selector);
      const services = namespaces.flatMap((ns) => cluster.store.list('services', ns) as Service[]).filter((s) => matchesLabels(selector, s.metadata.labels));
      expect(services.length, sm.metadata.name).toBeGreaterThan(0);
      for (const svc of services) {
        for (const ep of spec.endpoints) expect((svc.spec.ports ?? []).map((p) => p.name), `${sm.metadata.name} ${ep.port}`).toContain(ep.port);
        if (spec.jobLabel) expect(svc.metadata.labels?.[spec.jobLabel], sm.metadata.name).toBeTruthy();
        const eps = cluster.store.get('endpoints', svc.metadata.namespace, svc.metadata.name)!;
        expect((eps.subsets as unknown[] | undefined)?.length ?? 0, `endpoints of ${svc.metadata.name}`).toBeGreaterThan(0);
      }
    }
    // The job label the kube-prometheus rules filter on.
    const ne = cluster.store.get('services', 'monitoring', 'node-exporter')!;
    expect(ne.metadata.labels?.jobLabel).toBe('node-exporter');
  });

  it("the DCGM PodMonitor selects one exporter pod per GPU node, with the port it names", () => {
    const [pm] = monitors('podmonitors');
    const spec = pm!.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    const pods = (cluster.store.list('pods', pm!.metadata.namespace) as Pod[]).filter((p) => matchesLabels(fromLabelSelectorSpec(spec.selector), p.metadata.labels));
    const gpuNodes = (cluster.store.list('nodes') as Node[]).filter((n) => Number(n.status.capacity['nvidia.com/gpu'] ?? 0) > 0);
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(gpuNodes.map((n) => n.metadata.name).sort());
    for (const p of pods) expect(p.spec.containers[0]!.ports!.map((x) => x.name)).toContain(spec.podMetricsEndpoints[0]!.port);
  });
});

describe('rules', () => {
  const objects = monitors('prometheusrules');

  it('every rule parses as PromQL, and the ping rule is CountGreaterThan5', () => {
    let n = 0;
    for (const pr of objects) {
      for (const g of (pr.spec as { groups: Groups }).groups) {
        for (const r of g.rules) {
          expect(() => parseExpr(r.expr), `${pr.metadata.name} ${r.alert ?? r.record}`).not.toThrow();
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(15);
    const ping = objects.find((o) => o.metadata.namespace === 'demo' && o.metadata.name === 'ping')!;
    expect((ping.spec as { groups: Groups }).groups[0]!.rules[0]).toMatchObject({ alert: 'CountGreaterThan5', expr: 'ping_request_count > 5', for: '10s' });
  });

  it('every metric the rules select is exposed by some exporter', () => {
    const exposed = exposedNames();
    const recorded = new Set(objects.flatMap((o) => (o.spec as { groups: Groups }).groups.flatMap((g) => g.rules.map((r) => r.record).filter(Boolean))));
    for (const pr of objects) {
      for (const g of (pr.spec as { groups: Groups }).groups) {
        for (const r of g.rules) {
          // Metric names, not parts of recording rules' level:metric:operation names.
          for (const m of r.expr.matchAll(/(?<![:\w])((?:node|kube|container|ping|kubelet)_[a-zA-Z0-9_]+)(?![:\w])/g)) {
            expect(exposed.has(m[1]!) || recorded.has(m[1]!), `${r.alert ?? r.record}: ${m[1]}`).toBe(true);
          }
        }
      }
    }
  });

  it.runIf(existsSync(path.join(shared, 'rules')))("the rules copied from kube-prometheus are kube-prometheus's, unchanged", () => {
    const sources: Record<string, string> = {
      'monitoring/node-exporter-rules': 'kube-prometheus-nodeExporter-prometheusRule.yaml',
      'monitoring/kube-state-metrics-rules': 'kube-prometheus-kubeStateMetrics-prometheusRule.yaml',
    };
    for (const [key, file] of Object.entries(sources)) {
      const theirs = (parseYaml(readFileSync(path.join(shared, 'rules', file), 'utf8')) as { spec: { groups: Groups } }).spec.groups.flatMap((g) => g.rules);
      const ours = (parseYaml(RULE_GROUPS[key as keyof typeof RULE_GROUPS]) as Groups).flatMap((g) => g.rules);
      expect(ours.length).toBeGreaterThan(1);
      for (const r of ours) {
        const match = theirs.find((t) => (r.alert ? t.alert === r.alert : t.record === r.record) && t.expr === r.expr);
        expect(match, `${key}: ${r.alert ?? r.record}`).toBeDefined();
        expect(r).toEqual(match);
      }
    }
  });

  it.skipIf(existsSync(path.join(shared, 'rules')))('../shared/rules is not here: the comparison with kube-prometheus was skipped', () => {
    console.warn(`${shared}/rules not found: skipping the comparison with kube-prometheus's rule files`);
    expect(existsSync(path.join(shared, 'rules'))).toBe(false);
  });
});

describe("the node dashboards' and rules' metrics", () => {
  it('node-exporter exposes the families kube-prometheus and the StarsL dashboard query', () => {
    const exposed = exposedNames();
    const required = [
      'node_cpu_seconds_total', 'node_load1', 'node_load5', 'node_load15',
      'node_memory_MemTotal_bytes', 'node_memory_MemAvailable_bytes', 'node_memory_MemFree_bytes', 'node_memory_Buffers_bytes', 'node_memory_Cached_bytes', 'node_memory_SwapTotal_bytes', 'node_memory_SwapFree_bytes',
      'node_filesystem_size_bytes', 'node_filesystem_avail_bytes', 'node_filesystem_free_bytes', 'node_filesystem_readonly', 'node_filesystem_files', 'node_filesystem_files_free',
      'node_disk_read_bytes_total', 'node_disk_written_bytes_total', 'node_disk_reads_completed_total', 'node_disk_writes_completed_total', 'node_disk_io_time_seconds_total', 'node_disk_read_time_seconds_total', 'node_disk_write_time_seconds_total', 'node_disk_io_time_weighted_seconds_total',
      'node_network_receive_bytes_total', 'node_network_transmit_bytes_total', 'node_network_receive_packets_total', 'node_network_transmit_packets_total', 'node_network_receive_errs_total', 'node_network_transmit_errs_total', 'node_network_receive_drop_total', 'node_network_transmit_drop_total',
      'node_netstat_Tcp_CurrEstab', 'node_netstat_Tcp_ActiveOpens', 'node_netstat_Tcp_PassiveOpens', 'node_netstat_Tcp_InSegs', 'node_netstat_Tcp_OutSegs', 'node_netstat_Tcp_RetransSegs',
      'node_sockstat_TCP_tw', 'node_sockstat_TCP_inuse', 'node_sockstat_TCP_alloc', 'node_sockstat_UDP_inuse',
      'node_filefd_allocated', 'node_filefd_maximum', 'node_context_switches_total', 'node_boot_time_seconds', 'node_time_seconds', 'node_uname_info', 'node_os_info', 'node_exporter_build_info',
      'process_cpu_seconds_total', 'process_resident_memory_bytes', 'go_goroutines', 'go_info',
    ];
    for (const m of required) expect(exposed.has(m), m).toBe(true);
    const panels = path.join(shared, 'dashboards', 'starsl-node-exporter-en-11074.panels.md');
    if (!existsSync(panels)) return;
    // What the dashboard asks that a Linux EC2 node without RAID, bonding or the systemd collector has.
    const absentOnThisKindOfNode = /^node_(md_|bonding_|systemd_|memory_(free|total)_bytes$)/;
    const asked = new Set([...readFileSync(panels, 'utf8').matchAll(/\b(node_[a-zA-Z0-9_]+)\b/g)].map((m) => m[1]!).filter((m) => !m.includes('utilisation') && !m.endsWith('_per_cpu') && !/_(physical|excluding_lo)$/.test(m) && m !== 'node_num_cpu' && !/_seconds$/.test(m)));
    for (const m of asked) if (!absentOnThisKindOfNode.test(m)) expect(exposed.has(m), `StarsL: ${m}`).toBe(true);
  });
});
