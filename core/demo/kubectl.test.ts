// The real kubectl (1.32) against the demo API server: if kubectl is happy, clients are.
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueClientCertificate } from './certs.js';
import { oomKilled } from './faults.js';
import { ADMIN_USER, startDemoCluster, type RunningDemoCluster } from './index.js';
import { demoKubeconfig } from './kubeconfig-out.js';
import { kubectl, sharedCA, tempDir } from './testing.js';
import { nodeRoles } from './tables.js';
import type { KubeObject, Node, Pod } from '../kube/objects.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

let demo: RunningDemoCluster;
let env: { KUBECONFIG: string; HOME: string };
let dir: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  dir = await tempDir();
  demo = await startDemoCluster({ nodes: 5, seed: 'kubectl', ca: await sharedCA(), kubeconfigOut: path.join(dir.dir, 'config') });
  demo.server.registerRoute('/whoami', ({ res, user }) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(user));
  });
  // A HOME of its own: kubectl keeps its discovery cache there, and must not read ~/.kube.
  env = { KUBECONFIG: path.join(dir.dir, 'config'), HOME: path.join(dir.dir, 'home') };
});

afterAll(async () => {
  await demo?.close();
  await dir?.remove();
});

const names = (objs: KubeObject[]) => objs.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
const rows = (out: string) => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

