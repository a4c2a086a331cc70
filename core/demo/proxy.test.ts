// The cluster's metrics reached the way a client outside it reaches a real cluster's: through the
// API server's pods/, nodes/ and services/ proxies (their target resolution, their exact
// Status errors, RBAC) and metrics.k8s.io; and the faults a monitoring client must survive.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoCluster, ManualClock } from './cluster.js';
import { apiServerDown, apiServerUp, hangTarget, malformedTarget, nodeNotReady, nodeReady, oomKilled, refuseTarget, restrictedUser } from './faults.js';
import { startDemoCluster, type RunningDemoCluster } from './index.js';
import { renderResourceMetrics } from './kubelet-metrics.js';
import { nodeMetrics, podMetrics } from './metrics-api.js';
import { metricsModel } from './model.js';
import { parseQuantity } from '../kube/objects.js';
import { request, sharedCA, type RequestOptions } from './testing.js';
import { TextParser } from '../exposition/text.js';
import { OpenMetricsParser } from '../exposition/openmetrics.js';
import { ParseError } from '../exposition/types.js';
import type { Node, Pod } from '../kube/objects.js';

let demo: RunningDemoCluster;
let nodeName: string;
let nodeIp: string;
let ping: Pod;
let exporterPod: Pod;
let ksm: Pod;

const get = (path: string, opts: RequestOptions = {}) => request(demo.url, demo.caPem, path, { token: demo.token, ...opts });

/** Every sample name of a text exposition (throws ParseError if it is not one). */
function names(body: string, om = false): string[] {
  const p = om ? new OpenMetricsParser(body) : new TextParser(body);
  const out: string[] = [];
  for (let k = p.next(); k !== 'eof'; k = p.next()) if (k === 'series') out.push(p.seriesText());
  return out;
}

const status = (r: { json<T>(): T }) => r.json<{ kind: string; code: number; reason: string; message: string }>();

