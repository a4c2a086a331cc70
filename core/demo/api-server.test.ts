import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, loadOrCreateCertificateAuthority } from './certs.js';
import { ManualClock } from './cluster.js';
import { startDemoCluster, type RunningDemoCluster } from './index.js';
import { request, sharedCA, watchStream, withTempDir, type RequestOptions } from './testing.js';
import type { KubeObject, Pod } from '../kube/objects.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
let demo: RunningDemoCluster;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(T0);
  demo = await startDemoCluster({ nodes: 6, seed: 'api', ca: await sharedCA(), clock, bookmarkIntervalMs: 150 });
  demo.server.registerRoute('/whoami', ({ res, user }) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(user));
  });
  demo.server.registerSubresource('pods', 'proxy', { kind: 'PodProxyOptions', verbs: ['get', 'create'] }, ({ res, object, rest }) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`proxied to ${(object as Pod).status.podIP}/${rest.join('/')}`);
  });
});

afterAll(async () => {
  await demo?.close();
});

const get = (path: string, opts: RequestOptions = {}) => request(demo.url, demo.caPem, path, { token: demo.token, ...opts });

/** A pod to create in the demo namespace, ready and selected by the ping service or not. */
function newPod(name: string, labels: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'demo', labels, uid: '', resourceVersion: '', creationTimestamp: '' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.37' }], nodeName: 'demo-worker-01' },
    status: { phase: 'Running', podIP: '10.64.9.9', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('authentication and authorization', () => {
  it('answers 401 with a Status for missing or wrong credentials', async () => {
    for (const opts of [{ token: '' }, { token: 'wrong' }] as RequestOptions[]) {
      const r = await request(demo.url, demo.caPem, '/api/v1/pods', opts);
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
  });

  it('takes the user from a client certificate (CN) and its groups (O)', async () => {
    const r = await get('/whoami', { token: '', cert: demo.clientCert });
    expect(r.json()).toEqual({ name: 'kubeglass-demo-admin', groups: ['system:masters', 'system:authenticated'] });
    const t = await get('/whoami');
    expect(t.json()).toMatchObject({ name: 'kubeglass-demo-admin' });
  });

  it('refuses a certificate from another CA, and forbids a user without grants everything but discovery', async () => {
    const foreign = await issueClientCertificate(await createCertificateAuthority(), { user: 'mallory', groups: ['system:masters'] });
    expect((await get('/api/v1/pods', { token: '', cert: foreign })).status).toBe(401);

    const jane = await issueClientCertificate(await sharedCA(), { user: 'jane', groups: ['dev'] });
    expect((await get('/api', { token: '', cert: jane })).status).toBe(200);
    expect((await get('/version', { token: '', cert: jane })).status).toBe(200);
    const list = await get('/api/v1/namespaces/demo/pods', { token: '', cert: jane });
    expect(list.status).toBe(403);
    expect(list.json()).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message: 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "demo"',
      details: { kind: 'pods' },
    });
    const one = await get('/apis/apps/v1/namespaces/demo/deployments/ping', { token: '', cert: jane });
    expect(one.json()).toMatchObject({ message: 'deployments.apps "ping" is forbidden: User "jane" cannot get resource "deployments" in API group "apps" in the namespace "demo"' });
    const nodes = await get('/api/v1/nodes?watch=1', { token: '', cert: jane });
    expect(nodes.json()).toMatchObject({ message: 'nodes is forbidden: User "jane" cannot watch resource "nodes" in API group "" at the cluster scope' });
    expect((await get('/whoami', { token: '', cert: jane })).json()).toMatchObject({ message: 'forbidden: User "jane" cannot get path "/whoami"' });
  });
});

describe('errors as Status objects', () => {
  it('404 for a missing object, an unknown resource or a cluster-scoped kind under a namespace', async () => {
    const pod = await get('/api/v1/namespaces/demo/pods/nope');
    expect(pod.status).toBe(404);
    expect(pod.json()).toMatchObject({ reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } });
    expect((await get('/apis/apps/v1/namespaces/demo/deployments/nope')).json()).toMatchObject({ message: 'deployments.apps "nope" not found', details: { group: 'apps' } });
    for (const p of ['/api/v1/widgets', '/apis/nope/v1', '/api/v2/pods', '/api/v1/namespaces/demo/nodes', '/metrics']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.json(), p).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    }
  });

  it('405 for writes, 400 for bad selectors and parameters, 406 for media types it cannot produce', async () => {
    const post = await get('/api/v1/namespaces/demo/pods', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.json()).toMatchObject({ reason: 'MethodNotAllowed' });
    expect((await get('/api/v1/namespaces/demo/pods/x', { method: 'DELETE' })).status).toBe(405);
    const bad = await get('/api/v1/pods?labelSelector=app%20in%20x');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ reason: 'BadRequest', message: "found 'x', expected: '('" });
    expect((await get('/api/v1/pods?fieldSelector=foo%3Dbar')).json()).toMatchObject({ code: 400, message: 'field label not supported: foo' });
    expect((await get('/api/v1/pods?limit=ten')).status).toBe(400);
    expect((await get('/api/v1/pods?resourceVersion=abc')).status).toBe(400);
    expect((await get('/api/v1/pods?includeObject=All', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).status).toBe(400);
    const proto = await get('/api/v1/pods', { accept: 'application/vnd.kubernetes.protobuf' });
    expect(proto.status).toBe(406);
    expect(proto.json()).toMatchObject({ reason: 'NotAcceptable' });
  });
});

