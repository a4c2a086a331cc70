// KubernetesDiscovery end to end against the fake API server: the groups a source sends, when it
// sends them, which informers it shares, and what its status says.
import { afterEach, describe, expect, it } from 'vitest';
import { labelsToRecord } from '../../model/labels.js';
import type { TargetGroup } from '../../scrape/source.js';
import { discoveredNamespaces, KubernetesDiscovery, validateKubernetesSDConfig, type KubernetesDiscoveryOptions, type KubernetesSDConfig } from './discovery.js';
import { endpointSliceTargetGroup } from './roles.js';
import { FakeApiServer, until } from './testing.js';
import type { EndpointSlice, Namespace, Node, Pod, Service } from './types.js';

const node = (name: string, ip: string, labels: Record<string, string> = {}): Node => ({
  kind: 'Node',
  metadata: { name, labels },
  status: { addresses: [{ type: 'InternalIP', address: ip }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, conditions: [{ type: 'Ready', status: 'True' }] },
});

const pod = (name: string, ns: string, nodeName: string, ip: string, labels: Record<string, string> = { app: 'web' }): Pod => ({
  kind: 'Pod',
  metadata: { name, namespace: ns, uid: `uid-${name}`, labels },
  spec: {
    nodeName,
    containers: [{ name: 'web', image: 'web:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9100, protocol: 'TCP' }] }],
  },
  status: { phase: 'Running', podIP: ip, hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
});

const service = (name: string, ns: string, labels: Record<string, string> = {}): Service => ({
  kind: 'Service',
  metadata: { name, namespace: ns, labels },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
});

const slice = (name: string, ns: string, svc: string, pods: Pod[]): EndpointSlice => ({
  kind: 'EndpointSlice',
  metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: pods.map((p) => ({
    addresses: [p.status!.podIP!],
    conditions: { ready: true, serving: true, terminating: false },
    nodeName: p.spec!.nodeName,
    targetRef: { kind: 'Pod', name: p.metadata!.name, namespace: ns },
  })),
});

const namespace = (name: string, labels: Record<string, string> = {}): Namespace => ({ kind: 'Namespace', metadata: { name, labels } });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(): Promise<{ s: FakeApiServer; web1: Pod; web2: Pod }> {
  const s = await new FakeApiServer({ tokens: { tok: 'alice' } }).start();
  cleanups.push(() => s.close());
  s.apply(namespace('default', { team: 'a' }));
  s.apply(namespace('mon'));
  s.apply(node('n1', '10.0.0.1', { zone: 'z1' }));
  s.apply(node('n2', '10.0.0.2', { zone: 'z2' }));
  const web1 = s.apply(pod('web-1', 'default', 'n1', '192.168.0.1'));
  const web2 = s.apply(pod('web-2', 'default', 'n2', '192.168.0.2'));
  s.apply(service('web', 'default', { tier: 'front' }));
  s.apply(slice('web-abc', 'default', 'web', [web1, web2]));
  s.apply(pod('prom-0', 'mon', 'n1', '192.168.1.1', { app: 'prom' }));
  return { s, web1, web2 };
}

function discovery(s: FakeApiServer, opts: KubernetesDiscoveryOptions = {}, contextNamespace?: string): KubernetesDiscovery {
  const d = KubernetesDiscovery.fromKubeconfig(s.kubeconfig({ token: 'tok' }, {}, contextNamespace), 'fake', {
    lingerMs: 0,
    debounceMs: 50,
    informer: { backoff: { initialMs: 20, maxMs: 100 } },
    ...opts,
  });
  cleanups.push(() => d.stop());
  return d;
}

function collect(d: KubernetesDiscovery, config: KubernetesSDConfig): { sends: TargetGroup[][]; unsubscribe: () => void; source: ReturnType<KubernetesDiscovery['source']> } {
  const source = d.source(config);
  const sends: TargetGroup[][] = [];
  const unsubscribe = source.subscribe((g) => sends.push(g));
  cleanups.push(unsubscribe);
  return { sends, unsubscribe, source };
}

const bySource = (groups: TargetGroup[] | undefined, source: string) => groups?.find((g) => g.source === source);
const targetsOf = (g: TargetGroup | undefined) => (g?.targets ?? []).map(labelsToRecord);
const quiet = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('KubernetesDiscovery: endpointslice role', () => {
  it('sends the groups Prometheus would, with service, pod, node and namespace metadata, once synced', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const { sends, source } = collect(d, { role: 'endpointslice', attach_metadata: { node: true, namespace: true } });
    await until(() => sends.length === 1, 5000, 'the first send');
    await quiet();
    expect(sends).toHaveLength(1);
    expect(source.status().state).toBe('synced');

    const groups = sends[0]!;
    expect(groups.map((g) => g.source)).toEqual(['endpointslice/default/web-abc']);
    const g = groups[0]!;
    expect(labelsToRecord(g.labels)).toMatchObject({
      __meta_kubernetes_namespace: 'default',
      __meta_kubernetes_namespace_label_team: 'a',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_tier: 'front',
      __meta_kubernetes_endpointslice_name: 'web-abc',
    });
    const targets = targetsOf(g);
    expect(targets.map((t) => t.__address__)).toEqual(['192.168.0.1:8080', '192.168.0.2:8080', '192.168.0.1:9100', '192.168.0.2:9100']);
    expect(targets[0]).toMatchObject({ __meta_kubernetes_pod_name: 'web-1', __meta_kubernetes_node_name: 'n1', __meta_kubernetes_node_label_zone: 'z1', __meta_kubernetes_pod_container_port_name: 'http' });
    expect(targets[3]).toMatchObject({ __meta_kubernetes_pod_name: 'web-2', __meta_kubernetes_pod_container_port_name: 'metrics' });
  });

  it('matches the role function on the same objects', async () => {
    const { s, web1, web2 } = await cluster();
    const d = discovery(s);
    const { sends } = collect(d, { role: 'endpointslice', namespaces: { names: ['default'] } });
    await until(() => sends.length === 1);
    const svc = service('web', 'default', { tier: 'front' });
    const want = endpointSliceTargetGroup(slice('web-abc', 'default', 'web', [web1, web2]), {
      pod: (ns, name) => [web1, web2].find((p) => p.metadata?.namespace === ns && p.metadata?.name === name),
      service: (ns, name) => (ns === 'default' && name === 'web' ? svc : undefined),
    });
    expect(sends[0]).toEqual([want]);
  });

  it('a pod added then removed: one send per debounce window, each the full set', async () => {
    const { s, web1, web2 } = await cluster();
    const d = discovery(s, { debounceMs: 300 });
    const { sends } = collect(d, { role: 'endpointslice' });
    await until(() => sends.length === 1);
    await until(() => s.activeWatches >= 3);

    const web3 = s.apply(pod('web-3', 'default', 'n1', '192.168.0.3'));
    s.apply(pod('web-1', 'default', 'n1', '192.168.0.1', { app: 'web', v: '2' })); // visible on its own
    await quiet(40);
    s.apply(slice('web-abc', 'default', 'web', [web1, web2, web3]));
    await until(() => sends.length === 2, 5000, 'the send with web-3');
    await quiet(150);
    expect(sends).toHaveLength(2); // all changes in one send
    expect(targetsOf(bySource(sends[1], 'endpointslice/default/web-abc'))[0]!.__meta_kubernetes_pod_label_v).toBe('2');
    const addrs = targetsOf(bySource(sends[1], 'endpointslice/default/web-abc')).map((t) => t.__address__);
    expect(addrs).toContain('192.168.0.3:8080');
    expect(addrs).toContain('192.168.0.3:9100');

    s.apply(slice('web-abc', 'default', 'web', [web1, web2]));
    s.delete(web3);
    await until(() => sends.length === 3, 5000, 'the send without web-3');
    expect(targetsOf(bySource(sends[2], 'endpointslice/default/web-abc')).map((t) => t.__address__)).not.toContain('192.168.0.3:8080');

    // The slice deleted: its group leaves the set.
    s.delete(slice('web-abc', 'default', 'web', []));
    await until(() => sends.length === 4);
    expect(sends[3]).toEqual([]);
  });

  it('a changed pod refreshes the slice targets that point at it; a change no label shows sends nothing', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const { sends } = collect(d, { role: 'endpointslice' });
    await until(() => sends.length === 1);
    await until(() => s.activeWatches >= 3);
    s.apply(pod('web-1', 'default', 'n1', '192.168.0.1', { app: 'web', version: 'v2' }));
    await until(() => sends.length === 2);
    const t = targetsOf(bySource(sends[1], 'endpointslice/default/web-abc')).find((x) => x.__address__ === '192.168.0.1:8080');
    expect(t?.__meta_kubernetes_pod_label_version).toBe('v2');

    // A new resourceVersion with the same labels: nothing to send.
    s.apply(pod('web-1', 'default', 'n1', '192.168.0.1', { app: 'web', version: 'v2' }));
    s.apply(service('web', 'default', { tier: 'front' }));
    await quiet(250);
    expect(sends).toHaveLength(2);
  });

  it('sends nothing until every informer synced, says why meanwhile, then recovers', async () => {
    const { s } = await cluster();
    s.forbid('pods');
    const d = discovery(s);
    const { sends, source } = collect(d, { role: 'endpointslice' });
    const statuses: string[] = [];
    source.onStatus((st) => statuses.push(st.state));
    await until(() => source.status().state === 'retrying');
    expect(source.status().error).toBe('/api/v1/pods: Forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope');
    expect(source.status().informers.map((i) => i.path).sort()).toEqual(['/api/v1/pods', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices']);
    await quiet(100);
    expect(sends).toHaveLength(0);
    expect(source.groups()).toBeNull();
    s.allow('pods');
    await until(() => sends.length === 1);
    expect(source.status()).toMatchObject({ state: 'synced', error: null });
    expect(statuses).toContain('retrying');
    expect(statuses.at(-1)).toBe('synced');
  });

  it('shares informers between sources watching the same resources, and stops them with the last subscriber', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const a = collect(d, { role: 'endpointslice', namespaces: { names: ['default'] } });
    const b = collect(d, { role: 'endpointslice', namespaces: { names: ['default'] } });
    await until(() => a.sends.length === 1 && b.sends.length === 1);
    expect(a.sends[0]).toEqual(b.sends[0]);
    for (const p of ['/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', '/api/v1/namespaces/default/services', '/api/v1/namespaces/default/pods']) {
      expect(s.requestsTo(p, false)).toHaveLength(1);
    }
    expect(d.informers.informers()).toHaveLength(3);
    await until(() => s.activeWatches === 3);
    a.unsubscribe();
    expect(d.informers.informers()).toHaveLength(3);
    b.unsubscribe();
    expect(d.informers.informers()).toHaveLength(0);
    await until(() => s.activeWatches === 0, 5000, 'the watches to close');
  });

  it('a late subscriber gets the current set at once', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const source = d.source({ role: 'endpointslice' });
    const first: TargetGroup[][] = [];
    cleanups.push(source.subscribe((g) => first.push(g)));
    await until(() => first.length === 1);
    const late: TargetGroup[][] = [];
    cleanups.push(source.subscribe((g) => late.push(g)));
    expect(late).toEqual(first);
  });
});

describe('KubernetesDiscovery: namespaces and selectors', () => {
  it('watches the listed namespaces and the context namespace for own_namespace', async () => {
    const { s } = await cluster();
    const d = discovery(s, {}, 'mon');
    expect(d.ownNamespace).toBe('mon');
    const { sends } = collect(d, { role: 'pod', namespaces: { names: ['default'], own_namespace: true } });
    await until(() => sends.length === 1);
    expect(sends[0]!.map((g) => g.source)).toEqual(['pod/default/web-1', 'pod/default/web-2', 'pod/mon/prom-0']);
    expect(s.requestsTo('/api/v1/namespaces/default/pods', false)).toHaveLength(1);
    expect(s.requestsTo('/api/v1/namespaces/mon/pods', false)).toHaveLength(1);
    expect(s.requestsTo('/api/v1/pods')).toHaveLength(0);
  });

  it('sends each role its selectors; the pod role drops pods on nodes the node selector filters out', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const { sends } = collect(d, {
      role: 'pod',
      selectors: [
        { role: 'pod', label: 'app=web', field: 'metadata.namespace=default' },
        { role: 'node', label: 'zone=z1' },
      ],
      attach_metadata: { node: true },
    });
    await until(() => sends.length === 1);
    expect(s.requestsTo('/api/v1/pods', false)[0]!.query).toMatchObject({ labelSelector: 'app=web', fieldSelector: 'metadata.namespace=default' });
    expect(s.requestsTo('/api/v1/nodes', false)[0]!.query).toMatchObject({ labelSelector: 'zone=z1' });
    const groups = sends[0]!;
    expect(groups.map((g) => g.source)).toEqual(['pod/default/web-1', 'pod/default/web-2']);
    expect(labelsToRecord(bySource(groups, 'pod/default/web-1')!.labels)).toMatchObject({ __meta_kubernetes_node_name: 'n1', __meta_kubernetes_node_label_zone: 'z1' });
    expect(bySource(groups, 'pod/default/web-2')!.targets).toEqual([]); // on n2, filtered out

    // A node update reaches the pods on it.
    await until(() => s.activeWatches >= 2);
    s.apply(node('n1', '10.0.0.1', { zone: 'z1', disk: 'ssd' }));
    await until(() => sends.length === 2);
    expect(labelsToRecord(bySource(sends[1], 'pod/default/web-1')!.labels).__meta_kubernetes_node_label_disk).toBe('ssd');
  });

  it('node and service roles', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const nodes = collect(d, { role: 'node' });
    const services = collect(d, { role: 'service', attach_metadata: { namespace: true } });
    await until(() => nodes.sends.length === 1 && services.sends.length === 1);
    expect(nodes.sends[0]!.map((g) => [g.source, labelsToRecord(g.targets[0]!).__address__])).toEqual([
      ['node/n1', '10.0.0.1:10250'],
      ['node/n2', '10.0.0.2:10250'],
    ]);
    expect(labelsToRecord(nodes.sends[0]![0]!.labels).__meta_kubernetes_node_condition_ready).toBe('true');
    const svc = services.sends[0]!;
    expect(svc.map((g) => g.source)).toEqual(['svc/default/web']);
    expect(labelsToRecord(svc[0]!.targets[0]!).__address__).toBe('web.default.svc:80');
    expect(labelsToRecord(svc[0]!.labels).__meta_kubernetes_namespace_label_team).toBe('a');

    // A namespace change reaches the services in it.
    await until(() => s.activeWatches >= 3);
    s.apply(namespace('default', { team: 'b' }));
    await until(() => services.sends.length === 2);
    expect(labelsToRecord(services.sends[1]![0]!.labels).__meta_kubernetes_namespace_label_team).toBe('b');
  });

  it('attach_metadata.deployment: a replica set appearing later names the deployment, for pods and slice targets', async () => {
    const { s, web2 } = await cluster();
    const owned = pod('web-1', 'default', 'n1', '192.168.0.1');
    owned.metadata!.ownerReferences = [{ kind: 'ReplicaSet', name: 'web-7d9', controller: true }];
    const web1 = s.apply(owned);
    s.apply(slice('web-abc', 'default', 'web', [web1, web2]));
    const d = discovery(s);
    const pods = collect(d, { role: 'pod', attach_metadata: { deployment: true } });
    const slices = collect(d, { role: 'endpointslice', attach_metadata: { deployment: true } });
    await until(() => pods.sends.length === 1 && slices.sends.length === 1);
    expect(labelsToRecord(bySource(pods.sends[0], 'pod/default/web-1')!.labels).__meta_kubernetes_pod_controller_name).toBe('web-7d9');
    expect(labelsToRecord(bySource(pods.sends[0], 'pod/default/web-1')!.labels).__meta_kubernetes_pod_deployment_name).toBeUndefined();
    await until(() => s.activeWatches === 4); // pods and replica sets shared by both sources
    s.apply({ kind: 'ReplicaSet', metadata: { name: 'web-7d9', namespace: 'default', ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] } });
    await until(() => pods.sends.length === 2 && slices.sends.length === 2, 5000, 'the deployment name');
    expect(labelsToRecord(bySource(pods.sends[1], 'pod/default/web-1')!.labels).__meta_kubernetes_pod_deployment_name).toBe('web');
    const t = targetsOf(bySource(slices.sends[1], 'endpointslice/default/web-abc'));
    expect(t.filter((x) => x.__meta_kubernetes_pod_deployment_name === 'web').map((x) => x.__address__)).toEqual(['192.168.0.1:8080', '192.168.0.1:9100']);
  });

  it('discoveredNamespaces follows Prometheus', () => {
    expect(discoveredNamespaces({ role: 'pod' }, 'own')).toEqual(['']);
    expect(discoveredNamespaces({ role: 'pod', namespaces: { names: ['a', 'b'] } }, 'own')).toEqual(['a', 'b']);
    expect(discoveredNamespaces({ role: 'pod', namespaces: { own_namespace: true } }, 'own')).toEqual(['own']);
    expect(discoveredNamespaces({ role: 'pod', namespaces: { names: ['a', 'own'], own_namespace: true } }, 'own')).toEqual(['a', 'own']);
  });
});

