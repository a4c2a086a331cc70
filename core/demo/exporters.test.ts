// The synthetic exporters without a server: every exposition parses with our parser and with the
// real `promtool check metrics`, counters never go back, the same seed and time give the same
// bytes, the numbers agree with each other and with the objects (capacity, requests, limits,
// faults), and node-exporter's families look like the real node_exporter's.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDcgm, renderPing } from './apps.js';
import { DemoCluster, ManualClock } from './cluster.js';
import { crashLoopBackOff, nodeNotReady, oomKilled } from './faults.js';
import { renderKsmTelemetry, renderKubeStateMetrics } from './ksm.js';
import { renderCadvisor, renderKubeletMetrics, renderProbeMetrics, renderResourceMetrics } from './kubelet-metrics.js';
import { goFloat, negotiate } from './metrics-text.js';
import { metricsModel } from './model.js';
import { parseQuantity } from '../kube/objects.js';
import { renderNodeExporter } from './node-exporter.js';
import { Rate } from './signals.js';
import type { Node, Pod } from '../kube/objects.js';
import { checkMetrics } from '../exposition/check.js';
import { OpenMetricsParser } from '../exposition/openmetrics.js';
import { TextParser } from '../exposition/text.js';
import type { ExpositionParser, MetricType } from '../exposition/types.js';

const T0 = Date.UTC(2025, 5, 2, 9, 30, 0);
const PROMTOOL = ['/usr/bin/promtool', 'promtool'].find((p) => spawnSync(p, ['--version']).status === 0);
const NODE_EXPORTER = ['/usr/bin/prometheus-node-exporter', 'node_exporter'].find((p) => spawnSync(p, ['--version']).status === 0);

interface Sample {
  name: string;
  series: string;
  value: number;
  type: MetricType | undefined;
}

/** Every sample of an exposition, with its family's type; throws on a parse error. */
function parse(body: string, format: 'text' | 'openmetrics' = 'text'): Sample[] {
  const p: ExpositionParser = format === 'openmetrics' ? new OpenMetricsParser(body) : new TextParser(body);
  const types = new Map<string, MetricType>();
  const out: Sample[] = [];
  for (;;) {
    const kind = p.next();
    if (kind === 'eof') break;
    if (kind === 'type') types.set(p.metaName(), p.type());
    if (kind !== 'series') continue;
    const name = p.metricName();
    const family = types.get(name) ?? types.get(name.replace(/_(total|bucket|sum|count|created)$/, ''));
    out.push({ name, series: p.seriesText(), value: p.value(), type: family });
  }
  return out;
}

const byName = (samples: Sample[], name: string) => samples.filter((s) => s.name === name);
const one = (samples: Sample[], name: string, match = '') => {
  const s = samples.filter((x) => x.name === name && x.series.includes(match));
  expect(s, `${name}${match}`).toHaveLength(1);
  return s[0]!.value;
};