describe('discovery', () => {
  it('serves aggregated discovery with an ETag that revalidates', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const core = await get('/api', { accept });
    expect(core.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const doc = core.json<{ items: { versions: { resources: { resource: string; scope: string; subresources?: { subresource: string }[] }[] }[] }[] }>();
    const pods = doc.items[0]!.versions[0]!.resources.find((r) => r.resource === 'pods')!;
    expect(pods.scope).toBe('Namespaced');
    expect(pods.subresources?.map((s) => s.subresource)).toEqual(['proxy', 'portforward']);
    const again = await get('/api', { accept, headers: { 'If-None-Match': String(core.headers.etag) } });
    expect(again.status).toBe(304);
    const groups = (await get('/apis', { accept })).json<{ items: { metadata: { name: string } }[] }>();
    expect(groups.items.map((i) => i.metadata.name)).toEqual(['apps', 'coordination.k8s.io', 'discovery.k8s.io', 'monitoring.coreos.com', 'metrics.k8s.io']);
  });

  it('serves the legacy documents when aggregated discovery is not asked for', async () => {
    expect((await get('/api')).json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect((await get('/apis')).json()).toMatchObject({ kind: 'APIGroupList', groups: expect.arrayContaining([expect.objectContaining({ name: 'apps' })]) });
    expect((await get('/apis/apps')).json()).toMatchObject({ kind: 'APIGroup', preferredVersion: { groupVersion: 'apps/v1' } });
    const v1 = (await get('/api/v1')).json<{ groupVersion: string; resources: { name: string; shortNames?: string[]; storageVersionHash?: string }[] }>();
    expect(v1.groupVersion).toBe('v1');
    expect(v1.resources.find((r) => r.name === 'pods')).toMatchObject({ shortNames: ['po'], storageVersionHash: expect.stringMatching(/^[A-Za-z0-9+/]{11}=$/) });
    expect(v1.resources.map((r) => r.name)).toContain('pods/proxy');
    expect((await get('/apis/discovery.k8s.io/v1')).json()).toMatchObject({ groupVersion: 'discovery.k8s.io/v1', resources: [expect.objectContaining({ name: 'endpointslices' })] });
  });

  it('routes subresources to their handler with the parent object', async () => {
    const pod = demo.cluster.list<Pod>('pods', 'demo')[0]!;
    const r = await get(`/api/v1/namespaces/demo/pods/${pod.metadata.name}/proxy/metrics`);
    expect(r.body).toBe(`proxied to ${pod.status.podIP}/metrics`);
    expect((await get('/api/v1/namespaces/demo/pods/nope/proxy/metrics')).status).toBe(404);
    expect((await get(`/api/v1/namespaces/demo/pods/${pod.metadata.name}/log`)).status).toBe(404);
  });
});

type List = { metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }; items: KubeObject[] };

