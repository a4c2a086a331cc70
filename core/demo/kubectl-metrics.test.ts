// The real kubectl (1.32) reaching the demo cluster's metrics: raw proxy reads of the kubelet and
// node-exporter, port-forward (the WebSocket tunnel kubectl tries first, and its SPDY fallback),
// `kubectl top` over metrics.k8s.io, and the Prometheus Operator's objects.
import { spawn, spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restrictedUser } from './faults.js';
import { startDemoCluster, type RunningDemoCluster } from './index.js';
import { parseQuantity } from '../kube/objects.js';
import { kubectl, sharedCA, tempDir } from './testing.js';
import { TextParser } from '../exposition/text.js';
import type { KubeObject, Node, Pod } from '../kube/objects.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

let demo: RunningDemoCluster;
let env: { KUBECONFIG: string; HOME: string };
let dir: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir();
  demo = await startDemoCluster({ nodes: 5, seed: 'kubectl-metrics', ca: await sharedCA(), kubeconfigOut: path.join(dir.dir, 'config') });
  env = { KUBECONFIG: path.join(dir.dir, 'config'), HOME: path.join(dir.dir, 'home') };
});

afterAll(async () => {
  await demo?.close();
  await dir?.remove();
});

function seriesOf(body: string): string[] {
  const p = new TextParser(body);
  const out: string[] = [];
  for (let k = p.next(); k !== 'eof'; k = p.next()) if (k === 'series') out.push(p.seriesText());
  return out;
}

const rows = (out: string) => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

