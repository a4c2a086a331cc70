// The kubelet's metrics endpoints on a simulated node (v1.32, containerd, cgroup v2 with the
// systemd driver): /metrics/cadvisor with the series cAdvisor gives (the root and system
// cgroups, each pod's cgroup with container="", its pause container, its containers, samples
// with timestamps from cAdvisor's housekeeping), /metrics/resource (what metrics-server reads),
// /metrics (the kubelet's own component-base metrics) and /metrics/probes.
import { KUBERNETES_VERSION } from './catalog.js';
import { escapeLabel, labelBlock, MetricWriter, type Format } from './metrics-text.js';
import { containerId, type ContainerModel, type MetricsModel, type PodModel } from './model.js';
import { sortedLabels } from './node-exporter.js';
import { draw, gauge, hashString, subKey, unit } from './signals.js';
import type { Node, Pod } from '../kube/objects.js';

const HOUSEKEEPING_MS = 10_000;
const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** cAdvisor's sample time for a cgroup: the last housekeeping tick of that cgroup before t. */
export function sampleTime(key: number, tMs: number): number {
  const phase = Math.floor(unit(key, 7) * HOUSEKEEPING_MS);
  return Math.floor((tMs - phase) / HOUSEKEEPING_MS) * HOUSEKEEPING_MS + phase;
}

interface Cgroup {
  /** `container="x"` */
  pre: string;
  /** `id="…",image="…"` */
  mid: string;
  /** `name="…",namespace="…",pod="…"` */
  post: string;
  labels: string;
  /** Sample time (ms). */
  ts: number;
  cpu: number;
  mem: number;
  rss: number;
  cache: number;
  start: number;
  kind: 'container' | 'pod' | 'pause' | 'system';
  root?: boolean;
  container?: ContainerModel;
  pod?: PodModel;
  podObj?: Pod;
}

type CgroupBase = Omit<Cgroup, 'pre' | 'mid' | 'post' | 'labels'>;

function cgroup(container: string, id: string, image: string, name: string, namespace: string, pod: string, rest: CgroupBase): Cgroup {
  const q = (k: string, v: string) => `${k}="${escapeLabel(v)}"`;
  const pre = q('container', container);
  const mid = `${q('id', id)},${q('image', image)}`;
  const post = `${q('name', name)},${q('namespace', namespace)},${q('pod', pod)}`;
  return { ...rest, pre, mid, post, labels: `{${pre},${mid},${post}}` };
}

/** The cgroup's labels with one more, at its place in name order (all of these sort between the fixed ones). */
const withCpu = (c: Cgroup) => `{${c.pre},cpu="total",${c.mid},${c.post}}`;
const withDevice = (c: Cgroup, d: string) => `{${c.pre},device="${d}",${c.mid},${c.post}}`;
const withInterface = (c: Cgroup, i: string) => `{${c.pre},${c.mid},interface="${i}",${c.post}}`;
const withFailure = (c: Cgroup, type: string, scope: string) => `{${c.pre},failure_type="${type}",${c.mid},${c.post},scope="${scope}"}`;