beforeAll(async () => {
  demo = await startDemoCluster({ nodes: 6, seed: 'proxy', ca: await sharedCA(), dialTimeoutMs: 400 });
  const node = demo.cluster.list<Node>('nodes').find((n) => n.metadata.name.includes('worker'))!;
  nodeName = node.metadata.name;
  nodeIp = node.status.addresses[0]!.address;
  ping = demo.cluster.list<Pod>('pods', 'demo').find((p) => p.metadata.labels?.app === 'ping')!;
  exporterPod = demo.cluster.list<Pod>('pods', 'monitoring').find((p) => p.spec.nodeName === nodeName && p.metadata.labels?.['app.kubernetes.io/name'] === 'prometheus-node-exporter')!;
  ksm = demo.cluster.list<Pod>('pods', 'monitoring').find((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'kube-state-metrics')!;
});

afterAll(async () => {
  await demo?.close();
});

describe('nodes/proxy', () => {
  it('reaches the kubelet on its default port: cadvisor, resource, its own metrics, probes, healthz', async () => {
    const cad = await get(`/api/v1/nodes/${nodeName}/proxy/metrics/cadvisor`);
    expect(cad.status).toBe(200);
    expect(cad.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8; escaping=values');
    expect(cad.headers['audit-id']).toBeTruthy();
    expect(names(cad.body).some((s) => s.startsWith('container_cpu_usage_seconds_total{container="",cpu="total",id="/"'))).toBe(true);
    const res = await get(`/api/v1/nodes/${nodeName}/proxy/metrics/resource`);
    expect(names(res.body)).toContain('node_memory_working_set_bytes');
    const own = await get(`/api/v1/nodes/${nodeName}:10250/proxy/metrics`);
    expect(names(own.body)).toContain(`kubelet_node_name{node="${nodeName}"}`);
    expect(names((await get(`/api/v1/nodes/${nodeName}/proxy/metrics/probes`)).body).some((s) => s.startsWith('prober_probe_total{'))).toBe(true);
    expect((await get(`/api/v1/nodes/${nodeName}/proxy/healthz`)).body).toBe('ok');
    const missing = await get(`/api/v1/nodes/${nodeName}/proxy/nope`);
    expect([missing.status, missing.body]).toEqual([404, '404 page not found\n']);
  });

  it('reaches node-exporter on the host network at :9100', async () => {
    const r = await get(`/api/v1/nodes/${nodeName}:9100/proxy/metrics`);
    expect(r.status).toBe(200);
    const kernel = demo.cluster.get<Node>('nodes', undefined, nodeName)!.status.nodeInfo.kernelVersion;
    expect(names(r.body).some((x) => x.startsWith(`node_uname_info{domainname="(none)",machine="x86_64",nodename="${nodeName}",release="${kernel}",sysname="Linux",version=`))).toBe(true);
    const landing = await get(`/api/v1/nodes/http:${nodeName}:9100/proxy/`);
    expect(landing.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(landing.body).toContain('<h1>Node Exporter</h1>');
  });

  it('fails like the real one: unknown node, port nothing listens on, malformed name', async () => {
    const unknown = await get('/api/v1/nodes/nope/proxy/metrics');
    expect([unknown.status, status(unknown).reason, status(unknown).message]).toEqual([404, 'NotFound', 'nodes "nope" not found']);
    const refused = await get(`/api/v1/nodes/${nodeName}:9999/proxy/metrics`);
    expect(refused.status).toBe(503);
    expect(status(refused)).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', message: `error trying to reach service: dial tcp ${nodeIp}:9999: connect: connection refused` });
    const bad = await get(`/api/v1/nodes/a:${nodeName}:1:2/proxy/metrics`);
    expect([bad.status, status(bad).message]).toEqual([400, `invalid node request "a:${nodeName}:1:2"`]);
  });
});

describe('pods/proxy', () => {
  it("reaches a pod's declared port, its first one by default", async () => {
    const byPort = await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}:8090/proxy/metrics`);
    expect(byPort.status).toBe(200);
    expect(byPort.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
    const count = (body: string) => Number(/^ping_request_count (\S+)$/m.exec(body)![1]);
    const before = count(byPort.body);
    expect(before).toBeGreaterThan(5);
    const pong = await get(`/api/v1/namespaces/demo/pods/http:${ping.metadata.name}:8090/proxy/ping`);
    expect(pong.body).toBe('pong');
    const byDefault = await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}/proxy/metrics`);
    expect(count(byDefault.body)).toBeGreaterThanOrEqual(before + 1);
    const ne = await get(`/api/v1/namespaces/monitoring/pods/${exporterPod.metadata.name}:9100/proxy/metrics`);
    expect(names(ne.body).some((s) => s.startsWith('node_cpu_seconds_total{cpu="0",mode="idle"}'))).toBe(true);
  });

  it('serves kube-state-metrics in OpenMetrics when asked, gzipped when asked', async () => {
    const om = await get(`/api/v1/namespaces/monitoring/pods/${ksm.metadata.name}:8080/proxy/metrics`, { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores');
    expect(om.body.endsWith('# EOF\n')).toBe(true);
    expect(names(om.body, true).filter((s) => s.startsWith('kube_pod_info{'))).toHaveLength(demo.cluster.count('pods'));
    const gz = await get(`/api/v1/namespaces/monitoring/pods/${ksm.metadata.name}:8080/proxy/metrics`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(names(gunzipSync(gz.raw).toString('utf8'))).toContain('kube_namespace_status_phase{namespace="demo",phase="Active"}');
  });

  it('fails like the real one: unknown pod, refused port, TLS to a plain port, no trailing path', async () => {
    const unknown = await get('/api/v1/namespaces/demo/pods/nope:8090/proxy/metrics');
    expect([unknown.status, status(unknown).message]).toEqual([404, 'pods "nope" not found']);
    const refused = await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}:9999/proxy/metrics`);
    expect([refused.status, status(refused).message]).toEqual([503, `error trying to reach service: dial tcp ${ping.status.podIP}:9999: connect: connection refused`]);
    const tls = await get(`/api/v1/namespaces/demo/pods/https:${ping.metadata.name}:8090/proxy/metrics`);
    expect([tls.status, status(tls).message]).toEqual([503, 'error trying to reach service: tls: first record does not look like a TLS handshake']);
    const named = await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}:metrics/proxy/metrics`);
    expect(status(named).message).toBe('error trying to reach service: dial tcp: lookup tcp/metrics: unknown port');
    const bare = await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}:8090/proxy?x=1`);
    expect([bare.status, bare.headers.location]).toEqual([301, `/api/v1/namespaces/demo/pods/${ping.metadata.name}:8090/proxy/?x=1`]);
  });
});

describe('services/proxy', () => {
  it('reaches a ready endpoint of the named or numbered port', async () => {
    expect(names((await get('/api/v1/namespaces/demo/services/ping:metrics/proxy/metrics')).body)).toContain('ping_request_count');
    expect(names((await get('/api/v1/namespaces/demo/services/ping:8090/proxy/metrics')).body)).toContain('ping_request_count');
    const kubelet = await get('/api/v1/namespaces/kube-system/services/https:kubelet:https-metrics/proxy/metrics');
    expect(names(kubelet.body).some((s) => s.startsWith('kubelet_node_name{'))).toBe(true);
    const telemetry = await get('/api/v1/namespaces/monitoring/services/kube-state-metrics:telemetry/proxy/metrics');
    expect(names(telemetry.body)).toContain('kube_state_metrics_total_shards');
  });

  it('fails like the real one: an unnamed port that is not there, an unknown port number', async () => {
    const unnamed = await get('/api/v1/namespaces/demo/services/ping/proxy/metrics');
    expect([unnamed.status, status(unnamed).reason, status(unnamed).message]).toEqual([503, 'ServiceUnavailable', 'no endpoints available for service "ping"']);
    const number = await get('/api/v1/namespaces/demo/services/ping:9999/proxy/metrics');
    expect([number.status, status(number).message]).toEqual([503, 'no service port 9999 found for service "ping"']);
  });
});

describe('RBAC on the proxies', () => {
  it('a user without services/proxy gets 403 there and still reaches pods', async () => {
    const user = restrictedUser(demo, ['services/proxy'], 'no-service-proxy');
    const denied = await get('/api/v1/namespaces/demo/services/ping:metrics/proxy/metrics', { token: user.token });
    expect(denied.status).toBe(403);
    expect(status(denied)).toMatchObject({
      reason: 'Forbidden',
      message: 'services "ping:metrics" is forbidden: User "no-service-proxy" cannot get resource "services/proxy" in API group "" in the namespace "demo"',
    });
    expect((await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}:8090/proxy/metrics`, { token: user.token })).status).toBe(200);
    expect((await get('/api/v1/namespaces/demo/pods', { token: user.token })).status).toBe(200);
  });

  it('a user without pods/proxy gets 403 there', async () => {
    const user = restrictedUser(demo, ['pods/proxy'], 'no-pod-proxy');
    const denied = await get(`/api/v1/namespaces/demo/pods/${ping.metadata.name}:8090/proxy/metrics`, { token: user.token });
    expect([denied.status, status(denied).message]).toEqual([
      403,
      `pods "${ping.metadata.name}:8090" is forbidden: User "no-pod-proxy" cannot get resource "pods/proxy" in API group "" in the namespace "demo"`,
    ]);
    expect((await get(`/api/v1/nodes/${nodeName}/proxy/metrics`, { token: user.token })).status).toBe(200);
  });
});

