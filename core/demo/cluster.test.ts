import { describe, expect, it } from 'vitest';
import { DemoCluster, ManualClock } from './cluster.js';
import { crashLoopBackOff, nodeNotReady, nodeReady, oomKilled, stopCrashLoop } from './faults.js';
import { NODE_EXPORTER_LABELS, PING_PORT } from './catalog.js';
import { nodeStatusText, podSummary } from './tables.js';
import type { CoreEvent, KubeObject, Node, Pod, Service, Workload } from '../kube/objects.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const GRS = ['namespaces', 'nodes', 'pods', 'services', 'endpoints', 'events', 'daemonsets.apps', 'deployments.apps', 'replicasets.apps', 'leases.coordination.k8s.io', 'endpointslices.discovery.k8s.io'];

function snapshot(c: DemoCluster): string {
  return JSON.stringify(GRS.map((gr) => c.store.list(gr)));
}

const make = (nodes: number, seed: string | number = 1, clock = new ManualClock(T0)) => new DemoCluster({ nodes, seed, clock });

/** Checks what controllers guarantee in a real cluster: statuses and endpoints agree with pods. */
function expectConsistent(c: DemoCluster): void {
  const pods = c.store.list('pods') as Pod[];
  const nodes = new Set(c.store.list('nodes').map((n) => n.metadata.name));
  const ready = (p: Pod) => (p.status.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True');
  const ownedBy = (o: KubeObject) => pods.filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid));
  for (const rs of c.store.list('replicasets.apps') as Workload[]) {
    const owned = ownedBy(rs);
    expect(owned.length, rs.metadata.name).toBe(rs.spec.replicas);
    expect(rs.status?.replicas ?? 0).toBe(owned.length);
    expect(rs.status?.readyReplicas ?? 0).toBe(owned.filter(ready).length);
  }
  for (const d of c.store.list('deployments.apps') as Workload[]) {
    const rss = (c.store.list('replicasets.apps', d.metadata.namespace) as Workload[]).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
    const readyCount = rss.flatMap(ownedBy).filter(ready).length;
    expect(d.status?.readyReplicas ?? 0, d.metadata.name).toBe(readyCount);
  }
  for (const p of pods) {
    if (p.spec.nodeName) expect(nodes.has(p.spec.nodeName)).toBe(true);
    else expect(p.status.phase).toBe('Pending');
  }
  for (const svc of c.store.list('services') as Service[]) {
    if (!svc.spec.selector) continue;
    const selected = pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && p.status.podIP && Object.entries(svc.spec.selector!).every(([k, v]) => p.metadata.labels?.[k] === v));
    const ep = c.store.get('endpoints', svc.metadata.namespace, svc.metadata.name)!;
    const subsets = (ep.subsets as { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[] | undefined) ?? [];
    const readyIPs = subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
    expect(readyIPs, svc.metadata.name).toEqual(selected.filter(ready).map((p) => p.status.podIP!).sort());
    const slices = c.store.list('endpointslices.discovery.k8s.io', svc.metadata.namespace).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name);
    const sliceIPs = slices.flatMap((s) => (s.endpoints as { addresses: string[] }[]).map((e) => e.addresses[0]!)).sort();
    expect(sliceIPs).toEqual(selected.map((p) => p.status.podIP!).sort());
  }
}