describe('configuration', () => {
  it.each<[KubernetesSDConfig, string]>([
    [{ role: '' }, 'role missing (one of: pod, service, endpoints, endpointslice, node, ingress)'],
    [{ role: 'pods' }, 'unknown Kubernetes SD role "pods"'],
    [{ role: 'pod', selectors: [{ role: 'pod' }, { role: 'pod' }] }, 'duplicated selector role: pod'],
    [{ role: 'pod', selectors: [{ role: 'service' }] }, 'pod role supports only pod, node selectors'],
    [{ role: 'endpointslice', selectors: [{ role: 'node' }] }, 'endpointslice role supports only pod, service, endpointslice selectors'],
    [{ role: 'node', selectors: [{ role: 'pod' }] }, 'node role supports only node selectors'],
    [{ role: 'endpoints' }, 'the endpoints role is not supported; use role: endpointslice (the same targets, __meta_kubernetes_endpointslice_* labels)'],
    [{ role: 'ingress' }, 'the ingress role is not supported'],
  ])('%j → %s', (config, message) => {
    expect(() => validateKubernetesSDConfig(config)).toThrow(message);
  });

  it('accepts a valid configuration', () => {
    expect(() => validateKubernetesSDConfig({ role: 'endpointslice', selectors: [{ role: 'service', label: 'a=b' }, { role: 'pod' }] })).not.toThrow();
  });

  it('fromKubeconfig picks the context, and refuses an unknown one', async () => {
    const s = new FakeApiServer({ tokens: { tok: 'alice' } });
    expect(() => KubernetesDiscovery.fromKubeconfig(s.kubeconfig(), 'nope')).toThrow('context "nope" is not defined in the kubeconfig');
    const d = KubernetesDiscovery.fromKubeconfig(s.kubeconfig(), 'fake');
    expect(d.ownNamespace).toBe('default');
    d.stop();
  });
});

describe('Prometheus Operator resources', () => {
  it('absent CRDs are synced and empty; installed ones are listed', async () => {
    const { s } = await cluster();
    const d = discovery(s);
    const absent = d.monitoring();
    cleanups.push(() => Object.values(absent).forEach((h) => h.release()));
    await Promise.all(Object.values(absent).map((h) => h.informer.waitForSync()));
    for (const h of Object.values(absent)) expect(h.informer.status).toMatchObject({ state: 'synced', absent: true, objects: 0 });
    expect(s.requestsTo('/apis/monitoring.coreos.com/v1/servicemonitors')).toHaveLength(1);

    s.installCrd();
    s.apply({ kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'mon' } });
    const present = d.monitoring('mon');
    cleanups.push(() => Object.values(present).forEach((h) => h.release()));
    await present.serviceMonitors.informer.waitForSync();
    expect(present.serviceMonitors.informer.list().map((o) => o.metadata?.name)).toEqual(['web']);
    expect(present.serviceMonitors.informer.path).toBe('/apis/monitoring.coreos.com/v1/namespaces/mon/servicemonitors');
  });
});
