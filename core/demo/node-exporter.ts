// node_exporter 1.8.2 (the image the DaemonSet runs) on a simulated node: the metric families,
// help texts, types and label sets of the real collectors that kube-prometheus's rules and the
// node dashboards query, with values from the node model (cores, memory, disks, interfaces and
// what the node's pods use). Families come out sorted by name and labels sorted by name, as
// client_golang's registry writes them.
import { KERNELS } from './catalog.js';
import { labelBlock, MetricWriter, type ExpositionType, type Format } from './metrics-text.js';
import type { MetricsModel, NodeModel } from './model.js';
import { draw, gauge, hashString, Rate, subKey } from './signals.js';
import type { Node, Pod } from '../kube/objects.js';

export const NODE_EXPORTER_VERSION = '1.8.2';
const GO_VERSION = 'go1.22.5';

/** Label block with names sorted, as client_golang writes const metrics. */
export function sortedLabels(labels: Record<string, string>): string {
  return labelBlock(Object.keys(labels).sort().map((k) => [k, labels[k]!] as const));
}

const CPU_MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'] as const;
const BUSY_SHARES: Record<string, number> = { irq: 0, nice: 0.006, softirq: 0.032, steal: 0.008, system: 0.234, user: 0.72 };
const cpuLabelCache: string[][] = [];

function cpuLabels(cpu: number): string[] {
  let row = cpuLabelCache[cpu];
  if (!row) {
    row = CPU_MODES.map((m) => `{cpu="${cpu}",mode="${m}"}`);
    cpuLabelCache[cpu] = row;
  }
  return row;
}

interface Iface {
  device: string;
  rx: number;
  tx: number;
  mtu: number;
  address: string;
  up: boolean;
  /** Average packet sizes. */
  rxPkt: number;
  txPkt: number;
  errsPerGB: number;
}

const OS_RELEASE: Record<string, Record<string, string>> = {
  'Ubuntu 22.04.5 LTS': { id: 'ubuntu', id_like: 'debian', name: 'Ubuntu', pretty_name: 'Ubuntu 22.04.5 LTS', version: '22.04.5 LTS (Jammy Jellyfish)', version_codename: 'jammy', version_id: '22.04' },
  'Ubuntu 24.04.1 LTS': { id: 'ubuntu', id_like: 'debian', name: 'Ubuntu', pretty_name: 'Ubuntu 24.04.1 LTS', version: '24.04.1 LTS (Noble Numbat)', version_codename: 'noble', version_id: '24.04' },
};

const UNAME_VERSION: Record<string, string> = {
  '6.8.0-1021-aws': '#23~22.04.1-Ubuntu SMP Tue Dec 10 16:50:46 UTC 2024',
  '6.8.0-1019-aws': '#21-Ubuntu SMP Wed Nov  6 21:21:49 UTC 2024',
};