describe('generated cluster', () => {
  it('is the same for the same seed and time, and different for another seed', () => {
    const a = make(12, 'alpha');
    const b = make(12, 'alpha');
    expect(snapshot(a)).toBe(snapshot(b));
    expect(a.resourceVersion).toBe(b.resourceVersion);
    const other = make(12, 'beta');
    expect(other.store.list('pods').map((p) => p.metadata.name)).not.toEqual(a.store.list('pods').map((p) => p.metadata.name));
  });

  it('evolves deterministically, however the clock is sampled', () => {
    const clockA = new ManualClock(T0);
    const clockB = new ManualClock(T0);
    const a = make(6, 3, clockA);
    const b = make(6, 3, clockB);
    // Readings at most 10 minutes apart (longer gaps are skipped, not replayed).
    for (let i = 1; i <= 18; i++) {
      clockA.set(T0 + i * 10 * 60 * 1000);
      a.advance();
    }
    for (let i = 1; i <= 37; i++) {
      clockB.set(T0 + Math.round((i / 37) * 3 * 60 * 60 * 1000));
      b.advance();
    }
    expect(a.resourceVersion).toBeGreaterThan(make(6, 3).resourceVersion);
    expect(b.resourceVersion).toBe(a.resourceVersion);
    expect(snapshot(b)).toBe(snapshot(a));
    expect(a.taskErrors).toEqual([]);
  });

  it('has the smallest size with everything a monitored cluster has', () => {
    const c = make(3);
    const nodes = c.store.list('nodes') as Node[];
    expect(nodes).toHaveLength(3);
    expect(nodes.filter((n) => n.metadata.labels!['node-role.kubernetes.io/control-plane'] === '')).toHaveLength(1);
    for (const n of nodes) {
      expect(n.metadata.labels!['kubernetes.io/hostname']).toBe(n.metadata.name);
      expect(n.metadata.labels!['topology.kubernetes.io/zone']).toMatch(/^us-east-1[abc]$/);
      expect(n.status.addresses.map((a) => a.type)).toEqual(['InternalIP', 'Hostname']);
      expect(Number(n.status.capacity.pods)).toBe(110);
      expect(n.status.nodeInfo.kubeletVersion).toMatch(/^v1\.32\.\d+$/);
      expect(nodeStatusText(n)).toBe('Ready');
    }
    expect(nodes.some((n) => Number(n.status.allocatable['nvidia.com/gpu']) > 0)).toBe(true);
    const ns = c.store.list('namespaces').map((n) => n.metadata.name);
    expect(ns).toEqual(expect.arrayContaining(['default', 'kube-system', 'monitoring', 'demo']));

    const exporters = (c.store.list('pods', 'monitoring') as Pod[]).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'prometheus-node-exporter');
    expect(exporters.map((p) => p.spec.nodeName).sort()).toEqual(nodes.map((n) => n.metadata.name).sort());
    for (const p of exporters) {
      expect(p.metadata.labels).toMatchObject(NODE_EXPORTER_LABELS);
      expect(p.metadata.ownerReferences![0]).toMatchObject({ kind: 'DaemonSet', name: 'node-exporter', controller: true });
      // hostNetwork: the exporter answers on the node's own address.
      expect(p.status.podIP).toBe(nodes.find((n) => n.metadata.name === p.spec.nodeName)!.status.addresses[0]!.address);
    }
    const ds = c.store.get('daemonsets.apps', 'monitoring', 'node-exporter') as Workload;
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, numberReady: 3 });
    expect(c.store.get('deployments.apps', 'monitoring', 'kube-state-metrics')).toBeDefined();

    const ping = (c.store.list('pods', 'demo') as Pod[]).filter((p) => p.metadata.labels?.app === 'ping');
    expect(ping).toHaveLength(3);
    expect(ping[0]!.spec.containers[0]!.ports).toEqual([{ name: 'metrics', containerPort: PING_PORT, protocol: 'TCP' }]);
    const svc = c.store.get('services', 'demo', 'ping') as Service;
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: PING_PORT, protocol: 'TCP', targetPort: 'metrics' }]);
    const ep = c.store.get('endpoints', 'demo', 'ping')!;
    expect(ep.subsets).toEqual([expect.objectContaining({ ports: [{ name: 'metrics', port: PING_PORT, protocol: 'TCP' }] })]);
    const kubernetes = c.store.get('services', 'default', 'kubernetes') as Service;
    expect(kubernetes.spec.clusterIP).toBe('10.96.0.1');

    for (const p of c.store.list('pods') as Pod[]) {
      expect(p.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(p.metadata.creationTimestamp)).toBeLessThanOrEqual(T0);
      if (p.status.phase === 'Running') {
        for (const cs of p.status.containerStatuses!) expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
        expect(Date.parse(p.status.startTime!)).toBeGreaterThanOrEqual(Date.parse(p.metadata.creationTimestamp));
      }
    }
    expect((c.store.list('events') as CoreEvent[]).length).toBeGreaterThan(0);
    expectConsistent(c);
  });

  it('builds 500 nodes quickly, with unique names and addresses and nodes not overfilled', () => {
    const started = performance.now();
    const c = make(500, 'big');
    const ms = performance.now() - started;
    console.log(`generated a 500-node cluster (${c.summary()}) in ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(c.count('nodes')).toBe(500);
    const pods = c.store.list('pods') as Pod[];
    expect(pods.length).toBeGreaterThan(3000);
    expect(new Set(pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).size).toBe(pods.length);
    const ips = pods.filter((p) => p.status.podIP && !p.spec.hostNetwork).map((p) => p.status.podIP);
    expect(new Set(ips).size).toBe(ips.length);
    const perNode = new Map<string, number>();
    for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(110);
    const nodeIPs = (c.store.list('nodes') as Node[]).map((n) => n.status.addresses[0]!.address);
    expect(new Set(nodeIPs).size).toBe(500);
    // The endpoint slice controller starts a new slice every 100 endpoints.
    const slices = c.store.list('endpointslices.discovery.k8s.io', 'monitoring').filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'node-exporter');
    expect(slices).toHaveLength(5);
    expectConsistent(c);
  });
});

describe('cluster clock', () => {
  it('renews leases and reports node heartbeats as time passes', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    const rv = c.resourceVersion;
    const changes: string[] = [];
    c.subscribe((ch) => changes.push(`${ch.type} ${ch.gr} ${ch.object.metadata.name}`));
    clock.advance(11_000);
    c.advance();
    expect(changes).toEqual(expect.arrayContaining(['MODIFIED leases.coordination.k8s.io demo-control-plane-1']));
    const lease = c.store.get('leases.coordination.k8s.io', 'kube-node-lease', 'demo-control-plane-1')!;
    expect(Date.parse((lease.spec as { renewTime: string }).renewTime)).toBeGreaterThan(T0);
    clock.advance(5 * 60_000);
    c.advance();
    expect(changes.some((x) => x.startsWith('MODIFIED nodes '))).toBe(true);
    expect(c.resourceVersion).toBeGreaterThan(rv);
    // The age column moves with the clock without any write.
    expect(c.now()).toBe(T0 + 11_000 + 5 * 60_000);
  });

  it('drops a scheduled happening that throws and keeps time moving', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    c.schedule(T0 + 1000, () => {
      throw new Error('boom');
    });
    clock.advance(20_000);
    c.advance();
    expect(c.taskErrors.map((e) => e.message)).toEqual(['boom']);
    expect(c.now()).toBe(T0 + 20_000);
  });

  it('expires events after an hour', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    expect(c.count('events')).toBeGreaterThan(0);
    clock.advance(2 * 60 * 60 * 1000);
    c.advance();
    const old = (c.store.list('events') as CoreEvent[]).filter((e) => Date.parse(e.lastTimestamp!) < c.now() - 60 * 60 * 1000 - 60_000);
    expect(old).toEqual([]);
  });

  it('rejects objects it does not serve and namespaces that do not exist', () => {
    const c = make(3);
    expect(() => c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as unknown as KubeObject)).toThrow(/does not serve ConfigMap/);
    expect(() => c.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'nope' }, spec: { type: 'ClusterIP' } } as unknown as KubeObject)).toThrow(
      'namespaces "nope" not found',
    );
  });
});

describe('faults', () => {
  const pingPods = (c: DemoCluster) => (c.store.list('pods', 'demo') as Pod[]).filter((p) => p.metadata.labels?.app === 'ping');
  const readyEndpoints = (c: DemoCluster) =>
    ((c.store.get('endpoints', 'demo', 'ping')!.subsets as { addresses?: { targetRef: { name: string } }[] }[] | undefined) ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef.name));

  it('node NotReady: Unknown conditions, unreachable taints, its pods leave the endpoints; and back', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    const victim = pingPods(c)[0]!;
    const nodeName = victim.spec.nodeName!;
    const leaseBefore = JSON.stringify(c.store.get('leases.coordination.k8s.io', 'kube-node-lease', nodeName));
    nodeNotReady(c, nodeName);
    const node = c.store.get('nodes', undefined, nodeName) as Node;
    expect(nodeStatusText(node)).toBe('NotReady');
    expect(node.status.conditions.every((x) => x.status === 'Unknown')).toBe(true);
    expect(node.spec.taints).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' })]));
    expect(readyEndpoints(c)).not.toContain(victim.metadata.name);
    const d = c.store.get('deployments.apps', 'demo', 'ping') as Workload;
    expect(d.status!.readyReplicas ?? 0).toBe(pingPods(c).filter((p) => p.spec.nodeName !== nodeName).length);
    // A silent kubelet renews nothing.
    clock.advance(60_000);
    c.advance();
    expect(JSON.stringify(c.store.get('leases.coordination.k8s.io', 'kube-node-lease', nodeName))).toBe(leaseBefore);
    expectConsistent(c);

    nodeReady(c, nodeName);
    expect(nodeStatusText(c.store.get('nodes', undefined, nodeName) as Node)).toBe('Ready');
    expect(readyEndpoints(c)).toContain(victim.metadata.name);
    expect((c.store.get('nodes', undefined, nodeName) as Node).spec.taints ?? []).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'node.kubernetes.io/unreachable' })]),
    );
  });

  it('node NotReady reported by its kubelet: Ready False, not-ready taints, heartbeats go on', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    const nodeName = 'demo-worker-01';
    nodeNotReady(c, nodeName, { reason: 'KubeletNotReady' });
    const node = c.store.get('nodes', undefined, nodeName) as Node;
    expect(nodeStatusText(node)).toBe('NotReady');
    expect(node.status.conditions.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(node.status.conditions.find((x) => x.type === 'MemoryPressure')!.status).toBe('False');
    expect(node.spec.taints).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' })]));
    const renewed = () => (c.store.get('leases.coordination.k8s.io', 'kube-node-lease', nodeName)!.spec as { renewTime: string }).renewTime;
    const before = renewed();
    clock.advance(30_000);
    c.advance();
    expect(renewed()).not.toBe(before);
  });

  it('CrashLoopBackOff: waiting container, climbing restarts, BackOff events, not ready; then recovers', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    const victim = pingPods(c)[0]!;
    const ns = 'demo';
    const name = victim.metadata.name;
    const before = victim.status.containerStatuses![0]!.restartCount;
    crashLoopBackOff(c, ns, name);
    let pod = c.store.get('pods', ns, name) as Pod;
    let s = podSummary(pod, c.now());
    expect(s.reason).toBe('CrashLoopBackOff');
    expect(s.ready).toBe('0/1');
    expect(pod.status.containerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(readyEndpoints(c)).not.toContain(name);
    clock.advance(10 * 60_000);
    c.advance();
    pod = c.store.get('pods', ns, name) as Pod;
    expect(pod.status.containerStatuses![0]!.restartCount).toBeGreaterThanOrEqual(before + 4);
    expect(pod.status.containerStatuses![0]!.state.waiting?.message).toMatch(/^back-off (\d+s|\dm\d+s) restarting failed container=ping pod=/);
    const backoff = (c.store.list('events', ns) as CoreEvent[]).filter((e) => e.reason === 'BackOff' && e.involvedObject.name === name);
    expect(backoff).toHaveLength(1);
    expect(backoff[0]!.count).toBeGreaterThan(2);
    expectConsistent(c);

    stopCrashLoop(c, ns, name);
    const restarts = (c.store.get('pods', ns, name) as Pod).status.containerStatuses![0]!.restartCount;
    clock.advance(10 * 60_000);
    c.advance();
    pod = c.store.get('pods', ns, name) as Pod;
    s = podSummary(pod, c.now());
    expect(s.reason).toBe('Running');
    expect(s.ready).toBe('1/1');
    expect(pod.status.containerStatuses![0]!.restartCount).toBe(restarts);
    expect(readyEndpoints(c)).toContain(name);
    expect(c.taskErrors).toEqual([]);
  });

  it('OOMKilled: exit code 137 in the last state and one more restart', () => {
    const clock = new ManualClock(T0);
    const c = make(3, 1, clock);
    const victim = pingPods(c)[1]!;
    oomKilled(c, 'demo', victim.metadata.name);
    const pod = c.store.get('pods', 'demo', victim.metadata.name) as Pod;
    const cs = pod.status.containerStatuses![0]!;
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled', finishedAt: new Date(T0).toISOString().replace('.000Z', 'Z') });
    expect(cs.restartCount).toBe(victim.status.containerStatuses![0]!.restartCount + 1);
    clock.advance(90_000);
    c.advance();
    expect(podSummary(c.store.get('pods', 'demo', victim.metadata.name) as Pod, c.now()).restarts).toBe(`${cs.restartCount} (90s ago)`);

    oomKilled(c, 'demo', victim.metadata.name, { crashLoop: true });
    const looping = c.store.get('pods', 'demo', victim.metadata.name) as Pod;
    expect(podSummary(looping, c.now()).reason).toBe('CrashLoopBackOff');
    expect(looping.status.containerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });
});
