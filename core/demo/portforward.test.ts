// pods/portforward with @kubernetes/client-node's PortForward (WebSocket, v4.channel.k8s.io):
// HTTP through the forwarded port reaches the pod's listener; a port nothing listens on is
// reported on the error channel; RBAC decides who may forward.
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restrictedUser } from './faults.js';
import { startDemoCluster, type RunningDemoCluster } from './index.js';
import { connectTo } from './portforward.js';
import { sharedCA } from './testing.js';
import type { Pod } from '../kube/objects.js';

let demo: RunningDemoCluster;
let ping: Pod;

beforeAll(async () => {
  demo = await startDemoCluster({ nodes: 4, seed: 'portforward', ca: await sharedCA() });
  ping = demo.cluster.list<Pod>('pods', 'demo').find((p) => p.metadata.labels?.app === 'ping')!;
});

afterAll(async () => {
  await demo?.close();
});

function kubeconfig(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

/** Forwards one connection with client-node, sends `send`, collects both streams until `done` says so. */
async function forward(kc: KubeConfig, pod: string, port: number, send: string, done: (out: string, err: string) => boolean): Promise<{ out: string; err: string }> {
  const output = new PassThrough();
  const error = new PassThrough();
  const input = new PassThrough();
  let out = '';
  let err = '';
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer; so far:\n${out}\n${err}`)), 10_000);
    const check = () => {
      if (done(out, err)) {
        clearTimeout(timer);
        resolve();
      }
    };
    output.on('data', (b: Buffer) => {
      out += b.toString();
      check();
    });
    error.on('data', (b: Buffer) => {
      err += b.toString();
      check();
    });
  });
  const ws = (await new PortForward(kc).portForward('demo', pod, [port], output, error, input)) as { close(): void };
  input.write(send);
  try {
    await finished;
  } finally {
    ws.close();
  }
  return { out, err };
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\nConnection: close\r\n\r\n`;

describe('port-forward with @kubernetes/client-node', () => {
  it('reaches the ping app: GET /metrics through the forwarded port', async () => {
    const { out } = await forward(kubeconfig(demo.kubeconfig), ping.metadata.name, 8090, GET('/metrics'), (o) => o.includes('\r\n0\r\n\r\n'));
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toContain('Content-Type: text/plain; version=0.0.4; charset=utf-8; escaping=underscores');
    expect(out).toMatch(/\nping_request_count \d/);
  });

  it('reports a port nothing listens on over the error channel', async () => {
    const { err } = await forward(kubeconfig(demo.kubeconfig), ping.metadata.name, 9999, '', (_o, e) => e.includes('connection refused'));
    expect(err).toContain('error forwarding port 9999 to pod ');
    expect(err).toContain('failed to connect to localhost:9999 inside namespace');
  });

  it('is the way in for a user without pods/proxy, and closed to one without pods/portforward', async () => {
    const noProxy = restrictedUser(demo, ['pods/proxy'], 'pf-no-proxy');
    const { out } = await forward(kubeconfig(noProxy.kubeconfig), ping.metadata.name, 8090, GET('/ping'), (o) => o.includes('pong'));
    expect(out).toMatch(/^HTTP\/1\.1 200 OK/);
    const noForward = restrictedUser(demo, ['pods/portforward'], 'pf-no-forward');
    await expect(new PortForward(kubeconfig(noForward.kubeconfig)).portForward('demo', ping.metadata.name, [8090], new PassThrough(), new PassThrough(), new PassThrough())).rejects.toBeTruthy();
  });
});

describe('the in-process connection to a listener', () => {
  it('carries several HTTP requests on one connection (keep-alive), then ends when the client does', async () => {
    const listener = { scheme: 'http' as const, app: 'echo', serve: (req: { path: string }) => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: `you asked for ${req.path}` }) };
    const conn = connectTo(listener);
    let got = '';
    const ended = new Promise<void>((r) => conn.on('end', () => r()));
    conn.on('data', (b: Buffer) => (got += b.toString()));
    conn.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await ended;
    expect(got.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
    expect(got).toContain('you asked for /a');
    expect(got).toContain('you asked for /b');
  });
});