function mac(key: number): string {
  const b = [0x02, ...Array.from({ length: 5 }, (_, i) => subKey(key, 200 + i) & 255)];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Per-target state a real exporter keeps in its own registry: scrapes answered so far. */
const scrapes = new WeakMap<NodeModel, number>();

export function nodeExporterScrapes(n: NodeModel): number {
  return scrapes.get(n) ?? 0;
}

/**
 * The node's exposition at time t (seconds). `node` is the API object (its name, kernel, OS),
 * `exporterPod` the node-exporter pod (its own process metrics), if any.
 */
export function renderNodeExporter(model: MetricsModel, node: Node, t: number, format: Format, exporterPod?: Pod): string {
  const n = model.node(node);
  const served = (scrapes.get(n) ?? 0) + 1;
  scrapes.set(n, served);
  const w = new MetricWriter(format);
  const pods = model.podsOn(n.name);
  const podModels = pods.map((p) => model.pod(p));
  const up = t - n.boot;
  const busy = model.nodeBusy(n, t);
  const busyRate = model.nodeBusyRate(n, t);
  const mem = model.nodeMemory(n, t);
  const k = n.key;
  const fam = (name: string, type: ExpositionType, help: string) => w.family(name, type, help);
  const one = (name: string, type: ExpositionType, help: string, value: number, labels = '') => w.family(name, type, help).sample(name, labels, value);

  // ---- network interfaces: the primary ENI, loopback, and one veth per pod on the pod network
  const traffic = model.nodeTraffic(n, t);
  const ifaces: Iface[] = [
    { device: 'ens5', rx: traffic.rx, tx: traffic.tx, mtu: 9001, address: mac(k), up: true, rxPkt: 820, txPkt: 640, errsPerGB: 0 },
    { device: 'lo', rx: n.loRx.total(n.boot, t), tx: n.loRx.total(n.boot, t), mtu: 65536, address: '00:00:00:00:00:00', up: false, rxPkt: 1400, txPkt: 1400, errsPerGB: 0 },
  ];
  for (const m of podModels) {
    if (!m.rx || !m.tx) continue;
    // The host end of the pair: it receives what the pod sends.
    ifaces.push({ device: `veth${m.sandboxId.slice(0, 8)}`, rx: m.tx.total(m.start, t), tx: m.rx.total(m.start, t), mtu: 9001, address: mac(m.key), up: true, rxPkt: 700, txPkt: 760, errsPerGB: 0 });
  }
  ifaces.sort((a, b) => (a.device < b.device ? -1 : 1));
  const tcpOut = Math.floor(traffic.tx / 640);
  const tcpIn = Math.floor(traffic.rx / 820);
  const estab = Math.round(40 + 6 * pods.length + gauge({ key: subKey(k, 40), mean: 20, wander: 1 }, t));
  const cores = n.cores;

  // go_* and process_* of the exporter itself.
  const procStart = exporterPod ? (model.containerStart(exporterPod, 'node-exporter') ?? n.boot + 60) : n.boot + 60;
  const procCpu = new Rate(subKey(k, 60), 0.004 + 0.0008 * cores, { daily: 0.1, jitter: 0.5 });
  const gcCount = Math.floor(Math.max(0, t - procStart) / 97);
  fam('go_gc_duration_seconds', 'summary', 'A summary of the pause duration of garbage collection cycles.');
  const gcq = [0.000021, 0.000034, 0.000041, 0.000057, 0.00093];
  ['0', '0.25', '0.5', '0.75', '1'].forEach((q, i) => w.sample('go_gc_duration_seconds', `{quantile="${q}"}`, gcq[i]! * draw(k, 61 + i, 0.8, 1.25)));
  w.sample('go_gc_duration_seconds_sum', '', gcCount * 0.000052);
  w.sample('go_gc_duration_seconds_count', '', gcCount);
  one('go_goroutines', 'gauge', 'Number of goroutines that currently exist.', 7 + Math.round(draw(k, 66, 0, 3)));
  one('go_info', 'gauge', 'Information about the Go environment.', 1, `{version="${GO_VERSION}"}`);
  one('go_memstats_alloc_bytes', 'gauge', 'Number of bytes allocated and still in use.', Math.round(gauge({ key: subKey(k, 67), mean: 2.6e6, wander: 0.4 }, t)));
  one('go_memstats_heap_inuse_bytes', 'gauge', 'Number of heap bytes that are in use.', Math.round(gauge({ key: subKey(k, 67), mean: 3.9e6, wander: 0.3 }, t) / 8192) * 8192);
  one('go_memstats_sys_bytes', 'gauge', 'Number of bytes obtained from system.', 1.4370056e7);
  one('go_threads', 'gauge', 'Number of OS threads created.', 5 + Math.min(cores, 8));

  one('node_arp_entries', 'gauge', 'ARP entries by device', 2 + Math.min(20, pods.length), '{device="ens5"}');
  one('node_boot_time_seconds', 'gauge', 'Node boot time, in unixtime.', n.boot);
  one('node_context_switches_total', 'counter', 'Total number of context switches.', Math.floor(1200 * up + 5200 * busy));

  fam('node_cpu_seconds_total', 'counter', 'Seconds the CPUs spent in each mode.');
  for (let c = 0; c < cores; c++) {
    const share = n.cpuShare[c]!;
    const b = busy * share;
    const io = n.iowait.total(n.boot, t) * (0.6 + 0.8 * share * cores) * 0.5;
    const labels = cpuLabels(c);
    const ticks = (v: number) => Math.floor(v * 100) / 100;
    w.sample('node_cpu_seconds_total', labels[0]!, ticks(Math.max(0, up - b - io)));
    w.sample('node_cpu_seconds_total', labels[1]!, ticks(io));
    for (let i = 2; i < CPU_MODES.length; i++) w.sample('node_cpu_seconds_total', labels[i]!, ticks(b * BUSY_SHARES[CPU_MODES[i]!]!));
  }

  // ---- the root EBS volume
  const readB = n.diskRead.total(n.boot, t);
  const writeB = n.diskWrite.total(n.boot, t);
  const ioBusy = n.diskBusy.total(n.boot, t);
  const reads = Math.floor(readB / 24576);
  const writes = Math.floor(writeB / 16384);
  const disk = '{device="nvme0n1"}';
  one('node_disk_io_now', 'gauge', 'The number of I/Os currently in progress.', Math.round(Math.max(0, gauge({ key: subKey(k, 41), mean: 0.4, wander: 1.5 }, t))), disk);
  one('node_disk_io_time_seconds_total', 'counter', 'Total seconds spent doing I/Os.', Math.floor(ioBusy * 1000) / 1000, disk);
  one('node_disk_io_time_weighted_seconds_total', 'counter', 'The weighted # of seconds spent doing I/Os.', Math.floor(ioBusy * 1800) / 1000, disk);
  one('node_disk_read_bytes_total', 'counter', 'The total number of bytes read successfully.', reads * 24576, disk);
  one('node_disk_read_time_seconds_total', 'counter', 'The total number of seconds spent by all reads.', Math.floor(reads * 0.62) / 1000, disk);
  one('node_disk_reads_completed_total', 'counter', 'The total number of reads completed successfully.', reads, disk);
  one('node_disk_reads_merged_total', 'counter', 'The total number of reads merged.', Math.floor(reads * 0.07), disk);
  one('node_disk_write_time_seconds_total', 'counter', 'This is the total number of seconds spent by all writes.', Math.floor(writes * 1.4) / 1000, disk);
  one('node_disk_writes_completed_total', 'counter', 'The total number of writes completed successfully.', writes, disk);
  one('node_disk_writes_merged_total', 'counter', 'The number of writes merged.', Math.floor(writes * 0.31), disk);
  one('node_disk_written_bytes_total', 'counter', 'The total number of bytes written successfully.', writes * 16384, disk);

  one('node_entropy_available_bits', 'gauge', 'Bits of available entropy.', 256);
  one(
    'node_exporter_build_info',
    'gauge',
    "A metric with a constant '1' value labeled by version, revision, branch, goversion from which node_exporter was built, and the goos and goarch for the build.",
    1,
    `{branch="HEAD",goarch="amd64",goos="linux",goversion="${GO_VERSION}",revision="f1e0e8360aa60b6cb5e5cc1560bed348fc2c1895",tags="unknown",version="${NODE_EXPORTER_VERSION}"}`,
  );
  one('node_filefd_allocated', 'gauge', 'File descriptor statistics: allocated.', Math.round(1800 + 260 * pods.length + gauge({ key: subKey(k, 42), mean: 300, wander: 1 }, t)));
  // fs.file-max on current kernels: LONG_MAX, as a float64 (9.223372036854776e+18).
  one('node_filefd_maximum', 'gauge', 'File descriptor statistics: maximum.', 2 ** 63);

  // ---- filesystems (the host's, as seen through --path.rootfs)
  const rootUsed = model.rootUsed(n, t);
  const rootSize = n.rootSize;
  const reserved = Math.round((rootSize * 0.05) / 4096) * 4096;
  const rootFree = Math.max(0, rootSize - rootUsed);
  const rootAvail = Math.max(0, rootFree - reserved);
  const runUsed = Math.round((1.2 + 0.02 * pods.length) * 1048576);
  const runSize = Math.round((mem.total * 0.1) / 4096) * 4096;
  interface Fs { device: string; fstype: string; mountpoint: string; size: number; free: number; avail: number; files: number; filesFree: number; ro: number }
  const inodes = Math.floor(rootSize / 16384);
  const filesystems: Fs[] = [
    { device: '/dev/nvme0n1p1', fstype: 'ext4', mountpoint: '/', size: rootSize, free: rootFree, avail: rootAvail, files: inodes, filesFree: Math.floor(inodes * (1 - (rootUsed / rootSize) * 0.45)), ro: 0 },
    { device: '/dev/nvme0n1p15', fstype: 'vfat', mountpoint: '/boot/efi', size: 109422592, free: 103238144, avail: 103238144, files: 0, filesFree: 0, ro: 0 },
    { device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run', size: runSize, free: runSize - runUsed, avail: runSize - runUsed, files: Math.floor(mem.total / 4096 / 10), filesFree: Math.floor(mem.total / 4096 / 10) - 900 - 4 * pods.length, ro: 0 },
    { device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run/lock', size: 5242880, free: 5242880, avail: 5242880, files: Math.floor(mem.total / 4096), filesFree: Math.floor(mem.total / 4096) - 3, ro: 0 },
  ];
  const fsLabels = filesystems.map((f) => `{device="${f.device}",device_error="",fstype="${f.fstype}",mountpoint="${f.mountpoint}"}`);
  const fsFamily = (name: string, help: string, get: (f: Fs) => number) => {
    fam(name, 'gauge', help);
    filesystems.forEach((f, i) => w.sample(name, fsLabels[i]!, get(f)));
  };
  fsFamily('node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.', (f) => f.avail);
  fsFamily('node_filesystem_device_error', 'Whether an error occurred while getting statistics for the given device.', () => 0);
  fsFamily('node_filesystem_files', 'Filesystem total file nodes.', (f) => f.files);
  fsFamily('node_filesystem_files_free', 'Filesystem total free file nodes.', (f) => f.filesFree);
  fsFamily('node_filesystem_free_bytes', 'Filesystem free space in bytes.', (f) => f.free);
  fsFamily('node_filesystem_readonly', 'Filesystem read-only status.', (f) => f.ro);
  fsFamily('node_filesystem_size_bytes', 'Filesystem size in bytes.', (f) => f.size);

  one('node_forks_total', 'counter', 'Total number of forks.', Math.floor(3.1 * up + 900 * busy));
  one('node_intr_total', 'counter', 'Total number of interrupts serviced.', Math.floor(2100 * up + 7600 * busy));

  // Load: runnable threads, roughly the busy cores; the 5 and 15 minute figures average further back.
  const load = (window: number) => {
    const avg = window === 0 ? busyRate : (busy - model.nodeBusy(n, t - window)) / window;
    return Math.round(Math.max(0, avg * 1.12 + gauge({ key: subKey(k, 43 + window), mean: 0.04 * cores, wander: 1, min: 0 }, t)) * 100) / 100;
  };
  one('node_load1', 'gauge', '1m load average.', load(0));
  one('node_load15', 'gauge', '15m load average.', load(900));
  one('node_load5', 'gauge', '5m load average.', load(300));

  // ---- /proc/meminfo
  const anon = mem.pods + mem.system * 0.7;
  const memFields: [string, number][] = [
    ['Active_anon', anon * 0.93],
    ['Active', anon * 0.93 + mem.cached * 0.55],
    ['Active_file', mem.cached * 0.55],
    ['AnonHugePages', 0],
    ['AnonPages', anon],
    ['Buffers', mem.buffers],
    ['Cached', mem.cached],
    ['CommitLimit', mem.total / 2],
    ['Committed_AS', anon * 2.3],
    ['Dirty', gauge({ key: subKey(k, 44), mean: 600_000, wander: 1, min: 0 }, t)],
    ['HugePages_Free', 0],
    ['HugePages_Total', 0],
    ['Hugepagesize', 2097152],
    ['Inactive_anon', anon * 0.07],
    ['Inactive', anon * 0.07 + mem.cached * 0.45],
    ['Inactive_file', mem.cached * 0.45],
    ['KReclaimable', mem.slab * 0.55],
    ['Mapped', mem.cached * 0.18],
    ['MemAvailable', mem.available],
    ['MemFree', mem.free],
    ['MemTotal', mem.total],
    ['PageTables', 2.2e6 + pods.length * 9e5],
    ['SReclaimable', mem.slab * 0.55],
    ['SUnreclaim', mem.slab * 0.45],
    ['Shmem', runUsed + 4e6],
    ['Slab', mem.slab],
    ['SwapCached', 0],
    ['SwapFree', 0],
    ['SwapTotal', 0],
    ['Writeback', 0],
  ];
  for (const [field, value] of memFields) {
    const name = field.startsWith('HugePages_') ? `node_memory_${field}` : `node_memory_${field}_bytes`;
    one(name, 'gauge', `Memory information field ${field.startsWith('HugePages_') ? field : `${field}_bytes`}.`, Math.round(value / 1024) * 1024);
  }

  // ---- /proc/net/netstat and /proc/net/snmp (untyped, as node_exporter exposes them)
  const stat = (name: string, value: number) => one(`node_netstat_${name}`, 'untyped', `Statistic ${name.replace('_', '')}.`, Math.floor(value));
  stat('Icmp_InErrors', up / 5400);
  stat('Icmp_InMsgs', up / 40);
  stat('Icmp_OutMsgs', up / 41);
  stat('Ip_Forwarding', 1);
  stat('TcpExt_ListenDrops', up / 86_400);
  stat('TcpExt_ListenOverflows', up / 86_400);
  stat('TcpExt_TCPSynRetrans', tcpOut * 0.00002);
  stat('TcpExt_TCPTimeouts', tcpOut * 0.00004);
  stat('Tcp_ActiveOpens', 2.4 * up + tcpOut * 0.004);
  one('node_netstat_Tcp_CurrEstab', 'untyped', 'Statistic TcpCurrEstab.', estab);
  stat('Tcp_InErrs', tcpIn * 0.000001);
  stat('Tcp_InSegs', tcpIn * 0.97);
  stat('Tcp_OutRsts', tcpOut * 0.0009);
  stat('Tcp_OutSegs', tcpOut * 0.98);
  stat('Tcp_PassiveOpens', 1.7 * up + tcpIn * 0.003);
  stat('Tcp_RetransSegs', tcpOut * 0.0004);
  stat('Udp_InDatagrams', 18 * up);
  stat('Udp_InErrors', 0);
  stat('Udp_NoPorts', up / 60);
  stat('Udp_OutDatagrams', 18.5 * up);
  stat('Udp_RcvbufErrors', 0);
  stat('Udp_SndbufErrors', 0);

  // ---- /sys/class/net and /proc/net/dev
  const netProp = (prop: string, type: ExpositionType, help: string, get: (i: Iface) => number, only?: (i: Iface) => boolean) => {
    fam(`node_network_${prop}`, type, help);
    for (const i of ifaces) if (!only || only(i)) w.sample(`node_network_${prop}`, `{device="${i.device}"}`, get(i));
  };
  netProp('carrier', 'gauge', 'Network device property: carrier', () => 1);
  fam('node_network_info', 'gauge', 'Non-numeric data from /sys/class/net/<iface>, value is always 1.');
  for (const i of ifaces) {
    w.sample(
      'node_network_info',
      sortedLabels({ address: i.address, adminstate: 'up', broadcast: i.device === 'lo' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff', device: i.device, duplex: i.device === 'ens5' ? 'full' : '', ifalias: '', operstate: i.device === 'lo' ? 'unknown' : 'up' }),
      1,
    );
  }
  netProp('mtu_bytes', 'gauge', 'Network device property: mtu_bytes', (i) => i.mtu);
  const dev = (stat: string, type: 'receive' | 'transmit', get: (i: Iface) => number) =>
    netProp(`${type}_${stat}_total`, 'counter', `Network device statistic ${type}_${stat}.`, get);
  dev('bytes', 'receive', (i) => Math.floor(i.rx));
  dev('drop', 'receive', (i) => (i.device === 'ens5' ? Math.floor(i.rx / 8e10) : 0));
  dev('errs', 'receive', () => 0);
  dev('packets', 'receive', (i) => Math.floor(i.rx / i.rxPkt));
  dev('bytes', 'transmit', (i) => Math.floor(i.tx));
  dev('drop', 'transmit', () => 0);
  dev('errs', 'transmit', () => 0);
  dev('packets', 'transmit', (i) => Math.floor(i.tx / i.txPkt));
  netProp('up', 'gauge', "Value is 1 if operstate is 'up', 0 otherwise.", (i) => (i.up ? 1 : 0));

  one('node_nf_conntrack_entries', 'gauge', 'Number of currently allocated flow entries for connection tracking.', Math.round(estab * 3.2 + 180));
  one('node_nf_conntrack_entries_limit', 'gauge', 'Maximum size of connection tracking table.', cores >= 16 ? 524288 : 262144);

  const osImage = node.status.nodeInfo.osImage ?? 'Ubuntu 22.04.5 LTS';
  const os = OS_RELEASE[osImage] ?? OS_RELEASE['Ubuntu 22.04.5 LTS']!;
  one(
    'node_os_info',
    'gauge',
    "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
    1,
    sortedLabels({ build_id: '', id: os.id!, id_like: os.id_like!, image_id: '', image_version: '', name: os.name!, pretty_name: os.pretty_name!, variant: '', variant_id: '', version: os.version!, version_codename: os.version_codename!, version_id: os.version_id! }),
  );
  one('node_os_version', 'gauge', 'Metric containing the major.minor part of the OS version.', Number(os.version_id), sortedLabels({ id: os.id!, id_like: os.id_like!, name: os.name! }));
  one('node_procs_blocked', 'gauge', 'Number of processes blocked waiting for I/O to complete.', Math.round(Math.max(0, gauge({ key: subKey(k, 45), mean: 0.2, wander: 2 }, t))));
  one('node_procs_running', 'gauge', 'Number of processes in runnable state.', Math.max(1, Math.round(busyRate + gauge({ key: subKey(k, 46), mean: 1, wander: 1 }, t))));

  const collectors = ['arp', 'bcache', 'bonding', 'btrfs', 'conntrack', 'cpu', 'cpufreq', 'diskstats', 'dmi', 'edac', 'entropy', 'fibrechannel', 'filefd', 'filesystem', 'hwmon', 'infiniband', 'ipvs', 'loadavg', 'mdadm', 'meminfo', 'netclass', 'netdev', 'netstat', 'nfs', 'nfsd', 'nvme', 'os', 'powersupplyclass', 'pressure', 'rapl', 'schedstat', 'selinux', 'sockstat', 'softnet', 'stat', 'tapestats', 'textfile', 'thermal_zone', 'time', 'timex', 'udp_queues', 'uname', 'vmstat', 'watchdog', 'xfs', 'zfs'];
  fam('node_scrape_collector_duration_seconds', 'gauge', 'node_exporter: Duration of a collector scrape.');
  for (const c of collectors) {
    const slow = c === 'filesystem' || c === 'netclass' || c === 'diskstats';
    w.sample('node_scrape_collector_duration_seconds', `{collector="${c}"}`, Math.round(draw(hashString(c, k), served, 0.00002, slow ? 0.004 : 0.0009) * 1e9) / 1e9);
  }
  fam('node_scrape_collector_success', 'gauge', 'node_exporter: Whether a collector succeeded.');
  for (const c of collectors) w.sample('node_scrape_collector_success', `{collector="${c}"}`, 1);

  const tw = Math.round(Math.max(0, gauge({ key: subKey(k, 47), mean: 90 + 8 * pods.length, wander: 0.5, daily: 0.3 }, t)));
  const sock = (name: string, help: string, v: number) => one(`node_sockstat_${name}`, 'gauge', help, Math.round(v));
  sock('TCP_alloc', 'Number of TCP sockets in state alloc.', estab + 60 + pods.length * 3);
  sock('TCP_inuse', 'Number of TCP sockets in state inuse.', estab + 22);
  sock('TCP_mem', 'Number of TCP sockets in state mem.', 12 + estab / 8);
  sock('TCP_mem_bytes', 'Number of TCP sockets in state mem_bytes.', (12 + Math.round(estab / 8)) * 4096);
  sock('TCP_orphan', 'Number of TCP sockets in state orphan.', 0);
  sock('TCP_tw', 'Number of TCP sockets in state tw.', tw);
  sock('UDP_inuse', 'Number of UDP sockets in state inuse.', 6 + Math.min(8, pods.length));
  sock('UDP_mem', 'Number of UDP sockets in state mem.', 4);
  sock('UDP_mem_bytes', 'Number of UDP sockets in state mem_bytes.', 16384);
  sock('sockets_used', 'Number of IPv4 sockets in use.', estab + 140 + pods.length * 5);

  one('node_textfile_scrape_error', 'gauge', '1 if there was an error opening or reading a file, 0 otherwise', 0);
  one('node_time_seconds', 'gauge', 'System time in seconds since epoch (1970).', Math.round(t * 1e6) / 1e6);
  one('node_timex_maxerror_seconds', 'gauge', 'Maximum error in seconds.', Math.round(gauge({ key: subKey(k, 48), mean: 0.012, wander: 0.5, min: 0.001 }, t) * 1e6) / 1e6);
  one('node_timex_offset_seconds', 'gauge', 'Time offset in between local system and reference clock.', Math.round(gauge({ key: subKey(k, 49), mean: 0.00004, wander: 8 }, t) * 1e9) / 1e9);
  one('node_timex_sync_status', 'gauge', 'Is clock synchronized to a reliable server (1 = yes, 0 = no).', 1);

  const kernel = node.status.nodeInfo.kernelVersion ?? KERNELS['Ubuntu 22.04.5 LTS']!;
  one(
    'node_uname_info',
    'gauge',
    'Labeled system information as provided by the uname system call.',
    1,
    sortedLabels({ domainname: '(none)', machine: 'x86_64', nodename: node.metadata.name, release: kernel, sysname: 'Linux', version: UNAME_VERSION[kernel] ?? '#1 SMP' }),
  );

  let ooms = 0;
  for (const p of pods) ooms += model.oomKills(p);
  const vm = (field: string, value: number) => one(`node_vmstat_${field}`, 'untyped', `/proc/vmstat information field ${field}.`, Math.floor(value));
  vm('oom_kill', ooms);
  vm('pgfault', 5200 * up + 40_000 * busy);
  vm('pgmajfault', 0.9 * up + readB / 1e6);
  vm('pgpgin', readB / 1024);
  vm('pgpgout', writeB / 1024);
  vm('pswpin', 0);
  vm('pswpout', 0);

  one('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', Math.floor(procCpu.total(procStart, t) * 100) / 100);
  one('process_max_fds', 'gauge', 'Maximum number of open file descriptors.', 1048576);
  one('process_open_fds', 'gauge', 'Number of open file descriptors.', 9 + (served % 3));
  one('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', Math.round(gauge({ key: subKey(k, 50), mean: 2.3e7, wander: 0.1 }, t) / 4096) * 4096);
  one('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', Math.floor(procStart * 100) / 100);
  one('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.', 1.272209408e9);
  one('process_virtual_memory_max_bytes', 'gauge', 'Maximum amount of virtual memory available in bytes.', 1.8446744073709552e19);

  fam('promhttp_metric_handler_errors_total', 'counter', 'Total number of internal errors encountered by the promhttp metric handler.');
  w.sample('promhttp_metric_handler_errors_total', '{cause="encoding"}', 0);
  w.sample('promhttp_metric_handler_errors_total', '{cause="gathering"}', 0);
  one('promhttp_metric_handler_requests_in_flight', 'gauge', 'Current number of scrapes being served.', 1);
  fam('promhttp_metric_handler_requests_total', 'counter', 'Total number of scrapes by HTTP status code.');
  w.sample('promhttp_metric_handler_requests_total', '{code="200"}', served - 1);
  w.sample('promhttp_metric_handler_requests_total', '{code="500"}', 0);
  w.sample('promhttp_metric_handler_requests_total', '{code="503"}', 0);
  return w.text();
}

/** node_exporter's landing page at "/". */
export function nodeExporterLandingPage(): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Node Exporter</title>
  </head>
  <body>
    <header>
      <h1>Node Exporter</h1>
    </header>
    <main>
      <h2>Prometheus Node Exporter</h2>
      <div>Version: (version=${NODE_EXPORTER_VERSION}, branch=HEAD, revision=f1e0e8360aa60b6cb5e5cc1560bed348fc2c1895)</div>
      <div>
        <ul>
          <li><a href="metrics">Metrics</a></li>
        </ul>
      </div>
    </main>
  </body>
</html>
`;
}