function httpText(port: number, pathName: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path: pathName, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Runs `kubectl port-forward pod/<name> 0:<port>` and returns the local port it chose. */
async function portForward(pod: string, port: number, extraEnv: Record<string, string> = {}): Promise<{ local: number; stop: () => void; stderr: () => string }> {
  const child = spawn('kubectl', ['port-forward', '-n', 'demo', `pod/${pod}`, `0:${port}`], { env: { PATH: process.env.PATH ?? '', ...env, ...extraEnv } });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const local = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl port-forward printed no port:\n${out}\n${err}`)), 15_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        expect(Number(m[2])).toBe(port);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', () => reject(new Error(`kubectl port-forward exited:\n${out}\n${err}`)));
  });
  return { local, stop: () => child.kill(), stderr: () => err };
}

describe.skipIf(!hasKubectl)('kubectl 1.32 and the demo cluster metrics', () => {
  it('get --raw of a node proxy returns the kubelet cAdvisor exposition', async () => {
    const node = demo.cluster.list<Node>('nodes')[1]!.metadata.name;
    const r = await kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/cadvisor`], env);
    expect(r.code).toBe(0);
    const series = seriesOf(r.stdout);
    expect(series.some((s) => s.startsWith('container_cpu_usage_seconds_total{container="",cpu="total",id="/",'))).toBe(true);
    expect(series.some((s) => s.startsWith('container_memory_working_set_bytes{container="",id="/kubepods.slice/'))).toBe(true);
    expect(series.some((s) => s.startsWith('machine_cpu_cores{'))).toBe(true);
  });

  it("get --raw of a node-exporter pod's proxy returns node_exporter's exposition", async () => {
    const pod = demo.cluster.list<Pod>('pods', 'monitoring').find((p) => p.metadata.labels?.['app.kubernetes.io/name'] === 'prometheus-node-exporter')!;
    const r = await kubectl(['get', '--raw', `/api/v1/namespaces/monitoring/pods/${pod.metadata.name}:9100/proxy/metrics`], env);
    expect(r.code).toBe(0);
    const series = seriesOf(r.stdout);
    expect(series).toContain(`node_network_up{device="ens5"}`);
    expect(series.some((s) => s.startsWith(`node_uname_info{domainname="(none)",machine="x86_64",nodename="${pod.spec.nodeName}",`))).toBe(true);
    expect(series.filter((s) => s.startsWith('node_cpu_seconds_total{cpu="0",'))).toHaveLength(8);
  });

  for (const [how, extraEnv] of [
    ['over the WebSocket tunnel', {}],
    ['over SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ] as const) {
    it(`port-forward pod/<ping> 0:8090 ${how}, then GET /metrics through it`, async () => {
      const ping = demo.cluster.list<Pod>('pods', 'demo').find((p) => p.metadata.labels?.app === 'ping')!;
      const pf = await portForward(ping.metadata.name, 8090, extraEnv);
      try {
        const first = await httpText(pf.local, '/metrics');
        expect(first.status).toBe(200);
        const count = Number(/^ping_request_count (\S+)$/m.exec(first.body)![1]);
        expect(count).toBeGreaterThan(5);
        expect((await httpText(pf.local, '/ping')).body).toBe('pong');
        const second = await httpText(pf.local, '/metrics');
        expect(Number(/^ping_request_count (\S+)$/m.exec(second.body)![1])).toBeGreaterThanOrEqual(count + 1);
        expect(pf.stderr()).toBe('');
      } finally {
        pf.stop();
      }
    });
  }

  it('port-forward to a port nothing listens on reports the error as kubectl prints it', async () => {
    const ping = demo.cluster.list<Pod>('pods', 'demo').find((p) => p.metadata.labels?.app === 'ping')!;
    const pf = await portForward(ping.metadata.name, 9999);
    try {
      await expect(httpText(pf.local, '/metrics')).rejects.toBeTruthy();
      for (let i = 0; i < 50 && !pf.stderr().includes('an error occurred forwarding'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(pf.stderr()).toContain(`an error occurred forwarding ${pf.local} -> 9999: error forwarding port 9999 to pod `);
      expect(pf.stderr()).toContain('connect: connection refused');
    } finally {
      pf.stop();
    }
  });

  it('top nodes and top pods print what metrics.k8s.io serves', async () => {
    const r = await kubectl(['top', 'nodes'], env);
    expect(r.code).toBe(0);
    const [header, ...body] = rows(r.stdout);
    expect(header).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    expect(body.map((b) => b[0]).sort()).toEqual(demo.cluster.list('nodes').map((n) => n.metadata.name).sort());
    for (const [name, cpu, cpuPct, mem, memPct] of body) {
      expect(cpu).toMatch(/^\d+m$/);
      const node = demo.cluster.get<Node>('nodes', undefined, name!)!;
      const pct = Number(cpuPct!.replace('%', ''));
      expect(Math.abs(pct - Math.floor((parseQuantity(cpu!) / parseQuantity(node.status.allocatable.cpu)) * 100))).toBeLessThanOrEqual(1);
      expect(mem).toMatch(/^\d+Mi$/);
      expect(Number(memPct!.replace('%', ''))).toBeGreaterThan(0);
      expect(Number(memPct!.replace('%', ''))).toBeLessThan(100);
    }
    const pods = await kubectl(['top', 'pods', '-n', 'demo', '-l', 'app=ping', '--containers'], env);
    const [ph, ...pb] = rows(pods.stdout);
    expect(ph).toEqual(['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    expect(pb.length).toBe(3);
    for (const row of pb) expect(row[1]).toBe('ping');
  });

  it('get servicemonitors -A, and the ping rule as kubectl shows it', async () => {
    const r = await kubectl(['get', 'servicemonitors', '-A'], env);
    expect(r.code).toBe(0);
    const [header, ...body] = rows(r.stdout);
    expect(header).toEqual(['NAMESPACE', 'NAME', 'AGE']);
    expect(body.map((b) => `${b[0]}/${b[1]}`).sort()).toEqual(['demo/ping', 'monitoring/kube-state-metrics', 'monitoring/kubelet', 'monitoring/node-exporter']);
    for (const b of body) expect(b[2]).toMatch(/^\d+d$/);
    const rule = parseYaml((await kubectl(['get', 'promrule', '-n', 'demo', 'ping', '-o', 'yaml'], env)).stdout) as KubeObject & { spec: { groups: { rules: { alert?: string; expr: string; for?: string }[] }[] } };
    expect(rule.spec.groups[0]!.rules[0]).toMatchObject({ alert: 'CountGreaterThan5', expr: 'ping_request_count > 5', for: '10s' });
    const pm = await kubectl(['get', 'podmonitors', '-n', 'monitoring', '-o', 'name'], env);
    expect(pm.stdout.trim()).toBe('podmonitor.monitoring.coreos.com/dcgm-exporter');
  });

  it("a user without services/proxy sees RBAC's refusal", async () => {
    const user = restrictedUser(demo, ['services/proxy'], 'kubectl-no-service-proxy');
    const config = path.join(dir.dir, 'restricted');
    await writeFile(config, user.kubeconfig);
    const r = await kubectl(['get', '--raw', '/api/v1/namespaces/demo/services/ping:metrics/proxy/metrics'], { ...env, KUBECONFIG: config });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (Forbidden): services "ping:metrics" is forbidden: User "kubectl-no-service-proxy" cannot get resource "services/proxy" in API group "" in the namespace "demo"');
  });
});