function promtool(body: string): { code: number; stderr: string } {
  const r = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: body, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

interface Target {
  name: string;
  format: 'text' | 'openmetrics';
  render: (t: number) => string;
}

let clock: ManualClock;
let cluster: DemoCluster;
let nodes: Node[];

function targets(c: DemoCluster): Target[] {
  const model = metricsModel(c);
  const ns = c.store.list('nodes') as Node[];
  const gpu = ns.find((n) => n.metadata.name.includes('gpu'))!;
  const worker = ns.find((n) => n.metadata.name.includes('worker'))!;
  const cp = ns.find((n) => n.metadata.name.includes('control-plane'))!;
  const ping = (c.store.list('pods', 'demo') as Pod[]).find((p) => p.metadata.labels?.app === 'ping')!;
  const out: Target[] = [];
  for (const n of [cp, worker, gpu]) {
    const node = () => c.store.get('nodes', undefined, n.metadata.name) as Node;
    out.push({ name: `node-exporter ${n.metadata.name}`, format: 'text', render: (t) => renderNodeExporter(model, node(), t, 'text') });
    out.push({ name: `cadvisor ${n.metadata.name}`, format: 'text', render: (t) => renderCadvisor(model, node(), t, 'text') });
    out.push({ name: `resource ${n.metadata.name}`, format: 'text', render: (t) => renderResourceMetrics(model, node(), t, 'text') });
    out.push({ name: `kubelet ${n.metadata.name}`, format: 'text', render: (t) => renderKubeletMetrics(model, node(), t, 'text', '10.0.16.10:6443') });
    out.push({ name: `probes ${n.metadata.name}`, format: 'text', render: (t) => renderProbeMetrics(model, node(), t, 'text') });
  }
  out.push({ name: 'dcgm', format: 'text', render: (t) => renderDcgm(model, c.store.get('nodes', undefined, gpu.metadata.name) as Node, t, 'text') });
  out.push({ name: 'ping', format: 'text', render: (t) => renderPing(model, c.store.get('pods', 'demo', ping.metadata.name) as Pod, t, 1) });
  out.push({ name: 'kube-state-metrics', format: 'text', render: () => renderKubeStateMetrics(c, 'text') });
  out.push({ name: 'kube-state-metrics (OpenMetrics)', format: 'openmetrics', render: () => renderKubeStateMetrics(c, 'openmetrics') });
  out.push({ name: 'kube-state-metrics telemetry', format: 'text', render: (t) => renderKsmTelemetry(t, t - 86_400, 'text') });
  return out;
}

beforeAll(() => {
  clock = new ManualClock(T0);
  cluster = new DemoCluster({ nodes: 12, seed: 'exporters', clock });
  nodes = cluster.store.list('nodes') as Node[];
});

describe('exposition formatting', () => {
  it('writes floats as Go does', () => {
    expect([0, 1, -1, 0.5, 100000, 1e6, 1234567, 2.6357576704e10, 1e-5, 0.0001, 2 ** 63, NaN, Infinity].map(goFloat)).toEqual([
      '0', '1', '-1', '0.5', '100000', '1e+06', '1.234567e+06', '2.6357576704e+10', '1e-05', '0.0001', '9.223372036854776e+18', 'NaN', '+Inf',
    ]);
  });

  it('negotiates as prometheus/common does', () => {
    const prom2 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(negotiate(prom2, { openMetrics: true, escaping: 'underscores' })).toEqual({ format: 'openmetrics', contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores' });
    expect(negotiate(prom2, { openMetrics: false, escaping: 'values' })).toEqual({ format: 'text', contentType: 'text/plain; version=0.0.4; charset=utf-8; escaping=values' });
    expect(negotiate(undefined, { openMetrics: true, escaping: 'underscores', plainText: true })).toEqual({ format: 'text', contentType: 'text/plain; version=0.0.4; charset=utf-8' });
    expect(negotiate('text/plain;version=0.0.4;escaping=allow-utf-8', { openMetrics: false, escaping: 'values' }).contentType).toBe('text/plain; version=0.0.4; charset=utf-8; escaping=allow-utf-8');
  });

  it('parses Kubernetes quantities', () => {
    expect(['250m', '8Gi', '104845292Ki', '1.5', '95551679124', '100n'].map(parseQuantity)).toEqual([0.25, 8 * 1024 ** 3, 104845292 * 1024, 1.5, 95551679124, 100 * 1e-9]);
  });
});

describe('signals', () => {
  it('a counter built from a rate never decreases and its average rate stays within the rate bounds', () => {
    const r = new Rate(12345, 2, { daily: 0.4, jitter: 0.5 });
    let prev = -Infinity;
    for (let t = 1.7e9; t < 1.7e9 + 3 * 86_400; t += 7.3) {
      const v = r.total(1.7e9 - 1000, t);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    const avg = r.average(1.7e9 + 5000, 300);
    expect(avg).toBeGreaterThan(0);
    expect(avg).toBeLessThanOrEqual(r.max);
  });
});

describe('every exporter', () => {
  it('parses with our parser and checkMetrics', () => {
    for (const target of targets(cluster)) {
      const body = target.render(T0 / 1000);
      const samples = parse(body, target.format);
      expect(samples.length, target.name).toBeGreaterThan(5);
      const r = checkMetrics(body, target.format);
      expect(r.parseError, target.name).toBeUndefined();
      if (target.format === 'openmetrics') expect(body.endsWith('# EOF\n')).toBe(true);
    }
  });

  it.runIf(PROMTOOL)('passes the real promtool check metrics without parse errors (lint findings as real exporters have)', () => {
    for (const target of targets(cluster).filter((t) => t.format === 'text')) {
      const body = target.render(T0 / 1000);
      const r = promtool(body);
      expect(r.stderr, target.name).not.toContain('error while linting');
      expect([0, 3], `${target.name}: ${r.stderr.slice(0, 500)}`).toContain(r.code);
      // Lint findings must be the kind real exporters get too: names and units, not structure.
      for (const line of r.stderr.trim().split('\n').filter(Boolean)) {
        expect(line, target.name).toMatch(/snake_case|should have "_total" suffix|should not have "_count" suffix|use base unit|should not include type 'counter'/);
      }
    }
  });

  it.skipIf(PROMTOOL)('promtool is not installed here: the promtool check was skipped', () => {
    console.warn('promtool not found (Debian package "prometheus"): skipping the promtool check metrics comparison');
    expect(PROMTOOL).toBeUndefined();
  });

  it('never decreases a counter, however far apart the reads (containers restarting meanwhile)', () => {
    const c = new DemoCluster({ nodes: 8, seed: 'monotonic', clock: new ManualClock(T0) });
    const list = targets(c);
    let prev = new Map(list.map((t) => [t.name, parse(t.render(T0 / 1000), t.format)]));
    let compared = 0;
    let resets = 0;
    for (const dt of [0.2, 15, 61, 300, 3600, 4 * 3600, 86_400]) {
      const t = T0 + dt * 1000;
      (c.clock as ManualClock).set(t);
      c.advance();
      const next = new Map(list.map((x) => [x.name, parse(x.render(t / 1000), x.format)]));
      for (const [name, samples] of next) {
        const earlier = prev.get(name)!;
        const before = new Map(earlier.filter((s) => s.type === 'counter' || s.name.endsWith('_count') || s.name.endsWith('_sum') || s.name.endsWith('_bucket')).map((s) => [s.series, s.value]));
        // The one allowed reset: a container that restarted in between, on an endpoint whose labels do not
        // name the container instance (/metrics/resource) — its start time moved.
        const starts = new Map(earlier.filter((s) => s.name === 'container_start_time_seconds').map((s) => [s.series.slice(s.name.length), s.value]));
        const restarted = new Set(samples.filter((s) => s.name === 'container_start_time_seconds' && (starts.get(s.series.slice(s.name.length)) ?? s.value) < s.value).map((s) => s.series.slice(s.name.length)));
        for (const s of samples) {
          const b = before.get(s.series);
          if (b === undefined) continue;
          compared++;
          if (s.value < b && restarted.has(s.series.slice(s.name.length))) {
            resets++;
            continue;
          }
          expect(s.value, `${name} ${s.series} after ${dt}s`).toBeGreaterThanOrEqual(b);
        }
      }
      prev = next;
    }
    expect(compared).toBeGreaterThan(5000);
    // Over a day some application container restarted (about one restart per pod per day).
    expect(resets).toBeGreaterThan(0);
  });

  it('is the same for the same seed and time, and differs for another seed', () => {
    const a = new DemoCluster({ nodes: 6, seed: 'same', clock: new ManualClock(T0) });
    const b = new DemoCluster({ nodes: 6, seed: 'same', clock: new ManualClock(T0) });
    const other = new DemoCluster({ nodes: 6, seed: 'other', clock: new ManualClock(T0) });
    const ta = targets(a);
    const tb = targets(b);
    const to = targets(other);
    for (let i = 0; i < ta.length; i++) {
      expect(tb[i]!.render(T0 / 1000 + 42), ta[i]!.name).toBe(ta[i]!.render(T0 / 1000 + 42));
    }
    const ne = (ts: Target[]) => ts.find((t) => t.name.startsWith('node-exporter') && t.name.includes('worker'))!.render(T0 / 1000);
    expect(ne(to)).not.toBe(ne(ta));
  });
});

describe('what the numbers say', () => {
  it('node-exporter agrees with the node: cores, memory, boot time, busy time within capacity', () => {
    const model = metricsModel(cluster);
    for (const node of nodes.slice(0, 6)) {
      const t = T0 / 1000;
      const s = parse(renderNodeExporter(model, node, t, 'text'));
      const cores = Number(node.status.capacity.cpu);
      expect(new Set(byName(s, 'node_cpu_seconds_total').map((x) => /cpu="(\d+)"/.exec(x.series)![1])).size).toBe(cores);
      expect(one(s, 'node_memory_MemTotal_bytes')).toBe(parseQuantity(node.status.capacity.memory));
      const avail = one(s, 'node_memory_MemAvailable_bytes');
      expect(avail).toBeGreaterThan(0);
      expect(avail).toBeLessThan(one(s, 'node_memory_MemTotal_bytes'));
      expect(one(s, 'node_filesystem_size_bytes', 'mountpoint="/"')).toBe(parseQuantity(node.status.capacity['ephemeral-storage']));
      expect(one(s, 'node_boot_time_seconds')).toBeLessThanOrEqual(Date.parse(node.metadata.creationTimestamp) / 1000);
      expect(one(s, 'node_uname_info', `nodename="${node.metadata.name}"`)).toBe(1);
      // Busy CPU over five minutes: from node-exporter and from the root cgroup, and within the cores.
      const later = parse(renderNodeExporter(model, node, t + 300, 'text'));
      const busy = (x: Sample[]) => byName(x, 'node_cpu_seconds_total').filter((v) => !/mode="(idle|iowait)"/.test(v.series)).reduce((a, v) => a + v.value, 0);
      const busyRate = (busy(later) - busy(s)) / 300;
      expect(busyRate).toBeGreaterThan(0);
      expect(busyRate).toBeLessThan(cores * 0.9);
      const root = (x: string) => one(parse(x), 'container_cpu_usage_seconds_total', 'id="/"');
      const rootRate = (root(renderCadvisor(model, node, t + 300, 'text')) - root(renderCadvisor(model, node, t, 'text'))) / 300;
      expect(Math.abs(rootRate - busyRate) / busyRate).toBeLessThan(0.1);
      const idle = byName(s, 'node_cpu_seconds_total').filter((v) => v.series.includes('mode="idle"'));
      const idleLater = byName(later, 'node_cpu_seconds_total').filter((v) => v.series.includes('mode="idle"'));
      idle.forEach((v, i) => expect(idleLater[i]!.value).toBeGreaterThan(v.value));
    }
  });

  it('cAdvisor series have cAdvisor labels, timestamps, and containers use what their requests and limits allow', () => {
    const model = metricsModel(cluster);
    let limited = 0;
    let throttledHot = 0;
    let nearMemLimit = 0;
    for (const node of nodes) {
      const body = renderCadvisor(model, node, T0 / 1000, 'text');
      const line = body.split('\n').find((l) => l.startsWith('container_cpu_usage_seconds_total{container="",cpu="total",id="/"'))!;
      expect(line).toMatch(/ \d{13}$/);
      const samples = parse(body);
      const later = parse(renderCadvisor(model, node, T0 / 1000 + 600, 'text'));
      for (const pod of model.podsOn(node.metadata.name)) {
        const podLabel = `namespace="${pod.metadata.namespace}",pod="${pod.metadata.name}"`;
        // The pod cgroup (container="") and its pause container.
        expect(samples.some((s) => s.name === 'container_memory_working_set_bytes' && s.series.startsWith('container_memory_working_set_bytes{container="",') && s.series.includes('image=""') && s.series.includes(podLabel))).toBe(true);
        for (const c of pod.spec.containers) {
          const sel = (x: Sample) => x.series.includes(`{container="${c.name}",`) && x.series.includes(podLabel);
          const cpu0 = samples.find((x) => x.name === 'container_cpu_usage_seconds_total' && sel(x));
          const cpu1 = later.find((x) => x.name === 'container_cpu_usage_seconds_total' && sel(x));
          const ws = samples.find((x) => x.name === 'container_memory_working_set_bytes' && sel(x));
          if (!cpu0 || !cpu1 || !ws) continue;
          expect(cpu0.series).toMatch(/id="\/kubepods\.slice\/.*cri-containerd-[0-9a-f]{64}\.scope"/);
          const rate = (cpu1.value - cpu0.value) / 600;
          const limit = c.resources?.limits?.cpu;
          if (limit) {
            limited++;
            expect(rate).toBeLessThanOrEqual(parseQuantity(limit));
            const periods = (x: Sample[], n: string) => x.find((v) => v.name === n && sel(v))!.value;
            const ratio = (periods(later, 'container_cpu_cfs_throttled_periods_total') - periods(samples, 'container_cpu_cfs_throttled_periods_total')) / (periods(later, 'container_cpu_cfs_periods_total') - periods(samples, 'container_cpu_cfs_periods_total'));
            if (ratio > 0.25) throttledHot++;
          }
          const memLimit = c.resources?.limits?.memory;
          if (memLimit) {
            expect(ws.value).toBeLessThan(parseQuantity(memLimit));
            if (ws.value > 0.8 * parseQuantity(memLimit)) nearMemLimit++;
          }
        }
      }
    }
    expect(limited).toBeGreaterThan(0);
    expect(throttledHot).toBeGreaterThan(0);
    expect(nearMemLimit).toBeGreaterThan(0);
  });

  it('/metrics/resource and cAdvisor report the same container CPU and memory', () => {
    const model = metricsModel(cluster);
    const node = nodes.find((n) => n.metadata.name.includes('worker'))!;
    const res = parse(renderResourceMetrics(model, node, T0 / 1000, 'text'));
    const cad = parse(renderCadvisor(model, node, T0 / 1000, 'text'));
    let checked = 0;
    for (const r of byName(res, 'container_memory_working_set_bytes')) {
      const [, container, ns, pod] = /container="([^"]*)",namespace="([^"]*)",pod="([^"]*)"/.exec(r.series)!;
      const c = cad.find((x) => x.name === 'container_memory_working_set_bytes' && x.series.startsWith(`container_memory_working_set_bytes{container="${container}",`) && x.series.includes(`namespace="${ns}",pod="${pod}"`));
      expect(c?.value).toBe(r.value);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('kube-state-metrics follows the objects: capacity with GPUs, OOMKilled, CrashLoopBackOff, NotReady', () => {
    const c = new DemoCluster({ nodes: 12, seed: 'ksm', clock: new ManualClock(T0) });
    const model = metricsModel(c);
    const gpu = (c.store.list('nodes') as Node[]).find((n) => Number(n.status.capacity['nvidia.com/gpu'] ?? 0) > 0)!;
    let s = parse(renderKubeStateMetrics(c, 'text'));
    expect(one(s, 'kube_node_status_capacity', `node="${gpu.metadata.name}",resource="nvidia_com_gpu",unit="integer"`)).toBe(Number(gpu.status.capacity['nvidia.com/gpu']));
    expect(byName(s, 'kube_pod_info')).toHaveLength(c.count('pods'));
    expect(byName(s, 'kube_node_info')).toHaveLength(c.count('nodes'));
    const [a, b] = (c.store.list('pods', 'demo') as Pod[]).filter((p) => p.metadata.labels?.app === 'ping');
    const cadvisorOf = (p: Pod) => parse(renderCadvisor(model, c.store.get('nodes', undefined, p.spec.nodeName!) as Node, c.now() / 1000, 'text'));
    const podOom = (p: Pod) => cadvisorOf(p).find((x) => x.name === 'container_oom_events_total' && x.series.startsWith('container_oom_events_total{container="",') && x.series.includes(`pod="${p.metadata.name}"`))!.value;
    const before = podOom(a!);
    c.advance(T0 + 60_000);
    oomKilled(c, 'demo', a!.metadata.name);
    crashLoopBackOff(c, 'demo', b!.metadata.name);
    const worker = (c.store.list('nodes') as Node[]).find((n) => n.metadata.name.includes('worker') && n.metadata.name !== a!.spec.nodeName)!;
    nodeNotReady(c, worker.metadata.name);
    s = parse(renderKubeStateMetrics(c, 'text'));
    expect(one(s, 'kube_pod_container_status_last_terminated_reason', `pod="${a!.metadata.name}",uid="${a!.metadata.uid}",container="ping",reason="OOMKilled"`)).toBe(1);
    expect(one(s, 'kube_pod_container_status_waiting_reason', `pod="${b!.metadata.name}",uid="${b!.metadata.uid}",container="ping",reason="CrashLoopBackOff"`)).toBe(1);
    expect(one(s, 'kube_node_status_condition', `node="${worker.metadata.name}",condition="Ready",status="unknown"`)).toBe(1);
    expect(one(s, 'kube_node_spec_taint', `node="${worker.metadata.name}",key="node.kubernetes.io/unreachable",value="",effect="NoSchedule"`)).toBe(1);
    expect(podOom(a!)).toBe(before + 1);
    // A crash-looping container has no cAdvisor series; its pod cgroup stays.
    const cad = cadvisorOf(b!);
    expect(cad.some((x) => x.series.includes(`{container="ping",`) && x.series.includes(`pod="${b!.metadata.name}"`))).toBe(false);
    expect(cad.some((x) => x.series.startsWith('container_cpu_usage_seconds_total{container="",') && x.series.includes(`pod="${b!.metadata.name}"`))).toBe(true);
  });

  it('DCGM reports each GPU, and the pod that uses it', () => {
    const model = metricsModel(cluster);
    const gpu = nodes.find((n) => n.metadata.name.includes('gpu'))!;
    const s = parse(renderDcgm(model, gpu, T0 / 1000, 'text'));
    const util = byName(s, 'DCGM_FI_DEV_GPU_UTIL');
    expect(util).toHaveLength(Number(gpu.status.capacity['nvidia.com/gpu']));
    const used = util.filter((u) => u.series.includes('pod="inference-'));
    expect(used.length).toBeGreaterThan(0);
    for (const u of used) expect(u.value).toBeGreaterThan(0);
    for (const u of util) expect(u.series).toMatch(/gpu="\d+",UUID="GPU-[0-9a-f-]+",pci_bus_id="[0-9A-F:.]+",device="nvidia\d+",modelName="NVIDIA A10G",Hostname="/);
    const free = byName(s, 'DCGM_FI_DEV_FB_FREE');
    byName(s, 'DCGM_FI_DEV_FB_USED').forEach((u, i) => expect(u.value + free[i]!.value).toBe(22_731));
  });

  it('the ping app counts steady traffic', () => {
    const model = metricsModel(cluster);
    const ping = (cluster.store.list('pods', 'demo') as Pod[]).find((p) => p.metadata.labels?.app === 'ping')!;
    const v0 = one(parse(renderPing(model, ping, T0 / 1000, 1)), 'ping_request_count');
    const v1 = one(parse(renderPing(model, ping, T0 / 1000 + 60, 2)), 'ping_request_count');
    expect(v0).toBeGreaterThan(5);
    expect(v1 - v0).toBeGreaterThan(10);
    expect(v1 - v0).toBeLessThan(60);
  });
});

describe.runIf(NODE_EXPORTER)('next to the real node_exporter', () => {
  let proc: ReturnType<typeof spawn> | undefined;
  let real = '';

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    proc = spawn(NODE_EXPORTER!, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !real; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        if (res.ok) real = await res.text();
      } catch {
        // not up yet
      }
    }
  });

  afterAll(() => {
    proc?.kill();
  });

  it('every family both expose has the same type and label names', () => {
    expect(real).toContain('node_cpu_seconds_total');
    const families = (body: string) => {
      const out = new Map<string, { type: string; labels: Set<string> }>();
      for (const line of body.split('\n')) {
        const t = /^# TYPE (\S+) (\S+)$/.exec(line);
        if (t) out.set(t[1]!, { type: t[2]!, labels: new Set() });
        else if (line && !line.startsWith('#')) {
          const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line)!;
          const fam = out.get(m[1]!) ?? out.get(m[1]!.replace(/_(sum|count|bucket)$/, ''));
          for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) fam?.labels.add(l[1]!);
        }
      }
      return out;
    };
    const ours = families(renderNodeExporter(metricsModel(cluster), nodes[2]!, T0 / 1000, 'text'));
    const theirs = families(real);
    let common = 0;
    // node_exporter 1.8 added device_error to the filesystem families, adminstate to node_network_info, tags to its build info.
    const newer = new Set(['device_error', 'adminstate', 'tags']);
    for (const [name, f] of ours) {
      const r = theirs.get(name);
      if (!r) continue;
      common++;
      expect(f.type, name).toBe(r.type);
      if (r.labels.size > 0) expect([...f.labels].filter((l) => !newer.has(l)).sort(), name).toEqual([...r.labels].sort());
    }
    expect(common).toBeGreaterThan(90);
    for (const required of ['node_cpu_seconds_total', 'node_filesystem_avail_bytes', 'node_network_receive_bytes_total', 'node_load1', 'node_memory_MemAvailable_bytes', 'node_disk_io_time_seconds_total']) {
      expect(theirs.has(required) && ours.has(required), required).toBe(true);
    }
  });
});

describe('cost', () => {
  it('renders every node-exporter, cAdvisor and kube-state-metrics target of a 200-node cluster', { timeout: 120_000 }, () => {
    const c = new DemoCluster({ nodes: 200, seed: 'bench', clock: new ManualClock(T0) });
    const model = metricsModel(c);
    const ns = c.store.list('nodes') as Node[];
    const round = (t: number) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      let bytes = 0;
      let ne = 0;
      let cad = 0;
      for (const n of ns) {
        const a = performance.now();
        bytes += renderNodeExporter(model, n, t, 'text').length;
        const b = performance.now();
        bytes += renderCadvisor(model, n, t, 'text').length;
        ne += b - a;
        cad += performance.now() - b;
      }
      const k = performance.now();
      bytes += renderKubeStateMetrics(c, 'text').length;
      const ksm = performance.now() - k;
      const used = process.cpuUsage(cpu);
      return { wallMs: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000), nodeExporterMs: Math.round(ne), cadvisorMs: Math.round(cad), ksmMs: Math.round(ksm), megabytes: Math.round(bytes / 1e5) / 10 };
    };
    const cold = round(T0 / 1000);
    const warm = round(T0 / 1000 + 15);
    console.log(`200 nodes, ${c.count('pods')} pods — all node-exporter + cAdvisor + kube-state-metrics targets once: cold ${JSON.stringify(cold)}, warm ${JSON.stringify(warm)}`);
    expect(warm.cpuMs).toBeLessThan(15_000);
    expect(warm.megabytes).toBeGreaterThan(10);
  });
});

