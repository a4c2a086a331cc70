// The other things that answer HTTP in the demo cluster: NVIDIA's DCGM exporter on the GPU
// nodes, the `ping` example app (a Go program with client_golang's default handler, so text
// format only), and what every other declared container port answers (a health check and 404s).
import { MetricWriter, type Format } from './metrics-text.js';
import type { MetricsModel } from './model.js';
import { sortedLabels } from './node-exporter.js';
import { draw, gauge, hashString, Rate, subKey } from './signals.js';
import type { Node, Pod } from '../kube/objects.js';

const DRIVER_VERSION = '550.127.05';

interface Gpu {
  index: number;
  uuid: string;
  busId: string;
  key: number;
  pod?: Pod;
}

function gpusOf(model: MetricsModel, node: Node): Gpu[] {
  const n = model.node(node);
  const users = model.podsOn(n.name).filter((p) => p.spec.containers.some((c) => Number(c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'] ?? 0) > 0));
  const gpus: Gpu[] = [];
  for (let i = 0; i < n.gpus; i++) {
    const key = hashString(`gpu/${n.name}/${i}`, model.seedKey);
    const h = (j: number) => subKey(key, j).toString(16).padStart(8, '0');
    const uuid = `GPU-${h(1)}-${h(2).slice(0, 4)}-${h(3).slice(0, 4)}-${h(4).slice(0, 4)}-${h(5)}${h(6).slice(0, 4)}`;
    gpus.push({ index: i, uuid, busId: `00000000:00:${(0x1b + i).toString(16).toUpperCase().padStart(2, '0')}.0`, key, ...(users[i] ? { pod: users[i] } : {}) });
  }
  return gpus;
}

/** dcgm-exporter 3.3's /metrics for a GPU node at t. */
export function renderDcgm(model: MetricsModel, node: Node, t: number, format: Format): string {
  const gpus = gpusOf(model, node);
  const w = new MetricWriter(format);
  const labels = gpus.map((g) => {
    // dcgm-exporter writes its labels in its own order, not sorted.
    let s = `{gpu="${g.index}",UUID="${g.uuid}",pci_bus_id="${g.busId}",device="nvidia${g.index}",modelName="NVIDIA A10G",Hostname="${node.metadata.name}",DCGM_FI_DRIVER_VERSION="${DRIVER_VERSION}"`;
    if (g.pod) s += `,container="${g.pod.spec.containers[0]!.name}",namespace="${g.pod.metadata.namespace}",pod="${g.pod.metadata.name}"`;
    return `${s}}`;
  });
  const boot = model.node(node).boot;
  const util = gpus.map((g) => (g.pod ? gauge({ key: subKey(g.key, 10), mean: draw(g.key, 11, 45, 80), wander: 0.35, daily: 0.3, min: 0, max: 100 }, t) : 0));
  const power = gpus.map((g) => new Rate(subKey(g.key, 12), g.pod ? draw(g.key, 13, 120, 190) : 27, { daily: g.pod ? 0.3 : 0.02, jitter: g.pod ? 0.35 : 0.05 }));
  const fam = (name: string, type: 'gauge' | 'counter', help: string, value: (i: number) => number) => {
    w.family(name, type, help);
    gpus.forEach((_, i) => w.sample(name, labels[i]!, value(i)));
  };
  fam('DCGM_FI_DEV_SM_CLOCK', 'gauge', 'SM clock frequency (in MHz).', (i) => (util[i]! > 0 ? 1710 : 210));
  fam('DCGM_FI_DEV_MEM_CLOCK', 'gauge', 'Memory clock frequency (in MHz).', (i) => (util[i]! > 0 ? 6250 : 405));
  fam('DCGM_FI_DEV_MEMORY_TEMP', 'gauge', 'Memory temperature (in C).', () => 0);
  fam('DCGM_FI_DEV_GPU_TEMP', 'gauge', 'GPU temperature (in C).', (i) => Math.round(27 + util[i]! * 0.38 + gauge({ key: subKey(gpus[i]!.key, 14), mean: 3, wander: 1 }, t)));
  fam('DCGM_FI_DEV_POWER_USAGE', 'gauge', 'Power draw (in W).', (i) => Math.round(power[i]!.at(t) * 1000) / 1000);
  fam('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'counter', 'Total energy consumption since boot (in mJ).', (i) => Math.floor(power[i]!.total(boot, t) * 1000));
  fam('DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'counter', 'Total number of PCIe retries.', () => 0);
  fam('DCGM_FI_DEV_GPU_UTIL', 'gauge', 'GPU utilization (in %).', (i) => Math.round(util[i]!));
  fam('DCGM_FI_DEV_MEM_COPY_UTIL', 'gauge', 'Memory utilization (in %).', (i) => Math.round(util[i]! * 0.42));
  fam('DCGM_FI_DEV_ENC_UTIL', 'gauge', 'Encoder utilization (in %).', () => 0);
  fam('DCGM_FI_DEV_DEC_UTIL', 'gauge', 'Decoder utilization (in %).', () => 0);
  fam('DCGM_FI_DEV_XID_ERRORS', 'gauge', 'Value of the last XID error encountered.', () => 0);
  const fbTotal = 22_731;
  const fbUsed = (i: number) => (gpus[i]!.pod ? Math.round(gauge({ key: subKey(gpus[i]!.key, 15), mean: draw(gpus[i]!.key, 16, 13_000, 19_500), wander: 0.04, max: fbTotal - 200 }, t)) : 0);
  fam('DCGM_FI_DEV_FB_FREE', 'gauge', 'Framebuffer memory free (in MiB).', (i) => fbTotal - fbUsed(i));
  fam('DCGM_FI_DEV_FB_USED', 'gauge', 'Framebuffer memory used (in MiB).', fbUsed);
  fam('DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', 'counter', 'Total number of NVLink bandwidth counters for all lanes.', () => 0);
  fam('DCGM_FI_DEV_VGPU_LICENSE_STATUS', 'gauge', 'vGPU License status', () => 0);
  fam('DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'gauge', 'Ratio of time the graphics engine is active (in %).', (i) => Math.round((util[i]! / 100) * 0.93 * 1e6) / 1e6);
  fam('DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', 'gauge', 'Ratio of cycles the tensor (HMMA) pipe is active (in %).', (i) => Math.round((util[i]! / 100) * 0.31 * 1e6) / 1e6);
  fam('DCGM_FI_PROF_DRAM_ACTIVE', 'gauge', 'Ratio of cycles the device memory interface is active sending or receiving data (in %).', (i) => Math.round((util[i]! / 100) * 0.44 * 1e6) / 1e6);
  return w.text();
}

/** The GPU nodes' GPUs and who uses them, for tests and kube-state-metrics-like joins. */
export function gpuAssignments(model: MetricsModel, node: Node): { gpu: number; uuid: string; pod?: string }[] {
  return gpusOf(model, node).map((g) => ({ gpu: g.index, uuid: g.uuid, ...(g.pod ? { pod: `${g.pod.metadata.namespace}/${g.pod.metadata.name}` } : {}) }));
}

/** Requests per second the ping app's Ping handler serves from its steady traffic. */
export const PING_RATE = 0.5;

/** The ping app's count at t: its steady traffic since the container started, plus requests answered. */
export function pingCount(model: MetricsModel, pod: Pod, t: number): number {
  const started = model.containerStart(pod, pod.spec.containers[0]!.name);
  if (started === null) return 0;
  const key = hashString(`ping/${pod.metadata.uid}`, model.seedKey);
  const steady = new Rate(key, PING_RATE, { daily: 0.1, jitter: 0.3 }).total(started, t);
  return Math.floor(steady) + (model.extraPings.get(`${pod.metadata.uid}/${started}`) ?? 0);
}

/** Counts a GET /ping the app answered (through port-forward or the API server's proxy). */
export function countPing(model: MetricsModel, pod: Pod): void {
  const started = model.containerStart(pod, pod.spec.containers[0]!.name);
  if (started === null) return;
  const k = `${pod.metadata.uid}/${started}`;
  model.extraPings.set(k, (model.extraPings.get(k) ?? 0) + 1);
}

/** The ping app's /metrics: client_golang's default registry plus its counter. */
export function renderPing(model: MetricsModel, pod: Pod, t: number, scrapes: number): string {
  const w = new MetricWriter('text');
  const key = hashString(`ping/${pod.metadata.uid}`, model.seedKey);
  const started = model.containerStart(pod, pod.spec.containers[0]!.name) ?? t;
  const up = Math.max(0, t - started);
  w.family('go_gc_duration_seconds', 'summary', 'A summary of the pause duration of garbage collection cycles.');
  for (const [q, v] of [['0', 2.1e-5], ['0.25', 3.3e-5], ['0.5', 4.6e-5], ['0.75', 6.2e-5], ['1', 0.00041]] as const) w.sample('go_gc_duration_seconds', `{quantile="${q}"}`, v);
  const gcs = Math.floor(up / 120);
  w.sample('go_gc_duration_seconds_sum', '', Math.round(gcs * 5.1e-5 * 1e9) / 1e9);
  w.sample('go_gc_duration_seconds_count', '', gcs);
  w.family('go_goroutines', 'gauge', 'Number of goroutines that currently exist.').sample('go_goroutines', '', 9);
  w.family('go_info', 'gauge', 'Information about the Go environment.').sample('go_info', '{version="go1.23.4"}', 1);
  w.family('go_memstats_alloc_bytes', 'gauge', 'Number of bytes allocated and still in use.').sample('go_memstats_alloc_bytes', '', Math.round(gauge({ key: subKey(key, 1), mean: 1.9e6, wander: 0.4 }, t)));
  w.family('go_threads', 'gauge', 'Number of OS threads created.').sample('go_threads', '', 7);
  w.family('ping_request_count', 'counter', 'No of request handled by Ping handler').sample('ping_request_count', '', pingCount(model, pod, t));
  w.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.').sample('process_cpu_seconds_total', '', Math.floor(up * 0.0011 * 100) / 100);
  w.family('process_max_fds', 'gauge', 'Maximum number of open file descriptors.').sample('process_max_fds', '', 1048576);
  w.family('process_open_fds', 'gauge', 'Number of open file descriptors.').sample('process_open_fds', '', 10);
  w.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.').sample('process_resident_memory_bytes', '', Math.round(gauge({ key: subKey(key, 2), mean: 1.2e7, wander: 0.1 }, t) / 4096) * 4096);
  w.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.').sample('process_start_time_seconds', '', Math.floor(started * 100) / 100);
  w.family('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.').sample('process_virtual_memory_bytes', '', 1.258205184e9);
  w.family('process_virtual_memory_max_bytes', 'gauge', 'Maximum amount of virtual memory available in bytes.').sample('process_virtual_memory_max_bytes', '', 1.8446744073709552e19);
  w.family('promhttp_metric_handler_requests_in_flight', 'gauge', 'Current number of scrapes being served.').sample('promhttp_metric_handler_requests_in_flight', '', 1);
  w.family('promhttp_metric_handler_requests_total', 'counter', 'Total number of scrapes by HTTP status code.');
  w.sample('promhttp_metric_handler_requests_total', sortedLabels({ code: '200' }), scrapes);
  w.sample('promhttp_metric_handler_requests_total', sortedLabels({ code: '500' }), 0);
  w.sample('promhttp_metric_handler_requests_total', sortedLabels({ code: '503' }), 0);
  return w.text();
}