describe('faults', () => {
  const target = () => ({ namespace: 'demo', pod: ping.metadata.name, port: 8090 });
  const path = () => `/api/v1/namespaces/demo/pods/${ping.metadata.name}:8090/proxy/metrics`;

  it('a target that hangs keeps the proxied request waiting past a scrape timeout; answers once it wakes up', async () => {
    const undo = hangTarget(demo.network, target(), 30_000);
    const started = Date.now();
    await expect(get(path(), { timeoutMs: 700 })).rejects.toThrow('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    undo();
    const slow = hangTarget(demo.network, target(), 500);
    const t = Date.now();
    const r = await get(path());
    expect(r.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(450);
    slow();
  });

  it('a target that answers a malformed exposition', async () => {
    const undo = malformedTarget(demo.network, target());
    const r = await get(path(), { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(() => names(r.body)).toThrow(ParseError);
    undo();
    expect(names((await get(path())).body)).toContain('ping_request_count');
  });

  it('a target that stopped listening refuses', async () => {
    const undo = refuseTarget(demo.network, target());
    const r = await get(path());
    expect([r.status, status(r).message]).toEqual([503, `error trying to reach service: dial tcp ${ping.status.podIP}:8090: connect: connection refused`]);
    undo();
  });

  it('a node that stopped responding times out after the dialer gives up, and comes back', async () => {
    nodeNotReady(demo.cluster, nodeName);
    const t = Date.now();
    const r = await get(`/api/v1/nodes/${nodeName}/proxy/metrics/cadvisor`);
    expect([r.status, status(r).message]).toEqual([503, `error trying to reach service: dial tcp ${nodeIp}:10250: i/o timeout`]);
    expect(Date.now() - t).toBeGreaterThanOrEqual(380);
    const metrics = await get('/apis/metrics.k8s.io/v1beta1/nodes');
    expect(metrics.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name)).not.toContain(nodeName);
    nodeReady(demo.cluster, nodeName);
    expect((await get(`/api/v1/nodes/${nodeName}/proxy/metrics/cadvisor`)).status).toBe(200);
  });

  it('the API server goes away (connection refused) and comes back on the same port with its state', async () => {
    const rv = demo.cluster.resourceVersion;
    await apiServerDown(demo);
    await expect(get('/api/v1/nodes')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const victim = demo.cluster.list<Pod>('pods', 'demo').find((p) => p.metadata.labels?.app === 'ping' && p.metadata.name !== ping.metadata.name)!;
    oomKilled(demo.cluster, 'demo', victim.metadata.name);
    await apiServerUp(demo);
    const pods = await get(`/api/v1/namespaces/demo/pods/${victim.metadata.name}`);
    expect(pods.status).toBe(200);
    expect(Number(pods.json<Pod>().metadata.resourceVersion)).toBeGreaterThan(rv);
    expect(pods.json<Pod>().status.containerStatuses![0]!.lastState.terminated?.reason).toBe('OOMKilled');
    const watchFrom = await get(`/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(watchFrom.body).toContain(victim.metadata.name);
  });
});

describe('metrics.k8s.io', () => {
  it('lists NodeMetrics and PodMetrics as metrics-server does', async () => {
    const nodes = await get('/apis/metrics.k8s.io/v1beta1/nodes');
    const list = nodes.json<{ kind: string; items: { metadata: { name: string }; window: string; usage: { cpu: string; memory: string } }[] }>();
    expect(list.kind).toBe('NodeMetricsList');
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual(demo.cluster.list('nodes').map((n) => n.metadata.name).sort());
    for (const i of list.items) {
      expect(i.usage.cpu).toMatch(/^\d+n$/);
      expect(i.usage.memory).toMatch(/^\d+Ki$/);
      expect(i.window).toMatch(/^(10|20)s$/);
    }
    const one = await get(`/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods/${ping.metadata.name}`);
    expect(one.json()).toMatchObject({ kind: 'PodMetrics', metadata: { name: ping.metadata.name, namespace: 'demo' }, containers: [{ name: 'ping' }] });
    // A container restarted seconds ago (the OOM kill above) has no two samples yet: metrics-server leaves its pod out.
    const selected = await get('/apis/metrics.k8s.io/v1beta1/namespaces/demo/pods?labelSelector=app%3Dping');
    const items = selected.json<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>().items;
    expect(items.length).toBeGreaterThanOrEqual(2);
    for (const i of items) expect(i.metadata.labels.app).toBe('ping');
    const missing = await get('/apis/metrics.k8s.io/v1beta1/nodes/nope');
    expect([missing.status, status(missing).message]).toEqual([404, 'nodes.metrics.k8s.io "nope" not found']);
    const watch = await get('/apis/metrics.k8s.io/v1beta1/nodes?watch=1');
    expect(watch.status).toBe(405);
  });

  it('agrees exactly with the kubelet samples metrics-server would have scraped', () => {
    const clock = new ManualClock(Date.UTC(2025, 6, 1, 8, 0, 0));
    const c = new DemoCluster({ nodes: 5, seed: 'metrics-api', clock, evolve: false });
    const model = metricsModel(c);
    for (const node of c.store.list('nodes') as Node[]) {
      const m = nodeMetrics(model, node, clock.now())!;
      const t1 = Date.parse(m.timestamp as string);
      const win = parseFloat(m.window as string) * 1000;
      const at = (t: number) => renderResourceMetrics(model, node, (t + 999) / 1000, 'text');
      // The kubelet's samples fall on its own housekeeping grid (ms), within the second of the timestamp.
      const read = (body: string, name: string) => Number(new RegExp(`^${name} (\\S+) (\\d+)$`, 'm').exec(body)![1]);
      const stampOf = (body: string) => Number(/^node_cpu_usage_seconds_total \S+ (\d+)$/m.exec(body)![1]);
      const b1 = at(t1);
      const k1 = stampOf(b1);
      const b0 = at(k1 - win);
      expect(k1 - stampOf(b0)).toBe(win);
      const cpu = (read(b1, 'node_cpu_usage_seconds_total') - read(b0, 'node_cpu_usage_seconds_total')) / (win / 1000);
      const usage = m.usage as { cpu: string; memory: string };
      expect(Math.abs(parseQuantity(usage.cpu) - cpu)).toBeLessThan(1e-5);
      expect(parseQuantity(usage.memory)).toBe(read(b1, 'node_memory_working_set_bytes'));
      for (const pod of model.podsOn(node.metadata.name).slice(0, 4)) {
        const pm = podMetrics(model, pod, clock.now());
        if (!pm) continue;
        const ts = Date.parse(pm.timestamp as string);
        const body = at(ts);
        for (const cm of pm.containers as { name: string; usage: { memory: string } }[]) {
          const ws = new RegExp(`^container_memory_working_set_bytes\\{container="${cm.name}",namespace="${pod.metadata.namespace}",pod="${pod.metadata.name}"\\} (\\S+)`, 'm').exec(body)!;
          expect(parseQuantity(cm.usage.memory)).toBe(Number(ws[1]));
        }
      }
    }
  });
});
