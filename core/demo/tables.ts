// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for by default: the columns and
// cell rules of the API server's printers for each kind, with every column (the server always
// prints "wide"; kubectl hides priority-1 columns unless -o wide). Ages are computed here, at the
// cluster's "now", exactly as the server does: kubectl prints the cells as given.
import { formatLabels, formatLabelSelectorSpec, fromLabelSelectorSpec } from './selectors.js';
import { parseTime, type CoreEvent, type KubeObject, type Node, type Pod, type Service, type Workload } from '../kube/objects.js';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

interface Printer {
  columns: TableColumn[];
  cells(obj: KubeObject, now: number): unknown[];
  conditions?(obj: KubeObject): TableRow['conditions'];
}

const col = (name: string, description: string, extra: Partial<TableColumn> = {}): TableColumn => ({
  name,
  type: 'string',
  format: '',
  description,
  priority: 0,
  ...extra,
});
const NAME = col('Name', 'Name must be unique within a namespace.', { format: 'name' });
const AGE = col('Age', 'CreationTimestamp is the time the object was created, in server time.');
const wide = (name: string, description: string, type = 'string') => col(name, description, { priority: 1, type });

/** apimachinery's duration.HumanDuration, which every Age column uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3600000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const since = (timestamp: string | null | undefined, now: number): string => {
  const t = parseTime(timestamp);
  return t === null ? '<unknown>' : humanDuration(now - t);
};

const age = (obj: KubeObject, now: number) => since(obj.metadata.creationTimestamp, now);

function layoutContainers(containers: { name: string; image: string }[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
}

/** The STATUS, READY and RESTARTS logic of the server's pod printer. */
export function podSummary(pod: Pod, now: number): { ready: string; reason: string; restarts: string } {
  const spec = pod.spec;
  const status = pod.status ?? { phase: 'Pending' };
  let restarts = 0;
  let restartableInitRestarts = 0;
  let total = spec.containers.length;
  let readyCount = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;
  let reason: string = status.reason || status.phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const restartable = new Set((spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  total += restartable.size;
  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    restarts += c.restartCount;
    const finished = parseTime(c.lastState?.terminated?.finishedAt) ?? 0;
    if (finished > lastRestart) lastRestart = finished;
    if (restartable.has(c.name)) {
      restartableInitRestarts += c.restartCount;
      if (finished > lastRestartableInitRestart) lastRestartableInitRestart = finished;
    }
    const term = c.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (restartable.has(c.name) && c.started) {
      if (c.ready) readyCount++;
      continue;
    }
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }
  const initializedTrue = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount;
      const finished = parseTime(c.lastState?.terminated?.finishedAt) ?? 0;
      if (finished > lastRestart) lastRestart = finished;
      const st = c.state ?? {};
      if (st.waiting?.reason) reason = st.waiting.reason;
      else if (st.terminated?.reason) reason = st.terminated.reason;
      else if (st.terminated) reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
      else if (c.ready && st.running) {
        hasRunning = true;
        readyCount++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';
  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsStr = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  return { ready: `${readyCount}/${total}`, reason, restarts: restartsStr };
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    wide('IP', 'IP address allocated to the pod.'),
    wide('Node', 'The node the pod is scheduled on.'),
    wide('Nominated Node', 'The node the scheduler nominated for this pod, if any.'),
    wide('Readiness Gates', 'Readiness gates of the pod and how many are met.'),
  ],
  cells(obj, now) {
    const pod = obj as Pod;
    const s = podSummary(pod, now);
    let gates = '<none>';
    const rg = pod.spec.readinessGates ?? [];
    if (rg.length > 0) {
      const met = rg.filter((g) => (pod.status.conditions ?? []).find((c) => c.type === g.conditionType)?.status === 'True').length;
      gates = `${met}/${rg.length}`;
    }
    return [
      pod.metadata.name,
      s.ready,
      s.reason,
      s.restarts,
      age(pod, now),
      pod.status.podIPs?.[0]?.ip || '<none>',
      pod.spec.nodeName || '<none>',
      pod.status.nominatedNodeName || '<none>',
      gates,
    ];
  },
  conditions(obj) {
    const phase = (obj as Pod).status?.phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};

export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

export function nodeStatusText(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet version reported by the node.'),
    wide('Internal-IP', 'The first InternalIP address of the node.'),
    wide('External-IP', 'The first ExternalIP address of the node.'),
    wide('OS-Image', 'OS image reported by the node.'),
    wide('Kernel-Version', 'Kernel version reported by the node.'),
    wide('Container-Runtime', 'Container runtime version reported by the node.'),
  ],
  cells(obj, now) {
    const n = obj as Node;
    const addr = (type: string) => n.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
    const info = n.status?.nodeInfo ?? {};
    return [
      n.metadata.name,
      nodeStatusText(n),
      nodeRoles(n.metadata.labels).join(',') || '<none>',
      age(n, now),
      info.kubeletVersion ?? '',
      addr('InternalIP'),
      addr('ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

function serviceExternalIP(svc: Service): string {
  const external = svc.spec.externalIPs ?? [];
  switch (svc.spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((x) => x))].sort();
      const all = [...lb, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'How the service is exposed.'),
    col('Cluster-IP', 'The IP address of the service inside the cluster.'),
    col('External-IP', 'External addresses of the service.'),
    col('Port(s)', 'The ports the service exposes.'),
    AGE,
    wide('Selector', 'The labels of the pods the service routes to.'),
  ],
  cells(obj, now) {
    const s = obj as Service;
    const ports = (s.spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
    return [s.metadata.name, s.spec.type, s.spec.clusterIPs?.[0] ?? '<none>', serviceExternalIP(s), ports || '<none>', age(s, now), formatLabels(s.spec.selector)];
  },
};

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'The status of the namespace'), AGE],
  cells: (obj, now) => [obj.metadata.name, (obj.status as { phase?: string } | undefined)?.phase ?? '', age(obj, now)],
};

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const deploymentPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    wide('Containers', 'Names of each container in the template.'),
    wide('Images', 'Images referenced by each container in the template.'),
    wide('Selector', 'Label selector for pods.'),
  ],
  cells(obj, now) {
    const d = obj as Workload;
    const st = d.status ?? {};
    const [names, images] = layoutContainers(d.spec.template.spec.containers);
    return [
      d.metadata.name,
      `${num(st.readyReplicas)}/${d.spec.replicas ?? 1}`,
      num(st.updatedReplicas),
      num(st.availableReplicas),
      age(d, now),
      names,
      images,
      selectorString(d),
    ];
  },
};