/** kubelet /metrics/cadvisor for a node at t (seconds). */
export function renderCadvisor(model: MetricsModel, node: Node, t: number, format: Format): string {
  const n = model.node(node);
  const tMs = Math.floor(t * 1000);
  const cgroups: Cgroup[] = [];
  const pods = model.podsOn(n.name);
  let kubepodsCpu = model.retiredOf(n.name).cpu;
  let kubepodsMem = 0;
  const byQos = new Map<string, { cpu: number; mem: number }>();
  for (const p of pods) {
    const m = model.pod(p);
    const podTs = sampleTime(m.key, tMs);
    const pt = podTs / 1000;
    const podCpu = model.podCpu(m, pt);
    const podMem = model.podMemory(m, pt);
    kubepodsCpu += podCpu;
    kubepodsMem += podMem;
    if (m.qos !== 'Guaranteed') {
      const q = byQos.get(m.qos) ?? { cpu: 0, mem: 0 };
      q.cpu += podCpu;
      q.mem += podMem;
      byQos.set(m.qos, q);
    }
    const ns = m.namespace;
    cgroups.push(cgroup('', m.cgroup, '', '', ns, m.name, { ts: podTs, cpu: podCpu, mem: podMem, rss: podMem * 0.82, cache: podMem * 0.3, start: m.start, kind: 'pod', pod: m, podObj: p }));
    const pauseTs = sampleTime(subKey(m.key, 1), tMs);
    const pauseCpu = Math.max(0, (pauseTs / 1000 - m.start) * 0.00002);
    cgroups.push(cgroup('', `${m.cgroup}/cri-containerd-${m.sandboxId}.scope`, PAUSE_IMAGE, m.sandboxId, ns, m.name, { ts: pauseTs, cpu: pauseCpu, mem: 229376, rss: 40960, cache: 0, start: m.start, kind: 'pause', pod: m, podObj: p }));
    for (const cs of p.status.containerStatuses ?? []) {
      const started = model.containerStart(p, cs.name);
      const c = m.containers.get(cs.name);
      if (started === null || !c) continue;
      const id = containerId(cs.containerID);
      const ts = sampleTime(c.key, tMs);
      const ct = ts / 1000;
      if (ct < started) continue;
      const mem = model.containerMemory(c, ct);
      cgroups.push(cgroup(cs.name, `${m.cgroup}/cri-containerd-${id}.scope`, cs.image, id, ns, m.name, {
        ts,
        cpu: c.cpu.total(started, ct),
        mem,
        rss: Math.round((mem * 0.82) / 4096) * 4096,
        cache: Math.round((mem * 0.3) / 4096) * 4096,
        start: started,
        kind: 'container',
        container: c,
        pod: m,
        podObj: p,
      }));
    }
  }
  // The root and system cgroups.
  const rootTs = sampleTime(n.key, tMs);
  const rt = rootTs / 1000;
  const memInfo = model.nodeMemory(n, rt);
  const sys = n.sysCpu.total(n.boot, rt);
  const sysMem = memInfo.system;
  const system = (id: string, cpu: number, mem: number) =>
    cgroups.push(cgroup('', id, '', '', '', '', { ts: rootTs, cpu, mem, rss: mem * 0.7, cache: mem * 0.3, start: n.boot, kind: 'system', root: id === '/' }));
  system('/', model.nodeBusy(n, rt), memInfo.workingSet);
  system('/kubepods.slice', kubepodsCpu, kubepodsMem);
  for (const [qos, v] of [...byQos.entries()].sort()) system(`/kubepods.slice/kubepods-${qos.toLowerCase()}.slice`, v.cpu, v.mem);
  system('/system.slice', sys * 0.72, sysMem * 0.6);
  system('/system.slice/containerd.service', sys * 0.26, sysMem * 0.18);
  system('/system.slice/kubelet.service', sys * 0.38, sysMem * 0.2);
  cgroups.sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));

  const w = new MetricWriter(format);
  const fam = (name: string, type: 'counter' | 'gauge', help: string, value: (c: Cgroup) => number | null, extra?: (c: Cgroup) => string) => {
    w.family(name, type, help);
    for (const c of cgroups) {
      const v = value(c);
      if (v === null) continue;
      w.sample(name, extra ? extra(c) : c.labels, v, c.ts);
    }
  };
  const nodeInfo = node.status.nodeInfo;
  const machineLabels = sortedLabels({ boot_id: nodeInfo.bootID ?? '', machine_id: nodeInfo.machineID ?? '', system_uuid: nodeInfo.systemUUID ?? '' });
  w.family('cadvisor_version_info', 'gauge', "A metric with a constant '1' value labeled by kernel version, OS version, docker version, cadvisor version & cadvisor revision.");
  w.sample('cadvisor_version_info', sortedLabels({ cadvisorRevision: '', cadvisorVersion: '', dockerVersion: '', kernelVersion: nodeInfo.kernelVersion ?? '', osVersion: nodeInfo.osImage ?? '' }), 1);

  const limited = (c: Cgroup) => c.kind === 'container' && c.container!.cpuLimit !== null;
  const periods = (c: Cgroup) => Math.floor(Math.max(0, c.ts / 1000 - c.start) * 10 * 0.55);
  fam('container_cpu_cfs_periods_total', 'counter', 'Number of elapsed enforcement period intervals.', (c) => (limited(c) ? periods(c) : null));
  fam('container_cpu_cfs_throttled_periods_total', 'counter', 'Number of throttled period intervals.', (c) => (limited(c) ? Math.floor(periods(c) * c.container!.throttled) : null));
  fam('container_cpu_cfs_throttled_seconds_total', 'counter', 'Total time duration the container has been throttled.', (c) =>
    limited(c) ? Math.floor(periods(c) * c.container!.throttled * 0.0134 * 1e6) / 1e6 : null,
  );
  fam('container_cpu_load_average_10s', 'gauge', 'Value of container cpu load average over the last 10 seconds.', () => 0);
  fam('container_cpu_system_seconds_total', 'counter', 'Cumulative system cpu time consumed in seconds.', (c) => Math.floor(c.cpu * 0.24 * 100) / 100);
  fam('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed in seconds.', (c) => Math.floor(c.cpu * 1e6) / 1e6, withCpu);
  fam('container_cpu_user_seconds_total', 'counter', 'Cumulative user cpu time consumed in seconds.', (c) => Math.floor(c.cpu * 0.76 * 100) / 100);
  fam('container_file_descriptors', 'gauge', 'Number of open file descriptors for the container.', (c) => (c.kind === 'container' ? 8 + (c.container!.threads % 30) : c.kind === 'pause' ? 0 : null));

  const dev = (c: Cgroup) => withDevice(c, '/dev/nvme0n1');
  const fsRead = (c: Cgroup) => (c.kind === 'container' ? Math.floor(c.container!.fsRead.total(c.start, c.ts / 1000) / 4096) * 4096 : null);
  const fsWrite = (c: Cgroup) => (c.kind === 'container' ? Math.floor(c.container!.fsWrite.total(c.start, c.ts / 1000) / 4096) * 4096 : null);
  fam('container_fs_reads_bytes_total', 'counter', 'Cumulative count of bytes read', fsRead, dev);
  fam('container_fs_reads_total', 'counter', 'Cumulative count of reads completed', (c) => (c.kind === 'container' ? Math.floor(fsRead(c)! / 16384) : null), dev);
  fam('container_fs_writes_bytes_total', 'counter', 'Cumulative count of bytes written', fsWrite, dev);
  fam('container_fs_writes_total', 'counter', 'Cumulative count of writes completed', (c) => (c.kind === 'container' ? Math.floor(fsWrite(c)! / 8192) : null), dev);
  fam('container_last_seen', 'gauge', 'Last time a container was seen by the exporter', (c) => Math.floor(c.ts / 1000));
  const kib = (v: number) => Math.round(v / 4096) * 4096;
  fam('container_memory_cache', 'gauge', 'Number of bytes of page cache memory.', (c) => kib(c.cache));
  fam('container_memory_failcnt', 'counter', 'Number of memory usage hits limits', () => 0);
  w.family('container_memory_failures_total', 'counter', 'Cumulative count of memory allocation failures.');
  for (const c of cgroups) {
    const faults = Math.floor(Math.max(0, c.ts / 1000 - c.start) * (c.kind === 'system' ? 900 : 14));
    for (const [type, scope, v] of [
      ['pgfault', 'container', faults],
      ['pgfault', 'hierarchy', faults],
      ['pgmajfault', 'container', Math.floor(faults / 4000)],
      ['pgmajfault', 'hierarchy', Math.floor(faults / 4000)],
    ] as const) {
      w.sample('container_memory_failures_total', withFailure(c, type, scope), v, c.ts);
    }
  }
  fam('container_memory_kernel_usage', 'gauge', 'Size of kernel memory allocated in bytes.', (c) => kib(c.mem * 0.015));
  fam('container_memory_mapped_file', 'gauge', 'Size of memory mapped files in bytes.', (c) => kib(c.cache * 0.2));
  fam('container_memory_max_usage_bytes', 'gauge', 'Maximum memory usage recorded in bytes', (c) => kib(Math.min(c.container?.memLimit ?? Infinity, c.mem * 1.12 + c.cache * 0.55)));
  fam('container_memory_rss', 'gauge', 'Size of RSS in bytes.', (c) => kib(c.rss));
  fam('container_memory_swap', 'gauge', 'Container swap usage in bytes.', () => 0);
  fam('container_memory_usage_bytes', 'gauge', 'Current memory usage in bytes, including all memory regardless of when it was accessed', (c) => kib(c.mem + c.cache * 0.55));
  fam('container_memory_working_set_bytes', 'gauge', 'Current working set in bytes.', (c) => kib(c.mem));

  // Network: the pod's eth0, reported on its sandbox (pause) container; the host's on the root.
  const iface = (c: Cgroup) => withInterface(c, c.kind === 'system' ? 'ens5' : 'eth0');
  const netRx = (c: Cgroup): number | null => {
    if (c.kind === 'pause' && c.pod!.rx) return Math.floor(c.pod!.rx.total(c.pod!.start, c.ts / 1000));
    if (c.root === true) return Math.floor(model.nodeTraffic(n, c.ts / 1000).rx);
    return null;
  };
  const netTx = (c: Cgroup): number | null => {
    if (c.kind === 'pause' && c.pod!.tx) return Math.floor(c.pod!.tx.total(c.pod!.start, c.ts / 1000));
    if (c.root === true) return Math.floor(model.nodeTraffic(n, c.ts / 1000).tx);
    return null;
  };
  const rxCache = new Map<Cgroup, number | null>();
  const txCache = new Map<Cgroup, number | null>();
  const rx = (c: Cgroup) => (rxCache.has(c) ? rxCache.get(c)! : (rxCache.set(c, netRx(c)), rxCache.get(c)!));
  const tx = (c: Cgroup) => (txCache.has(c) ? txCache.get(c)! : (txCache.set(c, netTx(c)), txCache.get(c)!));
  const zeroIfNet = (v: number | null) => (v === null ? null : 0);
  fam('container_network_receive_bytes_total', 'counter', 'Cumulative count of bytes received', rx, iface);
  fam('container_network_receive_errors_total', 'counter', 'Cumulative count of errors encountered while receiving', (c) => zeroIfNet(rx(c)), iface);
  fam('container_network_receive_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while receiving', (c) => zeroIfNet(rx(c)), iface);
  fam('container_network_receive_packets_total', 'counter', 'Cumulative count of packets received', (c) => (rx(c) === null ? null : Math.floor(rx(c)! / 760)), iface);
  fam('container_network_transmit_bytes_total', 'counter', 'Cumulative count of bytes transmitted', tx, iface);
  fam('container_network_transmit_errors_total', 'counter', 'Cumulative count of errors encountered while transmitting', (c) => zeroIfNet(tx(c)), iface);
  fam('container_network_transmit_packets_dropped_total', 'counter', 'Cumulative count of packets dropped while transmitting', (c) => zeroIfNet(tx(c)), iface);
  fam('container_network_transmit_packets_total', 'counter', 'Cumulative count of packets transmitted', (c) => (tx(c) === null ? null : Math.floor(tx(c)! / 700)), iface);
  // cgroup v2's memory.events oom_kill: the pod cgroup outlives the killed container, and counts it.
  fam('container_oom_events_total', 'counter', 'Count of out of memory events observed for the container', (c) =>
    c.kind === 'pod' ? model.oomKills(c.podObj!) : c.root === true ? pods.reduce((s, p) => s + model.oomKills(p), 0) : 0,
  );
  fam('container_processes', 'gauge', 'Number of processes running inside the container.', (c) => (c.kind === 'container' ? 1 : c.kind === 'pause' ? 1 : null));
  w.family('container_scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise').sample('container_scrape_error', '', 0);
  fam('container_sockets', 'gauge', 'Number of open sockets for the container.', (c) => (c.kind === 'container' ? 2 + (c.container!.threads % 7) : c.kind === 'pause' ? 0 : null));
  fam('container_spec_cpu_period', 'gauge', 'CPU period of the container.', (c) => (c.kind === 'system' ? null : 100000));
  fam('container_spec_cpu_quota', 'gauge', 'CPU quota of the container.', (c) => (limited(c) ? Math.round(c.container!.cpuLimit! * 100000) : null));
  fam('container_spec_cpu_shares', 'gauge', 'CPU share of the container.', (c) =>
    c.kind === 'container' ? Math.max(2, Math.round((c.container!.cpuRequest * 1024 * 1000) / 1000)) : c.kind === 'pause' ? 2 : c.kind === 'pod' ? Math.max(2, Math.round([...c.pod!.containers.values()].reduce((s, x) => s + x.cpuRequest, 0) * 1024)) : null,
  );
  fam('container_spec_memory_limit_bytes', 'gauge', 'Memory limit for the container.', (c) => (c.kind === 'container' ? (c.container!.memLimit ?? 0) : c.kind === 'system' ? null : 0));
  fam('container_spec_memory_reservation_limit_bytes', 'gauge', 'Memory reservation limit for the container.', (c) => (c.kind === 'system' ? null : 0));
  fam('container_spec_memory_swap_limit_bytes', 'gauge', 'Memory swap limit for the container.', (c) => (c.kind === 'container' ? (c.container!.memLimit ?? 0) : c.kind === 'system' ? null : 0));
  fam('container_start_time_seconds', 'gauge', 'Start time of the container since unix epoch in seconds.', (c) => Math.floor(c.start * 1e3) / 1e3);
  fam('container_threads', 'gauge', 'Number of threads running inside the container', (c) => (c.kind === 'container' ? c.container!.threads : c.kind === 'pause' ? 1 : null));
  fam('container_threads_max', 'gauge', 'Maximum number of threads allowed inside the container, infinity if value is zero', (c) => (c.kind === 'system' ? null : 0));

  w.family('machine_cpu_cores', 'gauge', 'Number of logical CPU cores.').sample('machine_cpu_cores', machineLabels, n.cores);
  w.family('machine_cpu_physical_cores', 'gauge', 'Number of physical CPU cores.').sample('machine_cpu_physical_cores', machineLabels, Math.max(1, n.cores / 2));
  w.family('machine_cpu_sockets', 'gauge', 'Number of CPU sockets.').sample('machine_cpu_sockets', machineLabels, 1);
  w.family('machine_memory_bytes', 'gauge', 'Amount of memory installed on the machine.').sample('machine_memory_bytes', machineLabels, n.memBytes);
  w.family('machine_scrape_error', 'gauge', '1 if there was an error while getting machine metrics, 0 otherwise.').sample('machine_scrape_error', '', 0);
  return w.text();
}