describe.skipIf(!hasKubectl)('kubectl 1.32 against the demo cluster', () => {
  it('get nodes,pods,svc -A -o json returns exactly the cluster objects', async () => {
    const r = await kubectl(['get', 'nodes,pods,svc', '-A', '-o', 'json'], env);
    expect(r.stderr).toBe('');
    const list = JSON.parse(r.stdout) as { kind: string; items: KubeObject[] };
    expect(list.kind).toBe('List');
    const byKind = (k: string) => list.items.filter((i) => i.kind === k);
    expect(names(byKind('Node'))).toEqual(names(demo.cluster.list('nodes')));
    expect(names(byKind('Pod'))).toEqual(names(demo.cluster.list('pods')));
    expect(names(byKind('Service'))).toEqual(names(demo.cluster.list('services')));
    expect(list.items.length).toBe(demo.cluster.count('nodes') + demo.cluster.count('pods') + demo.cluster.count('services'));
  });

  it('get nodes prints the server-side table: NAME STATUS ROLES AGE VERSION', async () => {
    const r = await kubectl(['get', 'nodes'], env);
    expect(r.code).toBe(0);
    const [header, ...body] = rows(r.stdout);
    expect(header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    const nodes = demo.cluster.list<Node>('nodes');
    expect(body.map((b) => b[0])).toEqual(nodes.map((n) => n.metadata.name));
    for (const [name, status, roles, age, version] of body) {
      const node = nodes.find((n) => n.metadata.name === name)!;
      expect(status).toBe('Ready');
      expect(roles).toBe(nodeRoles(node.metadata.labels).join(','));
      expect(age).toMatch(/^\d+d$/);
      expect(version).toBe(node.status.nodeInfo.kubeletVersion);
    }
    const wide = rows((await kubectl(['get', 'nodes', '-o', 'wide'], env)).stdout);
    expect(wide[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    expect(wide[1]![5]).toBe(nodes[0]!.status.addresses[0]!.address);
  });

  it('get pods -n demo -l app=ping lists the three ping pods, running and ready', async () => {
    const r = await kubectl(['get', 'pods', '-n', 'demo', '-l', 'app=ping'], env);
    const [header, ...body] = rows(r.stdout);
    expect(header).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const ping = demo.cluster.list<Pod>('pods', 'demo').filter((p) => p.metadata.labels?.app === 'ping');
    expect(body.map((b) => b[0])).toEqual(ping.map((p) => p.metadata.name));
    for (const b of body) expect(b.slice(1, 3)).toEqual(['1/1', 'Running']);
  });

  it('get pod X -o yaml returns the stored pod', async () => {
    const pod = demo.cluster.list<Pod>('pods', 'monitoring')[0]!;
    const r = await kubectl(['get', 'pod', pod.metadata.name, '-n', 'monitoring', '-o', 'yaml'], env);
    const got = parseYaml(r.stdout) as Pod;
    expect(got.kind).toBe('Pod');
    expect(got.metadata.uid).toBe(pod.metadata.uid);
    expect(got.spec.nodeName).toBe(pod.spec.nodeName);
    expect(got.status.podIP).toBe(pod.status.podIP);
    const missing = await kubectl(['get', 'pod', 'nope', '-n', 'demo'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
  });

  it('follows continue tokens (--chunk-size) and honours field selectors', async () => {
    const r = await kubectl(['get', 'pods', '-A', '--chunk-size=4', '-o', 'name'], env);
    expect(r.stdout.trim().split('\n').sort()).toEqual(demo.cluster.list('pods').map((p) => `pod/${p.metadata.name}`).sort());
    const node = demo.cluster.list<Node>('nodes')[1]!.metadata.name;
    const onNode = await kubectl(['get', 'pods', '-A', '--field-selector', `spec.nodeName=${node}`, '-o', 'json'], env);
    const items = (JSON.parse(onNode.stdout) as { items: Pod[] }).items;
    expect(items.length).toBe(demo.cluster.list<Pod>('pods').filter((p) => p.spec.nodeName === node).length);
    const bad = await kubectl(['get', 'pods', '--field-selector', 'foo=bar'], env);
    expect(bad.stderr).toContain('field label not supported: foo');
  });

  it('prints deployments, daemonsets, events and api-resources', async () => {
    const workloads = rows((await kubectl(['get', 'deploy,ds', '-n', 'monitoring'], env)).stdout);
    expect(workloads[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(workloads[1]!.slice(0, 4)).toEqual(['deployment.apps/kube-state-metrics', '1/1', '1', '1']);
    expect(workloads.find((w) => w[0] === 'daemonset.apps/node-exporter')!.slice(1, 7)).toEqual(['5', '5', '5', '5', '5', 'kubernetes.io/os=linux']);
    const events = await kubectl(['get', 'events', '-A'], env);
    expect(rows(events.stdout)[0]).toEqual(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const resources = await kubectl(['api-resources', '--no-headers', '-o', 'name'], env);
    expect(resources.stdout.trim().split('\n').sort()).toEqual(
      [
        'daemonsets.apps',
        'deployments.apps',
        'endpoints',
        'endpointslices.discovery.k8s.io',
        'events',
        'leases.coordination.k8s.io',
        'namespaces',
        'nodes',
        'nodes.metrics.k8s.io',
        'podmonitors.monitoring.coreos.com',
        'pods',
        'pods.metrics.k8s.io',
        'prometheusrules.monitoring.coreos.com',
        'replicasets.apps',
        'servicemonitors.monitoring.coreos.com',
        'services',
      ].sort(),
    );
  });

  it('authenticates with the token and with the client certificate', async () => {
    const viaToken = JSON.parse((await kubectl(['get', '--raw', '/whoami'], env)).stdout) as { name: string; groups: string[] };
    expect(viaToken).toEqual({ name: ADMIN_USER, groups: ['system:masters', 'system:authenticated'] });
    const viaCert = await kubectl(['--context', `${demo.contextName}-cert`, 'get', '--raw', '/whoami'], env);
    expect(JSON.parse(viaCert.stdout)).toEqual({ name: ADMIN_USER, groups: ['system:masters', 'system:authenticated'] });
    const ns = await kubectl(['--context', `${demo.contextName}-cert`, 'get', 'ns', '-o', 'name'], env);
    expect(ns.stdout.trim().split('\n')).toEqual(demo.cluster.list('namespaces').map((n) => `namespace/${n.metadata.name}`));
  });

  it('a wrong token is "You must be logged in"; a user without grants is Forbidden', async () => {
    // With discovery cached (as after any earlier kubectl use) the list request itself is refused
    // and kubectl quotes our Status; with no cache, discovery is, and kubectl words it itself,
    // exactly as against a real API server.
    const cached = { ...env, HOME: path.join(dir.dir, 'home-cached') };
    expect((await kubectl(['get', 'ns'], cached)).code).toBe(0);
    const wrong = await kubectl(['--token', 'not-the-token', 'get', 'pods'], cached);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n').at(-1)).toBe('error: You must be logged in to the server (Unauthorized)');
    const fresh = await kubectl(['--token', 'not-the-token', 'get', 'pods'], { ...env, HOME: path.join(dir.dir, 'home-fresh') });
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
    const jane = await issueClientCertificate(await sharedCA(), { user: 'jane' });
    const janeConfig = path.join(dir.dir, 'jane');
    await writeFile(janeConfig, demoKubeconfig({ server: demo.url, caPem: demo.caPem, contextName: 'jane', token: 'unused', clientCert: jane }).replace('current-context: jane', 'current-context: jane-cert'));
    const denied = await kubectl(['get', 'pods'], { ...env, KUBECONFIG: janeConfig });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('get --raw /version answers the server version', async () => {
    const r = await kubectl(['get', '--raw', '/version'], env);
    expect(JSON.parse(r.stdout)).toMatchObject({ major: '1', minor: '32', gitVersion: expect.stringMatching(/^v1\.32\.\d+/) });
    const version = await kubectl(['version', '-o', 'json'], env);
    expect(JSON.parse(version.stdout)).toMatchObject({ serverVersion: { gitVersion: expect.stringMatching(/^v1\.32\./) } });
  });

  it('get --raw with watch=1 streams the change made after a resourceVersion', async () => {
    const victim = demo.cluster.list<Pod>('pods', 'demo').find((p) => p.metadata.labels?.app === 'ping')!;
    const rv = demo.cluster.resourceVersion;
    oomKilled(demo.cluster, 'demo', victim.metadata.name);
    const r = await kubectl(['get', '--raw', `/api/v1/namespaces/demo/pods?watch=1&resourceVersion=${rv}&timeoutSeconds=1`], env);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: Pod });
    const mine = events.filter((e) => e.object.metadata.name === victim.metadata.name);
    expect(mine.map((e) => e.type)).toEqual(['MODIFIED']);
    expect(mine[0]!.object.status.containerStatuses![0]!.lastState.terminated?.reason).toBe('OOMKilled');
  });

  it('get pods -A --watch prints the MODIFIED event of a change made while it watches', async () => {
    const victim = demo.cluster.list<Pod>('pods', 'demo').filter((p) => p.metadata.labels?.app === 'ping')[2]!;
    const child = spawn('kubectl', ['get', 'pods', '-A', '--watch', '--output-watch-events'], { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    const seen = (pred: (s: string) => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kubectl --watch never printed ${what}; output:\n${out}`)), 15_000);
        const check = () => {
          if (pred(out)) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve();
          }
        };
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          check();
        });
        check();
      });
    try {
      await seen((s) => s.includes(victim.metadata.name), 'the initial list');
      expect(out.split('\n')[0]).toMatch(/^EVENT\s+NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      oomKilled(demo.cluster, 'demo', victim.metadata.name);
      await seen((s) => s.split('\n').some((l) => l.startsWith('MODIFIED') && l.includes(victim.metadata.name)), 'the MODIFIED line');
      const line = out.split('\n').find((l) => l.startsWith('MODIFIED') && l.includes(victim.metadata.name))!;
      const restarts = victim.status.containerStatuses![0]!.restartCount + 1;
      // kubectl's column writer may print another event's EVENT cell on the same line first
      // ("MODIFIEDMODIFIED   demo …" was seen under load), so the row is matched where it ends.
      expect(line).toMatch(new RegExp(`MODIFIED\\s+demo\\s+${victim.metadata.name}\\s+1/1\\s+Running\\s+${restarts} \\(\\d+s ago\\)\\s+\\d+d$`));
    } finally {
      child.kill();
    }
  });
});