/** labels.Selector.String() of a workload's selector, as the deployment printer prints it. */
function selectorString(w: Workload): string {
  const reqs = fromLabelSelectorSpec(w.spec.selector);
  if (reqs.length === 0) return '';
  return reqs
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.op) {
        case '=':
          return `${r.key}=${r.values[0]}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        default:
          return `!${r.key}`;
      }
    })
    .join(',');
}

const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'The number of nodes that should be running the daemon pod.', { type: 'integer' }),
    col('Current', 'The number of nodes running at least one daemon pod.', { type: 'integer' }),
    col('Ready', 'The number of nodes with a ready daemon pod.', { type: 'integer' }),
    col('Up-to-date', 'The number of nodes running the updated daemon pod.', { type: 'integer' }),
    col('Available', 'The number of nodes with an available daemon pod.', { type: 'integer' }),
    col('Node Selector', 'The node selector of the pod template.'),
    AGE,
    wide('Containers', 'Names of each container in the template.'),
    wide('Images', 'Images referenced by each container in the template.'),
    wide('Selector', 'Label selector for pods.'),
  ],
  cells(obj, now) {
    const d = obj as Workload;
    const st = d.status ?? {};
    const [names, images] = layoutContainers(d.spec.template.spec.containers);
    return [
      d.metadata.name,
      num(st.desiredNumberScheduled),
      num(st.currentNumberScheduled),
      num(st.numberReady),
      num(st.updatedNumberScheduled),
      num(st.numberAvailable),
      formatLabels(d.spec.template.spec.nodeSelector),
      age(d, now),
      names,
      images,
      formatLabelSelectorSpec(d.spec.selector),
    ];
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'Number of desired pods.', { type: 'integer' }),
    col('Current', 'The most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas.', { type: 'integer' }),
    AGE,
    wide('Containers', 'Names of each container in the template.'),
    wide('Images', 'Images referenced by each container in the template.'),
    wide('Selector', 'Label selector for pods.'),
  ],
  cells(obj, now) {
    const r = obj as Workload;
    const st = r.status ?? {};
    const [names, images] = layoutContainers(r.spec.template.spec.containers);
    return [r.metadata.name, r.spec.replicas ?? 1, num(st.replicas), num(st.readyReplicas), age(r, now), names, images, formatLabelSelectorSpec(r.spec.selector)];
  },
};

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning).'),
    col('Reason', 'Why the event happened, in one machine-readable word.'),
    col('Object', 'The object that this event is about.'),
    wide('Subobject', 'The part of the object the event is about.'),
    wide('Source', 'The component reporting this event.'),
    col('Message', 'A human-readable description of the event.'),
    wide('First Seen', 'The time at which the event was first recorded.'),
    wide('Count', 'The number of times this event has occurred.'),
    col('Name', 'Name must be unique within a namespace.', { priority: 1, format: 'name' }),
  ],
  cells(obj, now) {
    const e = obj as CoreEvent;
    const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
    let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    let count = e.count;
    if (e.series) {
      last = since(e.series.lastObservedTime, now);
      count = e.series.count;
    } else if (!count) {
      count = 1;
    }
    const io = e.involvedObject;
    const target = io.name ? `${io.kind.toLowerCase()}/${io.name}` : io.kind.toLowerCase();
    const component = e.source?.component || e.reportingComponent;
    const host = e.source?.host || e.reportingInstance;
    const source = host ? `${component}, ${host}` : component;
    return [last, e.type, e.reason, target, io.fieldPath ?? '', source, e.message.trim(), first, count, e.metadata.name];
  },
};

function formatEndpoints(obj: KubeObject): string {
  const subsets = (obj.subsets as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(`${a.ip}:${p.port}`);
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length === 0 ? '<unset>' : items.join(',');
}

const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'The addresses and ports of the ready endpoints.'), AGE],
  cells: (obj, now) => [obj.metadata.name, formatEndpoints(obj), age(obj, now)],
};

const endpointSlicePrinter: Printer = {
  columns: [NAME, col('AddressType', 'The type of address carried by this slice.'), col('Ports', 'The ports of the slice.'), col('Endpoints', 'The addresses of the slice.'), AGE],
  cells(obj, now) {
    const ports = ((obj.ports as { port?: number; name?: string }[] | null) ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*')));
    const addrs = ((obj.endpoints as { addresses: string[] }[] | null) ?? []).flatMap((e) => e.addresses);
    return [obj.metadata.name, String(obj.addressType ?? ''), listWithMore(ports), listWithMore(addrs), age(obj, now)];
  },
};

const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'The identity of the holder of the lease.'), AGE],
  cells: (obj, now) => [obj.metadata.name, (obj.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '', age(obj, now)],
};

/** The server's fallback for kinds without a printer. */
const defaultPrinter: Printer = {
  columns: [NAME, col('Created At', 'CreationTimestamp is the time the object was created, in server time.', { type: 'date' })],
  cells: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp],
};

const PRINTERS = new Map<string, Printer>([
  ['pods', podPrinter],
  ['nodes', nodePrinter],
  ['services', servicePrinter],
  ['namespaces', namespacePrinter],
  ['deployments.apps', deploymentPrinter],
  ['daemonsets.apps', daemonSetPrinter],
  ['replicasets.apps', replicaSetPrinter],
  ['events', eventPrinter],
  ['endpoints', endpointsPrinter],
  ['endpointslices.discovery.k8s.io', endpointSlicePrinter],
  ['leases.coordination.k8s.io', leasePrinter],
]);

/** Lets a later kind (metrics, CRDs) bring its own columns. */
export function registerPrinter(gr: string, printer: Printer): void {
  PRINTERS.set(gr, printer);
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  noHeaders?: boolean;
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export function partialObjectMetadata(obj: KubeObject): { kind: string; apiVersion: string; metadata: unknown } {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(gr: string, objects: KubeObject[], now: number, opts: TableOptions): Record<string, unknown> {
  const printer = PRINTERS.get(gr) ?? defaultPrinter;
  const rows: TableRow[] = objects.map((obj) => {
    const row: TableRow = { cells: printer.cells(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (opts.includeObject === 'Object') row.object = obj;
    else if (opts.includeObject === 'Metadata') row.object = partialObjectMetadata(obj);
    return row;
  });
  const metadata: Record<string, unknown> = { resourceVersion: opts.resourceVersion };
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  const table: Record<string, unknown> = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata };
  if (!opts.noHeaders) table.columnDefinitions = printer.columns;
  table.rows = rows;
  return table;
}