describe('list', () => {
  it('pages with limit and continue through one consistent snapshot, whatever changes meanwhile', async () => {
    const all = (await get('/api/v1/pods')).json<List>();
    expect(all.items.length).toBe(demo.cluster.count('pods'));
    const first = (await get('/api/v1/pods?limit=7')).json<List>();
    expect(first.items).toHaveLength(7);
    expect(first.metadata.remainingItemCount).toBe(all.items.length - 7);
    // Items of a list carry no kind/apiVersion, as the real server's do.
    expect(first.items[0]).not.toHaveProperty('kind');
    demo.cluster.create(newPod('aaa-new', { app: 'other' }));
    demo.cluster.delete('pods', all.items.at(-1)!.metadata.namespace, all.items.at(-1)!.metadata.name);
    const names = first.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
    let token = first.metadata.continue;
    while (token) {
      const page = (await get(`/api/v1/pods?limit=7&continue=${encodeURIComponent(token)}`)).json<List>();
      expect(page.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      names.push(...page.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
      token = page.metadata.continue;
    }
    expect(names).toEqual(all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
    const now = (await get('/api/v1/pods')).json<List>();
    expect(now.items.map((i) => i.metadata.name)).toContain('aaa-new');
    demo.cluster.delete('pods', 'demo', 'aaa-new');
  });

  it('fills pages to the limit under a selector, without remainingItemCount', async () => {
    const page = (await get('/api/v1/pods?limit=2&labelSelector=app.kubernetes.io%2Fname%3Dprometheus-node-exporter')).json<List>();
    expect(page.items).toHaveLength(2);
    expect(page.metadata.continue).toBeTruthy();
    expect(page.metadata).not.toHaveProperty('remainingItemCount');
    const rest = (await get(`/api/v1/pods?limit=100&labelSelector=app.kubernetes.io%2Fname%3Dprometheus-node-exporter&continue=${page.metadata.continue}`)).json<List>();
    expect(rest.items).toHaveLength(4);
    expect(rest.metadata.continue).toBeUndefined();
  });

  it('filters by namespace, label and the field selectors kubectl uses', async () => {
    const node = 'demo-worker-01';
    const onNode = (await get(`/api/v1/pods?fieldSelector=spec.nodeName%3D${node}`)).json<List>();
    expect(onNode.items.length).toBeGreaterThan(0);
    expect(onNode.items.every((p) => (p as Pod).spec.nodeName === node)).toBe(true);
    const running = (await get('/api/v1/namespaces/demo/pods?fieldSelector=status.phase%3DRunning,metadata.namespace%3Ddemo')).json<List>();
    expect(running.items.every((p) => p.metadata.namespace === 'demo' && (p as Pod).status.phase === 'Running')).toBe(true);
    const byName = (await get('/api/v1/nodes?fieldSelector=metadata.name%3Ddemo-worker-02')).json<List>();
    expect(byName.items.map((n) => n.metadata.name)).toEqual(['demo-worker-02']);
    const ping = (await get('/api/v1/namespaces/demo/pods?labelSelector=app%3Dping')).json<List>();
    expect(ping.items).toHaveLength(3);
  });

  it('answers 410 for a continue token whose snapshot is compacted, with a token to go on inconsistently', async () => {
    const first = (await get('/api/v1/pods?limit=3')).json<List>();
    demo.cluster.create(newPod('compact-me', { app: 'other' }));
    demo.cluster.compact();
    const expired = await get(`/api/v1/pods?limit=3&continue=${first.metadata.continue}`);
    expect(expired.status).toBe(410);
    const status = expired.json<{ reason: string; metadata: { continue: string } }>();
    expect(status.reason).toBe('Expired');
    const onward = (await get(`/api/v1/pods?limit=3&continue=${status.metadata.continue}`)).json<List>();
    expect(onward.items).toHaveLength(3);
    expect(`${onward.items[0]!.metadata.namespace}/${onward.items[0]!.metadata.name}` > `${first.items[2]!.metadata.namespace}/${first.items[2]!.metadata.name}`).toBe(true);
    expect((await get('/api/v1/pods?continue=garbage')).status).toBe(400);
    demo.cluster.delete('pods', 'demo', 'compact-me');
  });

  it('serves resourceVersionMatch=Exact from history, 410 once compacted', async () => {
    const before = (await get('/api/v1/namespaces/demo/pods')).json<List>();
    demo.cluster.create(newPod('exact', { app: 'other' }));
    const old = (await get(`/api/v1/namespaces/demo/pods?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`)).json<List>();
    expect(old.items.map((i) => i.metadata.name)).toEqual(before.items.map((i) => i.metadata.name));
    expect(old.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    demo.cluster.compact();
    const gone = await get(`/api/v1/namespaces/demo/pods?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.json()).toMatchObject({ reason: 'Expired', message: 'The resourceVersion for the provided list is too old.' });
    demo.cluster.delete('pods', 'demo', 'exact');
  });

  it('answers Tables, PartialObjectMetadataList and YAML when asked', async () => {
    const table = await get('/apis/apps/v1/namespaces/monitoring/daemonsets', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(table.headers['content-type']).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    const t = table.json<{ columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[]; object: { kind: string } }[] }>();
    expect(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age']);
    expect(t.rows.find((r) => r.cells[0] === 'node-exporter')!.cells.slice(0, 7)).toEqual(['node-exporter', 6, 6, 6, 6, 6, 'kubernetes.io/os=linux']);
    expect(t.rows[0]!.object.kind).toBe('PartialObjectMetadata');
    const deploy = (await get('/apis/apps/v1/namespaces/demo/deployments?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json<typeof t>();
    expect(deploy.rows[0]!.cells.slice(0, 4)).toEqual(['ping', '3/3', 3, 3]);
    expect(deploy.rows[0]!.object.kind).toBe('Deployment');
    const events = (await get('/api/v1/events', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json<typeof t>();
    expect(events.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    const partial = await get('/api/v1/namespaces/demo/pods', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    expect(partial.json()).toMatchObject({ kind: 'PartialObjectMetadataList', items: expect.arrayContaining([expect.objectContaining({ kind: 'PartialObjectMetadata' })]) });
    expect(partial.json<List>().items).toHaveLength(3);
    const yaml = await get('/api/v1/namespaces/demo/services/ping', { accept: 'application/yaml' });
    expect(yaml.headers['content-type']).toBe('application/yaml');
    expect(yaml.body).toMatch(/^apiVersion: v1\nkind: Service\n/);
  });
});

describe('watch', () => {
  const ev = (events: { type: string; object: Record<string, unknown> }[]) =>
    events.map((e) => `${e.type} ${(e.object.metadata as { name?: string } | undefined)?.name ?? ''}`.trim());

  it('streams ADDED, MODIFIED and DELETED after a resourceVersion', async () => {
    const rv = (await get('/api/v1/namespaces/demo/pods')).json<List>().metadata.resourceVersion;
    demo.cluster.create(newPod('w1', { app: 'w' }));
    demo.cluster.patch<Pod>('pods', 'demo', 'w1', (p) => {
      p.metadata.annotations = { touched: 'yes' };
    });
    demo.cluster.delete('pods', 'demo', 'w1');
    const r = await watchStream(demo.url, demo.caPem, `/api/v1/namespaces/demo/pods?watch=true&resourceVersion=${rv}`, { token: demo.token, until: (e) => e.length >= 3 });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(ev(r.events)).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    const rvs = r.events.map((e) => Number((e.object.metadata as { resourceVersion: string }).resourceVersion));
    expect(rvs[0]).toBeGreaterThan(Number(rv));
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
    expect(r.events[0]!.object.kind).toBe('Pod');
  });

  it('turns leaving and joining a label selection into DELETED and ADDED', async () => {
    demo.cluster.create(newPod('w2', { app: 'blue' }));
    const rv = demo.cluster.resourceVersion;
    demo.cluster.patch<Pod>('pods', 'demo', 'w2', (p) => void (p.metadata.labels = { app: 'green' }));
    demo.cluster.patch<Pod>('pods', 'demo', 'w2', (p) => void (p.metadata.labels = { app: 'blue', extra: '1' }));
    const r = await watchStream(demo.url, demo.caPem, `/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${rv}&labelSelector=app%3Dblue`, {
      token: demo.token,
      until: (e) => e.length >= 2,
    });
    expect(ev(r.events)).toEqual(['DELETED w2', 'ADDED w2']);
    expect((r.events[0]!.object.metadata as { labels: Record<string, string> }).labels).toEqual({ app: 'blue' });
    demo.cluster.delete('pods', 'demo', 'w2');
  });

  it('starts with the current state when no resourceVersion is given, and with a bookmark for sendInitialEvents', async () => {
    const plain = await watchStream(demo.url, demo.caPem, '/api/v1/namespaces/demo/pods?watch=1&labelSelector=app%3Dping', { token: demo.token, until: (e) => e.length >= 3 });
    expect(plain.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    const r = await watchStream(
      demo.url,
      demo.caPem,
      '/api/v1/namespaces/demo/pods?watch=1&labelSelector=app%3Dping&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=0&allowWatchBookmarks=true',
      { token: demo.token, until: (e) => e.some((x) => x.type === 'BOOKMARK') },
    );
    expect(r.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
    expect(r.events[3]!.object).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(demo.cluster.resourceVersion), annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
    expect((await get('/api/v1/pods?watch=1&sendInitialEvents=true')).json()).toMatchObject({
      code: 400,
      message: 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    });
    expect((await get('/api/v1/pods?sendInitialEvents=true')).json()).toMatchObject({ code: 400, message: 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list' });
    // Without bookmarks there is no end marker; sendInitialEvents=false lists nothing first.
    const unmarked = await watchStream(demo.url, demo.caPem, '/api/v1/namespaces/demo/pods?watch=1&labelSelector=app%3Dping&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1', {
      token: demo.token,
    });
    expect(unmarked.events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    const none = await watchStream(demo.url, demo.caPem, '/api/v1/namespaces/demo/pods?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&timeoutSeconds=1', { token: demo.token });
    expect(none.events).toEqual([]);
  });

  it('sends bookmarks when allowed, and hangs up after timeoutSeconds', async () => {
    const started = Date.now();
    const r = await watchStream(demo.url, demo.caPem, `/api/v1/nodes?watch=1&resourceVersion=${demo.cluster.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=1`, { token: demo.token });
    const took = Date.now() - started;
    expect(r.ended).toBe(true);
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    const bookmarks = r.events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(2);
    expect(bookmarks[0]!.object).toEqual({ kind: 'Node', apiVersion: 'v1', metadata: { resourceVersion: String(demo.cluster.resourceVersion) } });
    const none = await watchStream(demo.url, demo.caPem, `/api/v1/nodes?watch=1&resourceVersion=${demo.cluster.resourceVersion}&timeoutSeconds=1`, { token: demo.token });
    expect(none.events).toEqual([]);
  });

  it('delivers an ERROR event with 410 Expired for a compacted resourceVersion', async () => {
    const old = demo.cluster.resourceVersion;
    demo.cluster.create(newPod('w3', { app: 'w' }));
    demo.cluster.compact();
    const r = await watchStream(demo.url, demo.caPem, `/api/v1/pods?watch=1&resourceVersion=${old}`, { token: demo.token });
    expect(r.status).toBe(200);
    expect(r.ended).toBe(true);
    expect(r.events).toEqual([
      {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${old} (${demo.cluster.resourceVersion})`, reason: 'Expired', code: 410 },
      },
    ]);
    demo.cluster.delete('pods', 'demo', 'w3');
  });

  it('waits for a resourceVersion from the near future, and gives up on a far one with ResourceVersionTooLarge', async () => {
    const next = demo.cluster.resourceVersion + 1;
    setTimeout(() => demo.cluster.create(newPod('future', { app: 'f' })), 100);
    setTimeout(() => demo.cluster.patch<Pod>('pods', 'demo', 'future', (p) => void (p.metadata.annotations = { a: 'b' })), 200);
    const near = await watchStream(demo.url, demo.caPem, `/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${next}`, { token: demo.token, until: (e) => e.length >= 1 });
    expect(ev(near.events)).toEqual(['MODIFIED future']);
    demo.cluster.delete('pods', 'demo', 'future');
    const far = demo.cluster.resourceVersion + 1000;
    const r = await watchStream(demo.url, demo.caPem, `/api/v1/pods?watch=1&resourceVersion=${far}`, { token: demo.token });
    expect(r.events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({ code: 504, reason: 'Timeout', details: expect.objectContaining({ causes: [expect.objectContaining({ reason: 'ResourceVersionTooLarge' })] }) }),
      },
    ]);
  });

  it('sends Table rows with the column definitions only in the first event', async () => {
    const rv = demo.cluster.resourceVersion;
    clock.advance(15_000);
    demo.cluster.advance();
    const r = await watchStream(demo.url, demo.caPem, `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases?watch=1&resourceVersion=${rv}`, {
      token: demo.token,
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      until: (e) => e.length >= 2,
    });
    expect(r.events[0]!.type).toBe('MODIFIED');
    expect(r.events[0]!.object).toHaveProperty('columnDefinitions');
    expect(r.events[1]!.object).not.toHaveProperty('columnDefinitions');
    expect((r.events[1]!.object.rows as { cells: unknown[] }[])[0]!.cells[1]).toMatch(/^demo-/);
  });
});

