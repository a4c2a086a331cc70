// Starts the real `kubeglass serve` (browser mode, engine in a worker thread) against
// kubeconfig files the test writes, with a stand-in API server for /version.
import { test as base, expect, type APIRequestContext } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface Kubeglass {
  loginUrl: string;
  stdout: string;
}

export interface Workspace {
  dir: string;
  dataDir: string;
  apiPort: number;
  /** KUBECONFIG value: two files, as a user with a work and a personal config would have. */
  kubeconfig: string;
  fileA: string;
  fileB: string;
  start(env?: Record<string, string>, args?: string[]): Promise<Kubeglass>;
  stop(): Promise<void>;
}

export function kubeconfigA(apiPort: number): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: 'http://127.0.0.1:${apiPort}', insecure-skip-tls-verify: true}
- name: lab
  cluster: {server: 'https://127.0.0.1:1'}
users:
- name: admin
  user: {token: E2E-SECRET-TOKEN}
contexts:
- name: prod-admin
  context: {cluster: prod, user: admin, namespace: monitoring}
- name: lab
  context: {cluster: lab, user: admin}
`;
}

export function kubeconfigB(apiPort: number): string {
  return `apiVersion: v1
kind: Config
current-context: staging
clusters:
- name: prod
  cluster: {server: 'https://must-not-win.example:6443'}
- name: staging
  cluster: {server: 'http://127.0.0.1:${apiPort}', insecure-skip-tls-verify: true}
users:
- name: dev
  user: {token: E2E-SECRET-DEV}
contexts:
- name: staging
  context: {cluster: staging, user: dev, namespace: web}
`;
}

function startApiServer(): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.9-e2e', platform: 'linux/amd64' }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export const test = base.extend<{ ws: Workspace }>({
  ws: async ({}, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-e2e-'));
    const api = await startApiServer();
    const apiPort = (api.address() as AddressInfo).port;
    const fileA = path.join(dir, 'work.yaml');
    const fileB = path.join(dir, 'personal.yaml');
    writeFileSync(fileA, kubeconfigA(apiPort));
    writeFileSync(fileB, kubeconfigB(apiPort));
    let child: ChildProcess | null = null;
    const ws: Workspace = {
      dir,
      dataDir: path.join(dir, 'data'),
      apiPort,
      kubeconfig: [fileA, fileB].join(path.delimiter),
      fileA,
      fileB,
      async start(env = {}, args: string[] = []) {
        const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'kubeglass.mjs'), 'serve', '--data-dir', ws.dataDir, '--port', '0', ...args], {
          env: { ...process.env, KUBECONFIG: ws.kubeconfig, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child = proc;
        let stdout = '';
        let stderr = '';
        proc.stderr!.on('data', (c) => (stderr += c));
        const loginUrl = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`kubeglass serve printed no URL in 20 s:\n${stdout}\n${stderr}`)), 20_000);
          proc.stdout!.on('data', (c) => {
            stdout += c;
            const m = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
          proc.on('exit', (code) => reject(new Error(`kubeglass serve exited with ${code}:\n${stdout}\n${stderr}`)));
        });
        return { loginUrl, stdout };
      },
      async stop() {
        const proc = child;
        child = null;
        if (!proc || proc.exitCode !== null) return;
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      },
    };
    await use(ws);
    await ws.stop();
    api.closeAllConnections();
    api.close();
    rmSync(dir, { recursive: true, force: true });
  },
});

/** A 3-node demo cluster in its own process, with a kubeconfig for it in `dir`. */
/**
 * `kubeglass demo-cluster` with 3 nodes; `args` adds options (e.g. --without kube-state-metrics,
 * or --nodes 20 to override). With --faults-stdin, `fault(command)` sends one and resolves to its answer.
 */
export async function startDemo(dir: string, args: string[] = []): Promise<{ proc: ChildProcess; kubeconfig: string; fault: (command: string) => Promise<string> }> {
  const kubeconfig = path.join(dir, 'demo.kubeconfig');
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'kubeglass.mjs'), 'demo-cluster', '--nodes', '3', '--seed', '5', '--kubeconfig-out', kubeconfig, ...args], {
    stdio: [args.includes('--faults-stdin') ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const answers: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let partial = '';
  proc.stdout!.on('data', (c: Buffer) => {
    partial += c.toString();
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (!/^(ok|error)/.test(line)) continue;
      const w = waiting.shift();
      if (w) w(line);
      else answers.push(line);
    }
  });
  const fault = (command: string) =>
    new Promise<string>((resolve) => {
      waiting.push(resolve);
      proc.stdin!.write(`${command}\n`);
    });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo-cluster did not start:\n${out}`)), 30_000);
    proc.stdout!.on('data', (c) => {
      out += c;
      if (out.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr!.on('data', (c) => (out += c));
    proc.on('exit', (code) => reject(new Error(`demo-cluster exited with ${code}:\n${out}`)));
  });
  return { proc, kubeconfig, fault };
}

export type Vector = { metric: Record<string, string>; value: [number, string] }[];

/** An instant query through the app's own Prometheus API, asserting it answers a vector. */
export async function instant(request: APIRequestContext, origin: string, query: string, time?: number): Promise<Vector> {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set('time', String(time));
  const r = await request.get(`${origin}/api/v1/query?${params}`);
  expect(r.status(), await r.text()).toBe(200);
  const body = (await r.json()) as { data: { resultType: string; result: Vector } };
  expect(body.data.resultType).toBe('vector');
  return body.data.result;
}

export { expect };