/** kubelet /metrics/resource (the summary API metrics-server reads) at t. */
export function renderResourceMetrics(model: MetricsModel, node: Node, t: number, format: Format): string {
  const n = model.node(node);
  const tMs = Math.floor(t * 1000);
  const w = new MetricWriter(format);
  const pods = model.podsOn(n.name);
  interface Row { labels: string; cpu: number; mem: number; ts: number; start: number }
  const containers: Row[] = [];
  const podRows: Row[] = [];
  for (const p of pods) {
    const m = model.pod(p);
    const podTs = sampleTime(m.key, tMs);
    podRows.push({ labels: labelBlock([['namespace', m.namespace], ['pod', m.name]]), cpu: model.podCpu(m, podTs / 1000), mem: model.podMemory(m, podTs / 1000), ts: podTs, start: m.start });
    for (const cs of p.status.containerStatuses ?? []) {
      const started = model.containerStart(p, cs.name);
      const c = m.containers.get(cs.name);
      if (started === null || !c) continue;
      const ts = sampleTime(c.key, tMs);
      if (ts / 1000 < started) continue;
      containers.push({ labels: labelBlock([['container', cs.name], ['namespace', m.namespace], ['pod', m.name]]), cpu: c.cpu.total(started, ts / 1000), mem: model.containerMemory(c, ts / 1000), ts, start: started });
    }
  }
  containers.sort((a, b) => (a.labels < b.labels ? -1 : 1));
  podRows.sort((a, b) => (a.labels < b.labels ? -1 : 1));
  w.family('container_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the container in core-seconds');
  for (const r of containers) w.sample('container_cpu_usage_seconds_total', r.labels, Math.floor(r.cpu * 1e6) / 1e6, r.ts);
  w.family('container_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the container in bytes');
  for (const r of containers) w.sample('container_memory_working_set_bytes', r.labels, r.mem, r.ts);
  w.family('container_start_time_seconds', 'gauge', '[STABLE] Start time of the container since unix epoch in seconds');
  for (const r of containers) w.sample('container_start_time_seconds', r.labels, Math.floor(r.start), r.ts);
  w.family('container_swap_usage_bytes', 'gauge', '[ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems');
  for (const r of containers) w.sample('container_swap_usage_bytes', r.labels, 0, r.ts);
  const rootTs = sampleTime(n.key, tMs);
  w.family('node_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the node in core-seconds').sample('node_cpu_usage_seconds_total', '', Math.floor(model.nodeBusy(n, rootTs / 1000) * 1e6) / 1e6, rootTs);
  w.family('node_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the node in bytes').sample('node_memory_working_set_bytes', '', model.nodeMemory(n, rootTs / 1000).workingSet, rootTs);
  w.family('node_swap_usage_bytes', 'gauge', '[ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems').sample('node_swap_usage_bytes', '', 0, rootTs);
  w.family('pod_cpu_usage_seconds_total', 'counter', '[STABLE] Cumulative cpu time consumed by the pod in core-seconds');
  for (const r of podRows) w.sample('pod_cpu_usage_seconds_total', r.labels, Math.floor(r.cpu * 1e6) / 1e6, r.ts);
  w.family('pod_memory_working_set_bytes', 'gauge', '[STABLE] Current working set of the pod in bytes');
  for (const r of podRows) w.sample('pod_memory_working_set_bytes', r.labels, r.mem, r.ts);
  w.family('pod_swap_usage_bytes', 'gauge', '[ALPHA] Current amount of the pod swap usage in bytes. Reported only on non-windows systems');
  for (const r of podRows) w.sample('pod_swap_usage_bytes', r.labels, 0, r.ts);
  w.family('resource_scrape_error', 'gauge', '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise').sample('resource_scrape_error', '', 0);
  return w.text();
}