describe('certificates', () => {
  it('issues a serving certificate for loopback and the in-cluster names, chained to the CA', async () => {
    const ca = await sharedCA();
    const server = new X509Certificate((await issueServerCertificate(ca)).certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(server.checkIssued(caCert)).toBe(true);
    expect(server.verify(caCert.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const client = new X509Certificate((await issueClientCertificate(ca, { user: 'bob', groups: ['a', 'b'] })).certPem);
    expect(client.subject).toBe('O=a\nO=b\nCN=bob');
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('keeps the CA in a state directory across restarts', async () => {
    await withTempDir(async (dir) => {
      const a = await loadOrCreateCertificateAuthority(dir);
      const b = await loadOrCreateCertificateAuthority(dir);
      expect(b.certPem).toBe(a.certPem);
      expect(b.keyPem).toBe(a.keyPem);
    });
  });
});

describe('extension seams', () => {
  it('serves a kind registered later: discovery, list, get and watch come with it', async () => {
    demo.cluster.registry.add({ group: 'example.com', version: 'v1', resource: 'widgets', singular: 'widget', kind: 'Widget', namespaced: true, verbs: ['get', 'list', 'watch'] });
    const rv = demo.cluster.resourceVersion;
    demo.cluster.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'demo', uid: '', resourceVersion: '', creationTimestamp: '' }, spec: { size: 3 } });
    const groups = (await get('/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json<{ items: { metadata: { name: string } }[] }>();
    expect(groups.items.map((i) => i.metadata.name)).toContain('example.com');
    const list = (await get('/apis/example.com/v1/namespaces/demo/widgets')).json<List>();
    expect(list).toMatchObject({ kind: 'WidgetList', apiVersion: 'example.com/v1', items: [expect.objectContaining({ spec: { size: 3 } })] });
    const table = (await get('/apis/example.com/v1/widgets', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json<{ rows: { cells: unknown[] }[] }>();
    expect(table.rows[0]!.cells[0]).toBe('w');
    const r = await watchStream(demo.url, demo.caPem, `/apis/example.com/v1/widgets?watch=1&resourceVersion=${rv}`, { token: demo.token, until: (e) => e.length >= 1 });
    expect(r.events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'Widget' } });
  });
});
