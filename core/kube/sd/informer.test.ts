// Informer against the fake API server, through the real client (KubeConfig auth, node:http).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createKubeApi, describeKubeError, KubeApiError, type KubeApi } from './client.js';
import { Informer, InformerFactory, resourcePath, type InformerEvent, type InformerOptions, type InformerStatus } from './informer.js';
import { FakeApiServer, until } from './testing.js';
import type { KubeObject, Pod } from './types.js';

const PODS = { version: 'v1', resource: 'pods' };

const pod = (name: string, ns = 'default', labels: Record<string, string> = {}): Pod => ({ kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: ns, labels } });

const servers: FakeApiServer[] = [];
const informers: Informer<KubeObject>[] = [];
afterEach(async () => {
  for (const i of informers.splice(0)) i.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fake(opts: ConstructorParameters<typeof FakeApiServer>[0] = { tokens: { 'good-token': 'alice' } }): Promise<FakeApiServer> {
  const s = await new FakeApiServer(opts).start();
  servers.push(s);
  return s;
}

function kubeConfig(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

function informerFor<T extends KubeObject = Pod>(server: FakeApiServer, opts: Partial<InformerOptions<T>> = {}, kc = kubeConfig(server.kubeconfig())): Informer<T> {
  const inf = new Informer<T>(createKubeApi(kc), { resource: PODS, backoff: { initialMs: 20, maxMs: 100 }, watchTimeoutSeconds: () => 30, ...opts });
  informers.push(inf as unknown as Informer<KubeObject>);
  return inf;
}

function record<T extends KubeObject>(inf: Informer<T>): { events: string[]; statuses: InformerStatus[] } {
  const events: string[] = [];
  const statuses: InformerStatus[] = [];
  inf.onChange((ev: InformerEvent<T>) => events.push(`${ev.type} ${ev.object.metadata?.name}`));
  inf.onStatus((s) => statuses.push(s));
  return { events, statuses };
}

describe('resourcePath', () => {
  it('builds core and group paths, cluster-wide or per namespace', () => {
    expect(resourcePath({ version: 'v1', resource: 'nodes' })).toBe('/api/v1/nodes');
    expect(resourcePath({ version: 'v1', resource: 'pods', namespace: 'kube-system' })).toBe('/api/v1/namespaces/kube-system/pods');
    expect(resourcePath({ group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' })).toBe('/apis/discovery.k8s.io/v1/endpointslices');
    expect(resourcePath({ group: 'monitoring.coreos.com', version: 'v1', resource: 'servicemonitors', namespace: 'mon' })).toBe('/apis/monitoring.coreos.com/v1/namespaces/mon/servicemonitors');
  });
});

describe('Informer', () => {
  it('lists page by page with the selectors, syncs, then watches from the list resourceVersion with bookmarks', async () => {
    const s = await fake();
    for (const n of ['a', 'b', 'c', 'd', 'e']) s.apply(pod(n, 'default', { app: 'x' }));
    s.apply(pod('other', 'default', { app: 'y' }));
    s.apply(pod('elsewhere', 'kube-system', { app: 'x' }));
    const inf = informerFor(s, { resource: { ...PODS, namespace: 'default' }, selectors: { label: 'app=x', field: 'metadata.namespace=default' }, pageSize: 2 });
    const { events, statuses } = record(inf);
    expect(inf.status.state).toBe('connecting');
    inf.start();
    await inf.waitForSync();
    expect(inf.list().map((p) => p.metadata?.name).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(inf.get('default/c')?.metadata?.name).toBe('c');
    expect(events).toEqual(['added a', 'added b', 'added c', 'added d', 'added e']);
    expect(statuses.at(-1)).toMatchObject({ state: 'synced', error: null, absent: false, objects: 5 });

    const lists = s.requestsTo('/api/v1/namespaces/default/pods', false);
    expect(lists.map((r) => [r.query.limit, r.query.continue, r.query.resourceVersion])).toEqual([
      ['2', undefined, '0'], // the first page may come from the watch cache
      ['2', '2', undefined],
      ['2', '4', undefined],
    ]);
    for (const r of lists) expect(r.query).toMatchObject({ labelSelector: 'app=x', fieldSelector: 'metadata.namespace=default' });
    expect(lists[0]!.user).toBe('alice');

    await until(() => s.activeWatches === 1, 5000, 'the watch');
    const w = s.requestsTo('/api/v1/namespaces/default/pods', true)[0]!;
    expect(w.query).toMatchObject({ watch: 'true', allowWatchBookmarks: 'true', resourceVersion: inf.lastResourceVersion, labelSelector: 'app=x', timeoutSeconds: '30' });
  });

  it('applies watch events in order: typed added, modified (with the old object), deleted', async () => {
    const s = await fake();
    s.apply(pod('a'));
    const inf = informerFor(s);
    const seen: InformerEvent<Pod>[] = [];
    inf.onChange((ev) => seen.push(ev));
    inf.start();
    await inf.waitForSync();
    await until(() => s.activeWatches === 1);
    s.apply(pod('b'));
    s.apply(pod('a', 'default', { v: '2' }));
    s.delete(pod('b'));
    await until(() => seen.length === 4);
    expect(seen.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['added a', 'added b', 'modified a', 'deleted b']);
    const mod = seen[2]!;
    expect(mod.type === 'modified' && mod.old.metadata?.labels).toEqual({});
    expect(mod.object.metadata?.labels).toEqual({ v: '2' });
    expect(inf.list().map((p) => p.metadata?.name)).toEqual(['a']);
    expect(inf.lastResourceVersion).toBe(s.resourceVersion);
  });

  it('resumes each new watch from the last resourceVersion seen, bookmarks included, without re-listing', async () => {
    const s = await fake({ tokens: { 'good-token': 'alice' } });
    s.maxWatchSeconds = 0.2;
    const inf = informerFor(s);
    const { events } = record(inf);
    inf.start();
    await inf.waitForSync();
    await until(() => s.activeWatches === 1);
    s.apply(pod('a'));
    await until(() => events.length === 1);
    s.bookmark();
    const bookmarkRv = s.resourceVersion;
    await until(() => inf.lastResourceVersion === bookmarkRv);
    // The server ends the watch; the next one starts where the bookmark left off.
    await until(() => s.requestsTo('/api/v1/pods', true).length >= 2);
    expect(s.requestsTo('/api/v1/pods', true)[1]!.query.resourceVersion).toBe(bookmarkRv);
    // A change made between two watches is not lost.
    s.apply(pod('b'));
    await until(() => events.length === 2);
    expect(events).toEqual(['added a', 'added b']);
    expect(s.requestsTo('/api/v1/pods', false)).toHaveLength(1);
  });

  it('on 410 Gone re-lists (a consistent read), and reports what changed meanwhile', async () => {
    const s = await fake();
    s.apply(pod('stays'));
    s.apply(pod('goes'));
    const inf = informerFor(s);
    const { events } = record(inf);
    inf.start();
    await inf.waitForSync();
    await until(() => s.activeWatches === 1);
    s.dropWatches(); // the informer misses what follows, then finds its version compacted away
    s.delete(pod('goes'));
    s.apply(pod('new'));
    s.compact();
    await until(() => s.requestsTo('/api/v1/pods', false).length === 2, 5000, 'a re-list');
    // The re-list's answer lands a moment after its request: wait for its content, not its size.
    await until(() => inf.list().some((p) => p.metadata?.name === 'new'));
    expect(inf.list().map((p) => p.metadata?.name).sort()).toEqual(['new', 'stays']);
    expect(events.slice(2)).toEqual(['deleted goes', 'added new']);
    expect(s.requestsTo('/api/v1/pods', false)[1]!.query.resourceVersion).toBeUndefined();
    expect(inf.status.state).toBe('synced');
  });

  it('a 410 ERROR event inside an open watch leads to a re-list too', async () => {
    const s = await fake();
    const inf = informerFor(s);
    inf.start();
    await inf.waitForSync();
    await until(() => s.activeWatches === 1);
    s.apply(pod('x'));
    s.compact(); // sends ERROR 410 on the open watch
    await until(() => s.requestsTo('/api/v1/pods', false).length === 2, 5000, 'a re-list');
    await until(() => inf.get('default/x') !== undefined);
  });

  it('a server that answers every watch with 410 is re-listed with backoff, not in a tight loop', async () => {
    let lists = 0;
    const api: KubeApi = {
      getJson: async () => (lists++, { metadata: { resourceVersion: '7' }, items: [] }),
      watch: async (_p, _q, _s, h) => {
        h.onOpen();
        h.onEvent({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 7 (9)' } });
      },
    };
    const inf = new Informer(api, { resource: PODS, backoff: { initialMs: 40, maxMs: 1000 } });
    informers.push(inf);
    inf.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(lists).toBeGreaterThanOrEqual(3);
    expect(lists).toBeLessThan(9);
  });

  it('an expired continue token restarts the list without paging', async () => {
    const s = await fake();
    for (const n of ['a', 'b', 'c']) s.apply(pod(n));
    s.expireContinueTokens();
    const inf = informerFor(s, { pageSize: 1 });
    inf.start();
    await inf.waitForSync();
    expect(inf.size).toBe(3);
    const lists = s.requestsTo('/api/v1/pods', false);
    expect(lists.map((r) => [r.query.limit, r.query.continue])).toEqual([
      ['1', undefined],
      ['1', '1'],
      [undefined, undefined],
    ]);
  });

  it('other watch errors and dropped connections: retry, then resume the watch without re-listing', async () => {
    const s = await fake();
    const inf = informerFor(s);
    const { statuses } = record(inf);
    inf.start();
    await inf.waitForSync();
    await until(() => s.activeWatches === 1);
    s.failWatches(500, 'etcd is sad');
    await until(() => statuses.some((st) => st.state === 'retrying'));
    expect(statuses.find((st) => st.state === 'retrying')!.error).toBe('InternalError (HTTP 500): etcd is sad');
    await until(() => s.activeWatches === 1 && inf.status.state === 'synced', 5000, 'the watch to come back');
    expect(inf.status.error).toBeNull();
    s.dropWatches();
    await until(() => s.requestsTo('/api/v1/pods', true).length === 3 && s.activeWatches === 1);
    s.apply(pod('after'));
    await until(() => inf.get('default/after') !== undefined);
    expect(s.requestsTo('/api/v1/pods', false)).toHaveLength(1);
  });

  it('403: retrying with the reason in plain words, backing off, until access is granted', async () => {
    const s = await fake();
    s.forbid('pods');
    s.apply(pod('a'));
    const inf = informerFor(s, { backoff: { initialMs: 30, maxMs: 120, factor: 2 }, random: () => 1 });
    const { statuses } = record(inf);
    inf.start();
    await until(() => statuses.filter((st) => st.state === 'retrying').length >= 4, 5000, 'four retries');
    const retrying = statuses.filter((st) => st.state === 'retrying');
    expect(retrying[0]!.error).toBe('Forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope');
    expect(retrying.map((st) => st.attempt).slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(inf.synced).toBe(false);
    s.allow('pods');
    await inf.waitForSync();
    expect(inf.status).toMatchObject({ state: 'synced', error: null, attempt: 0 });
  });

  it('backoff: doubles from the initial delay, capped, jittered between half and all of the step', async () => {
    const s = await fake();
    s.forbid('pods');
    const delays: number[] = [];
    let jitter = 0;
    const inf = informerFor(s, { backoff: { initialMs: 10, maxMs: 40, factor: 2 }, random: () => jitter, now: () => 1_000_000 });
    inf.onStatus((st) => {
      if (st.state === 'retrying') delays.push(st.retryAt! - 1_000_000);
      jitter = jitter === 0 ? 1 : 0;
    });
    inf.start();
    await until(() => delays.length >= 5);
    // attempts 1..5 → steps 10, 20, 40, 40, 40; jitter alternates 0 (half) and 1 (all).
    expect(delays.slice(0, 5)).toEqual([5, 20, 20, 40, 20]);
  });

  it('401 with a bad token says to log in again', async () => {
    const s = await fake();
    const inf = informerFor(s, {}, kubeConfig(s.kubeconfig({ token: 'wrong' })));
    inf.start();
    await until(() => inf.status.state === 'retrying');
    expect(inf.status.error).toBe('Unauthorized: the API server rejected the credentials; log in again or refresh the token');
  });

  it('404 (a CRD that is not installed) means synced and empty, rechecked slowly, not an error loop', async () => {
    const s = await fake();
    const sm = { group: 'monitoring.coreos.com', version: 'v1', resource: 'servicemonitors' };
    const inf = informerFor<KubeObject>(s, { resource: sm, absentRecheckMs: 600 });
    inf.start();
    await inf.waitForSync();
    expect(inf.status).toMatchObject({ state: 'synced', absent: true, error: null, objects: 0 });
    await new Promise((r) => setTimeout(r, 150));
    expect(s.requestsTo('/apis/monitoring.coreos.com/v1/servicemonitors')).toHaveLength(1);
    s.installCrd();
    s.apply({ kind: 'ServiceMonitor', metadata: { name: 'sm', namespace: 'mon' } });
    await until(() => inf.size === 1, 5000, 'the CRD to be noticed');
    expect(inf.status).toMatchObject({ state: 'synced', absent: false });
  });

  it('a refused connection is reported in words', async () => {
    const s = await fake();
    const kc = kubeConfig(s.kubeconfig());
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const inf = informerFor(s, {}, kc);
    inf.start();
    await until(() => inf.status.state === 'retrying');
    expect(inf.status.error).toBe('connection refused: nothing is listening at the API server address');
  });

  it('reads gzip-compressed lists', async () => {
    const s = await fake();
    s.gzip = true;
    for (let i = 0; i < 50; i++) s.apply(pod(`p${i}`));
    const inf = informerFor(s);
    inf.start();
    await inf.waitForSync();
    expect(inf.size).toBe(50);
  });

  it('drops managedFields by default', async () => {
    const s = await fake();
    s.apply({ ...pod('a'), metadata: { name: 'a', namespace: 'default', managedFields: [{ manager: 'kubectl' }] } });
    const inf = informerFor(s);
    inf.start();
    await inf.waitForSync();
    expect(inf.get('default/a')?.metadata).not.toHaveProperty('managedFields');
  });

  it('stop() closes the watch, cancels retries, and calls nobody back', async () => {
    const s = await fake();
    const inf = informerFor(s);
    const { events } = record(inf);
    inf.start();
    await inf.waitForSync();
    await until(() => s.activeWatches === 1);
    inf.stop();
    await until(() => s.activeWatches === 0, 5000, 'the server to see the watch closed');
    const before = s.requests.length;
    s.apply(pod('late'));
    await new Promise((r) => setTimeout(r, 200));
    expect(s.requests.length).toBe(before);
    expect(events).toEqual([]);
    expect(inf.stopped).toBe(true);

    // Stopping while retrying ends the retry loop too.
    s.forbid('pods');
    const retrying = informerFor(s);
    retrying.start();
    await until(() => retrying.status.state === 'retrying');
    retrying.stop();
    const n = s.requests.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(s.requests.length).toBe(n);
  });
});

describe('InformerFactory', () => {
  it('shares one informer per resource, namespace and selectors, and stops it with the last release', async () => {
    const s = await fake();
    const factory = new InformerFactory(createKubeApi(kubeConfig(s.kubeconfig())), { lingerMs: 0 });
    try {
      const a = factory.acquire(PODS, { label: 'app=x' });
      const b = factory.acquire(PODS, { label: 'app=x' });
      const c = factory.acquire(PODS, { label: 'app=y' });
      const d = factory.acquire({ ...PODS, namespace: 'default' }, { label: 'app=x' });
      expect(a.informer).toBe(b.informer);
      expect(new Set([a.informer, c.informer, d.informer]).size).toBe(3);
      expect(factory.informers()).toHaveLength(3);
      await a.informer.waitForSync();
      a.release();
      a.release(); // twice is once
      expect(a.informer.stopped).toBe(false);
      b.release();
      expect(a.informer.stopped).toBe(true);
      expect(factory.informers()).toHaveLength(2);
      expect(factory.acquire(PODS, { label: 'app=x' }).informer).not.toBe(a.informer);
    } finally {
      factory.stop();
    }
    expect(factory.informers()).toHaveLength(0);
    expect(() => factory.acquire(PODS)).toThrow(/stopped/);
  });

  it('lingers before stopping an informer nobody holds, so a reload does not re-list', async () => {
    const s = await fake();
    const factory = new InformerFactory(createKubeApi(kubeConfig(s.kubeconfig())), { lingerMs: 200 });
    try {
      const a = factory.acquire(PODS);
      await a.informer.waitForSync();
      a.release();
      const b = factory.acquire(PODS);
      expect(b.informer).toBe(a.informer);
      b.release();
      await until(() => b.informer.stopped, 2000, 'the linger to end');
      expect(s.requestsTo('/api/v1/pods', false)).toHaveLength(1);
    } finally {
      factory.stop();
    }
  });
});

describe('authentication through KubeConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kg-sd-tls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs an exec credential plugin and sends its token', async () => {
    const s = await fake({ tokens: { 'from-exec': 'exec-user' } });
    const script = `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } }))`;
    const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', script], interactiveMode: 'Never' };
    const inf = informerFor(s, {}, kubeConfig(s.kubeconfig({ exec })));
    inf.start();
    await inf.waitForSync();
    expect(s.requests[0]!.user).toBe('exec-user');
  });

  it('verifies the server against the kubeconfig CA and presents the client certificate', async () => {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    try {
      run('version');
    } catch {
      console.warn('openssl not found: TLS client-certificate test skipped');
      return;
    }
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', '/CN=apiserver');
    execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1" > ext.cnf'], { cwd: dir });
    run('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.crt', '-days', '2', '-extfile', 'ext.cnf');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'cli.key', '-out', 'cli.csr', '-subj', '/CN=cert-user');
    run('x509', '-req', '-in', 'cli.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cli.crt', '-days', '2');
    const read = (f: string) => readFileSync(path.join(dir, f));
    const b64 = (f: string) => read(f).toString('base64');
    const s = await fake({ tls: { key: read('srv.key'), cert: read('srv.crt'), ca: read('ca.crt') } });

    const good = informerFor(s, {}, kubeConfig(s.kubeconfig({ 'client-certificate-data': b64('cli.crt'), 'client-key-data': b64('cli.key') }, { 'certificate-authority-data': b64('ca.crt') })));
    good.start();
    await good.waitForSync();
    expect(s.requests[0]!.user).toBe('cert-user');

    const untrusted = informerFor(s, {}, kubeConfig(s.kubeconfig({ 'client-certificate-data': b64('cli.crt'), 'client-key-data': b64('cli.key') })));
    untrusted.start();
    await until(() => untrusted.status.state === 'retrying');
    expect(untrusted.status.error).toMatch(/^the API server's TLS certificate is not trusted \(\w+\); check certificate-authority in the kubeconfig$/);
  });
});

describe('describeKubeError', () => {
  it.each([
    [new KubeApiError(403, 'Forbidden', 'pods is forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope'), 'Forbidden: User "x" cannot list resource "pods" in API group "" at the cluster scope'],
    [new KubeApiError(404, 'NotFound', 'the server could not find the requested resource'), 'Not found: the server could not find the requested resource'],
    [new KubeApiError(503, '', ''), 'Service Unavailable (HTTP 503)'],
    [Object.assign(new Error('x'), { code: 'ENOTFOUND' }), 'the API server host name does not resolve (offline, or VPN not connected?)'],
    [Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'the API server cannot be reached (ECONNRESET)'],
    [new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false'), 'the API server URL uses plain http://; use https://, or set insecure-skip-tls-verify: true on the cluster if you really mean it'],
  ])('%s', (err, want) => expect(describeKubeError(err)).toBe(want));
});

describe('createKubeApi', () => {
  it('abandons a request the server never answers', async () => {
    const http = await import('node:http');
    const silent = http.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const s = new FakeApiServer();
      const kc = kubeConfig(s.kubeconfig({ token: 't' }, { server: `http://127.0.0.1:${port}` }));
      const api = createKubeApi(kc, { idleTimeoutMs: 150 });
      const started = Date.now();
      const err = await api.getJson('/api/v1/pods', {}, new AbortController().signal).catch((e: unknown) => e);
      expect(describeKubeError(err)).toMatch(/^the API server sent nothing for \d+ s$/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('abandons a silent watch, saying so', async () => {
    const s = await fake();
    const api = createKubeApi(kubeConfig(s.kubeconfig()), { idleTimeoutMs: 150 });
    let opened = false;
    const err = await api.watch('/api/v1/pods', { watch: 'true' }, new AbortController().signal, { onOpen: () => (opened = true), onEvent: () => {} }).catch((e: unknown) => e);
    expect(opened).toBe(true);
    expect(describeKubeError(err)).toMatch(/^the API server sent nothing for \d+ s$/);
  });
});