/** The claims some pods mount (the Redis archetype keeps its data on one). */
export function volumeClaims(p: Pod): { claim: string; capacity: number; key: number }[] {
  if (!p.spec.containers.some((c) => c.image.startsWith('redis:'))) return [];
  const app = p.metadata.labels?.app ?? p.metadata.name;
  const key = hashString(`pvc/${p.metadata.namespace}/${app}`);
  return [{ claim: `${app}-data`, capacity: [8, 10, 20, 50][Math.floor(unit(key, 1) * 4)]! * 1024 ** 3, key }];
}

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** kubelet /metrics (its own metrics, from component-base) at t. */
export function renderKubeletMetrics(model: MetricsModel, node: Node, t: number, format: Format, apiServerHost: string): string {
  const n = model.node(node);
  const w = new MetricWriter(format);
  const pods = model.podsOn(n.name);
  const up = Math.max(1, t - n.boot - 30);
  const k = n.key;
  const all = model.cluster.store.list('pods').filter((p) => (p as Pod).spec.nodeName === n.name) as Pod[];
  const isStatic = (p: Pod) => p.metadata.annotations?.['kubernetes.io/config.source'] === 'file';
  let running = 0;
  let waiting = 0;
  let exited = 0;
  for (const p of pods) {
    for (const cs of p.status.containerStatuses ?? []) {
      if (cs.state.running) running++;
      else if (cs.state.waiting) waiting++;
      if (cs.lastState?.terminated) exited++;
    }
  }
  const one = (name: string, type: 'gauge' | 'counter', help: string, v: number, labels = '') => w.family(name, type, help).sample(name, labels, v);
  one('go_goroutines', 'gauge', 'Number of goroutines that currently exist.', 380 + pods.length * 9);
  one('go_info', 'gauge', 'Information about the Go environment.', 1, '{version="go1.23.8"}');
  one('go_threads', 'gauge', 'Number of OS threads created.', 18 + Math.min(n.cores, 16));
  w.family('kubelet_active_pods', 'gauge', '[ALPHA] The number of pods the kubelet considers active and which are being considered when admitting new pods. static is true if the pod is not from the apiserver.');
  w.sample('kubelet_active_pods', '{static=""}', pods.filter((p) => !isStatic(p)).length);
  w.sample('kubelet_active_pods', '{static="true"}', pods.filter(isStatic).length);
  w.family('kubelet_desired_pods', 'gauge', '[ALPHA] The number of pods the kubelet is being instructed to run. static is true if the pod is not from the apiserver.');
  w.sample('kubelet_desired_pods', '{static=""}', all.filter((p) => !isStatic(p)).length);
  w.sample('kubelet_desired_pods', '{static="true"}', all.filter(isStatic).length);
  one('kubelet_node_name', 'gauge', "[ALPHA] The node's name. The count is always 1.", 1, `{node="${n.name}"}`);
  w.family('kubelet_pleg_relist_duration_seconds', 'histogram', '[ALPHA] Duration in seconds for relisting pods in PLEG.');
  const relists = Math.floor(up);
  const fracs = [0.02, 0.12, 0.61, 0.93, 0.995, 0.9995, 1, 1, 1, 1, 1];
  BUCKETS.forEach((b, i) => w.sample('kubelet_pleg_relist_duration_seconds_bucket', `{le="${b}"}`, Math.floor(relists * fracs[i]!)));
  w.sample('kubelet_pleg_relist_duration_seconds_bucket', '{le="+Inf"}', relists);
  w.sample('kubelet_pleg_relist_duration_seconds_sum', '', Math.floor(relists * 0.0214 * 1000) / 1000);
  w.sample('kubelet_pleg_relist_duration_seconds_count', '', relists);
  w.family('kubelet_running_containers', 'gauge', '[ALPHA] Number of containers currently running');
  w.sample('kubelet_running_containers', '{container_state="created"}', waiting);
  w.sample('kubelet_running_containers', '{container_state="exited"}', exited);
  w.sample('kubelet_running_containers', '{container_state="running"}', running);
  one('kubelet_running_pods', 'gauge', '[ALPHA] Number of pods that have a running pod sandbox', pods.length);
  w.family('kubelet_runtime_operations_total', 'counter', '[ALPHA] Cumulative number of runtime operations by operation type.');
  const ops: [string, number][] = [
    ['container_status', 0.9],
    ['exec_sync', 0.01],
    ['image_status', 0.02],
    ['list_containers', 1.05],
    ['list_podsandbox', 1.02],
    ['podsandbox_status', 0.3 + 0.05 * pods.length],
    ['status', 0.2],
    ['version', 0.1],
  ];
  for (const [op, perSec] of ops) w.sample('kubelet_runtime_operations_total', `{operation_type="${op}"}`, Math.floor(up * perSec));
  w.family('kubelet_started_containers_total', 'counter', '[ALPHA] Cumulative number of containers started');
  const restarts = pods.reduce((s, p) => s + (p.status.containerStatuses ?? []).reduce((a, c) => a + c.restartCount, 0), 0);
  w.sample('kubelet_started_containers_total', '{container_type="container"}', pods.reduce((s, p) => s + p.spec.containers.length, 0) + restarts);
  w.sample('kubelet_started_containers_total', '{container_type="podsandbox"}', pods.length);
  one('kubelet_started_pods_total', 'counter', '[ALPHA] Cumulative number of pods started', pods.length);
  const claims = pods.flatMap((p) => volumeClaims(p).map((c) => ({ ...c, ns: p.metadata.namespace! })));
  const vol = (name: string, help: string, get: (c: (typeof claims)[number], used: number) => number) => {
    if (claims.length === 0) return;
    w.family(name, 'gauge', help);
    for (const c of claims) {
      const used = Math.round((c.capacity * Math.min(0.97, gauge({ key: c.key, mean: draw(c.key, 2, 0.2, 0.7), wander: 0.08 }, t))) / 4096) * 4096;
      w.sample(name, labelBlock([['namespace', c.ns], ['persistentvolumeclaim', c.claim]]), get(c, used));
    }
  };
  vol('kubelet_volume_stats_available_bytes', '[ALPHA] Number of available bytes in the volume', (c, used) => c.capacity - used - Math.round(c.capacity * 0.05));
  vol('kubelet_volume_stats_capacity_bytes', '[ALPHA] Capacity in bytes of the volume', (c) => c.capacity);
  vol('kubelet_volume_stats_inodes', '[ALPHA] Maximum number of inodes in the volume', (c) => Math.floor(c.capacity / 16384));
  vol('kubelet_volume_stats_inodes_free', '[ALPHA] Number of free inodes in the volume', (c) => Math.floor(c.capacity / 16384) - 24);
  vol('kubelet_volume_stats_inodes_used', '[ALPHA] Number of used inodes in the volume', () => 24);
  vol('kubelet_volume_stats_used_bytes', '[ALPHA] Number of used bytes in the volume', (_c, used) => used);
  one(
    'kubernetes_build_info',
    'gauge',
    '[ALPHA] A metric with a constant \'1\' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.',
    1,
    sortedLabels({ build_date: '2025-04-22T16:00:27Z', compiler: 'gc', git_commit: 'c9092f69fc0c099062dd23cd6ee226bcd52ec790', git_tree_state: 'clean', git_version: node.status.nodeInfo.kubeletVersion ?? KUBERNETES_VERSION, go_version: 'go1.23.8', major: '1', minor: '32', platform: 'linux/amd64' }),
  );
  const kubeletStart = n.boot + 25;
  one('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', Math.floor(n.sysCpu.total(kubeletStart, t) * 0.38 * 100) / 100);
  one('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', 1048576);
  one('process_open_fds', 'gauge', 'Number of open file descriptors.', 40 + pods.length * 3);
  one('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', Math.round(gauge({ key: subKey(k, 70), mean: 7.5e7 + pods.length * 1.1e6, wander: 0.06 }, t) / 4096) * 4096);
  one('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', Math.floor(kubeletStart * 100) / 100);
  one('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', 2.5e9 + pods.length * 1.2e7);
  w.family('rest_client_requests_total', 'counter', '[ALPHA] Number of HTTP requests, partitioned by status code, method, and host.');
  const rc = (code: string, method: string, perSec: number) => w.sample('rest_client_requests_total', sortedLabels({ code, host: apiServerHost, method }), Math.floor(up * perSec));
  rc('200', 'GET', 0.35 + 0.01 * pods.length);
  rc('200', 'PATCH', 0.02 + 0.002 * pods.length);
  rc('200', 'PUT', 0.1);
  rc('201', 'POST', 0.003);
  rc('404', 'GET', 0.0004);
  rc('409', 'PUT', 0.00005);
  return w.text();
}

