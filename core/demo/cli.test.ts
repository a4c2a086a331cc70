import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { demoClusterCommand } from './cli.js';
import { kubectl, withTempDir } from './testing.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('kubeglass demo-cluster', () => {
  it('rejects sizes outside 3..500 and bad ports', async () => {
    const errors: string[] = [];
    expect(await demoClusterCommand(['--nodes', '2'], { err: (s) => errors.push(s), stop: Promise.resolve() })).toBe(2);
    expect(await demoClusterCommand(['--nodes', '501'], { err: (s) => errors.push(s), stop: Promise.resolve() })).toBe(2);
    expect(await demoClusterCommand(['--port', '70000'], { err: (s) => errors.push(s), stop: Promise.resolve() })).toBe(2);
    expect(errors[0]).toContain('--nodes must be a whole number from 3 to 500');
    expect(errors[2]).toContain('--port must be a number from 0 to 65535');
    expect(await demoClusterCommand(['--node-exporter-url', 'ftp://x'], { err: (s) => errors.push(s), stop: Promise.resolve() })).toBe(2);
    expect(errors[3]).toContain('--node-exporter-url takes [NODE=]http(s)://…, not "ftp://x"');
    expect(await demoClusterCommand(['--nodes', '3', '--node-exporter-url', 'nope=http://127.0.0.1:1/metrics'], { err: (s) => errors.push(s), stop: Promise.resolve() })).toBe(2);
    expect(errors[4]).toContain('the cluster has no node "nope"');
  });

  it.skipIf(!hasKubectl)('--faults-stdin takes fault commands and answers each, in order', async () => {
    await withTempDir(async (dir) => {
      const kubeconfig = path.join(dir, 'kubeconfig');
      const input = new PassThrough();
      let stop!: () => void;
      const lines: string[] = [];
      const running = demoClusterCommand(['--nodes', '3', '--faults-stdin', '--kubeconfig-out', kubeconfig], { out: (s) => lines.push(s), input, stop: new Promise<void>((r) => (stop = r)) });
      try {
        while (!lines.some((l) => l.startsWith('Press Ctrl+C'))) await new Promise((r) => setTimeout(r, 20));
        const answers = async (n: number) => {
          while (lines.filter((l) => /^(ok|error)/.test(l)).length < n) await new Promise((r) => setTimeout(r, 20));
          return lines.filter((l) => /^(ok|error)/.test(l));
        };
        input.write('node-not-ready demo-worker-01\nbogus\nmalformed demo-worker-01 notaport\ncrashloop nope\nnode-not-ready no-such-node\napi-down\napi-up\n');
        expect(await answers(7)).toEqual([
          'ok node-not-ready demo-worker-01',
          'error: unknown command "bogus"',
          'error: "notaport" is not a port',
          'error: "nope" is not NAMESPACE/POD',
          'error: nodes "no-such-node" not found',
          'ok api-down',
          'ok api-up',
        ]);
        // The fault is real: kubectl sees the node NotReady (the API server is back after api-up).
        const r = await kubectl(['get', 'node', 'demo-worker-01', '--no-headers'], { KUBECONFIG: kubeconfig, HOME: dir });
        expect(r.stdout).toMatch(/NotReady/);
      } finally {
        stop();
        expect(await running).toBe(0);
      }
    });
  });

  it.skipIf(!hasKubectl)('--without APP starts a cluster without that add-on; an unknown one is an error', async () => {
    await withTempDir(async (dir) => {
      const kubeconfig = path.join(dir, 'kubeconfig');
      const errors: string[] = [];
      expect(await demoClusterCommand(['--nodes', '3', '--without', 'no-such-app', '--kubeconfig-out', kubeconfig], { err: (s) => errors.push(s), out: () => {}, stop: Promise.resolve() })).toBe(2);
      expect(errors[0]).toContain('--without no-such-app: no objects labelled app.kubernetes.io/name=no-such-app');
      let stop!: () => void;
      const lines: string[] = [];
      const running = demoClusterCommand(['--nodes', '3', '--without', 'kube-state-metrics', '--kubeconfig-out', kubeconfig], { out: (s) => lines.push(s), stop: new Promise<void>((r) => (stop = r)) });
      try {
        while (!lines.some((l) => l.startsWith('Press Ctrl+C'))) await new Promise((r) => setTimeout(r, 20));
        expect(lines).toContain('without:      kube-state-metrics');
        const r = await kubectl(['get', 'deploy,pods,svc', '-A', '-l', 'app.kubernetes.io/name=kube-state-metrics', '-o', 'name'], { KUBECONFIG: kubeconfig, HOME: dir });
        expect(r.stdout.trim()).toBe('');
        const nodes = await kubectl(['get', 'nodes', '-o', 'name'], { KUBECONFIG: kubeconfig, HOME: dir });
        expect(nodes.stdout.trim().split('\n')).toHaveLength(3);
      } finally {
        stop();
        expect(await running).toBe(0);
      }
    });
  });

  it.skipIf(!hasKubectl)('--node-exporter-url backs a node\'s node-exporter with a real exporter, reached through the API server', async () => {
    const exposition = '# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.42\n';
    let seen: Record<string, string | string[] | undefined> = {};
    const stub = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(req.url === '/metrics' ? exposition : 'other');
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/metrics`;
    try {
      await withTempDir(async (dir) => {
        const out: string[] = [];
        let stop!: () => void;
        const stopped = new Promise<void>((r) => (stop = r));
        const file = path.join(dir, 'kc');
        const done = demoClusterCommand(['--nodes', '3', '--seed', '9', '--kubeconfig-out', file, '--node-exporter-url', url], { out: (s) => out.push(s), stop: stopped });
        while (!out.some((l) => l.startsWith('Press Ctrl+C'))) await new Promise((r) => setTimeout(r, 20));
        const line = out.find((l) => l.startsWith('node-exporter:'))!;
        const node = /^node-exporter: (\S+) answers with /.exec(line)![1]!;
        expect(node).toMatch(/worker/);
        const env = { KUBECONFIG: file, HOME: path.join(dir, 'home') };
        const r = await kubectl(['get', '--raw', `/api/v1/nodes/${node}:9100/proxy/metrics`], env);
        expect(r.stdout).toBe(exposition);
        expect(String(seen['accept-encoding'] ?? '')).toContain('gzip');
        const other = await kubectl(['get', 'nodes', '-o', 'name'], env);
        const another = other.stdout.trim().split('\n').map((n) => n.replace('node/', '')).find((n) => n !== node)!;
        expect((await kubectl(['get', '--raw', `/api/v1/nodes/${another}:9100/proxy/metrics`], env)).stdout).toContain('node_exporter_build_info{');
        stop();
        expect(await done).toBe(0);
      });
    } finally {
      stub.close();
    }
  });

  it('writes a kubeconfig for the named context, serves until stopped, and keeps its CA and token in the state dir', async () => {
    await withTempDir(async (dir) => {
      const stateDir = path.join(dir, 'state');
      const run = async () => {
        const out: string[] = [];
        let stop!: () => void;
        const stopped = new Promise<void>((r) => (stop = r));
        const done = demoClusterCommand(['--nodes', '3', '--seed', '7', '--context', 'mini', '--state-dir', stateDir], { out: (s) => out.push(s), stop: stopped });
        while (!out.some((l) => l.startsWith('Press Ctrl+C'))) await new Promise((r) => setTimeout(r, 20));
        const file = path.join(stateDir, 'kubeconfig');
        const config = parseYaml(await readFile(file, 'utf8')) as { 'current-context': string; contexts: { name: string }[]; clusters: { cluster: { server: string } }[]; users: { user: { token?: string } }[] };
        expect(out.find((l) => l.startsWith('API server:'))).toContain(config.clusters[0]!.cluster.server);
        expect(out.find((l) => l.startsWith('kubeconfig:'))).toContain(file);
        if (hasKubectl) {
          const nodes = await kubectl(['get', 'nodes', '-o', 'name'], { KUBECONFIG: file, HOME: path.join(dir, 'home') });
          expect(nodes.stdout.trim().split('\n')).toHaveLength(3);
        }
        stop();
        expect(await done).toBe(0);
        expect(out.at(-1)).toBe('Demo cluster stopped.');
        return config;
      };
      const first = await run();
      expect(first['current-context']).toBe('mini');
      expect(first.contexts.map((c) => c.name)).toEqual(['mini', 'mini-cert']);
      const second = await run();
      expect(second.users[0]!.user.token).toBe(first.users[0]!.user.token);
      expect(existsSync(path.join(stateDir, 'ca.key'))).toBe(true);
    });
  });

  it.skipIf(!hasKubectl)('runs as a process from the kubeglass command line and exits cleanly on SIGINT', async () => {
    // Bundle the real entry point as the build does, beside node_modules so its imports resolve.
    const outDir = path.join(repo, 'node_modules', '.cache', 'kubeglass-demo-test');
    await mkdir(outDir, { recursive: true });
    const outfile = path.join(outDir, `cli-${process.pid}.mjs`);
    await build({
      stdin: { contents: `import { main } from ${JSON.stringify(path.join(repo, 'core/cli/main.ts'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`, resolveDir: repo, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'error',
    });
    await withTempDir(async (dir) => {
      const kubeconfig = path.join(dir, 'kc.yaml');
      const child = spawn(process.execPath, [outfile, 'demo-cluster', '--nodes', '3', '--kubeconfig-out', kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        const deadline = Date.now() + 20_000;
        while (!out.includes('Press Ctrl+C')) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`demo-cluster did not start:\n${out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(out).toMatch(/API server: {3}https:\/\/127\.0\.0\.1:\d+/);
        const r = await kubectl(['get', 'pods', '-n', 'demo', '-l', 'app=ping', '-o', 'name'], { KUBECONFIG: kubeconfig, HOME: path.join(dir, 'home') });
        expect(r.stdout.trim().split('\n')).toHaveLength(3);
        child.kill('SIGINT');
        expect(await exited).toBe(0);
        expect(out).toContain('Demo cluster stopped (SIGINT).');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
        await rm(outfile, { force: true });
      }
    });
  });
});