/** kubelet /metrics/probes: prober_probe_total per probed container and result. */
export function renderProbeMetrics(model: MetricsModel, node: Node, t: number, format: Format): string {
  const n = model.node(node);
  const w = new MetricWriter(format);
  w.family('prober_probe_total', 'counter', '[ALPHA] Cumulative number of a liveness, readiness or startup probe for a container by result.');
  for (const p of model.podsOn(n.name)) {
    for (const c of p.spec.containers) {
      const started = model.containerStart(p, c.name);
      const cs = (p.status.containerStatuses ?? []).find((x) => x.name === c.name);
      for (const [field, type] of [['livenessProbe', 'Liveness'], ['readinessProbe', 'Readiness']] as const) {
        const probe = c[field] as { periodSeconds?: number } | undefined;
        if (!probe || started === null) continue;
        // The kubelet keeps these per pod and container name, across restarts: count from the pod's start.
        const podStart = model.pod(p).start;
        const count = Math.floor(Math.max(0, t - podStart) / (probe.periodSeconds ?? 10));
        const failed = 3 * (cs?.restartCount ?? 0);
        for (const [result, v] of [['failed', failed], ['successful', count], ['unknown', 0]] as const) {
          w.sample('prober_probe_total', sortedLabels({ container: c.name, namespace: p.metadata.namespace!, pod: p.metadata.name, pod_uid: p.metadata.uid, probe_type: type, result }), v);
        }
      }
    }
  }
  return w.text();
}

export { PAUSE_IMAGE };
