import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chooseContext, kubeconfigPaths, loadKubeconfig, singleContextKubeconfig, toContextsState } from './kubeconfig.js';

let dir: string;
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};
const env = (...files: string[]) => ({ KUBECONFIG: files.join(path.delimiter) });

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-kubeconfig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const FIRST = `
apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster:
    server: https://first.example:6443
    certificate-authority: certs/ca.crt
- name: only-first
  cluster: {server: https://one.example}
users:
- name: shared-user
  user: {token: FIRST-SECRET-TOKEN}
contexts:
- name: shared-ctx
  context: {cluster: shared, user: shared-user, namespace: team-a}
- name: first-only
  context: {cluster: only-first, user: shared-user}
`;

const SECOND = `
apiVersion: v1
kind: Config
current-context: second-only
clusters:
- name: shared
  cluster: {server: https://second.example:6443}
- name: only-second
  cluster: {server: https://two.example}
users:
- name: shared-user
  user: {token: SECOND-SECRET-TOKEN}
- name: cert-user
  user:
    client-certificate: ../pki/client.crt
    client-key: /abs/client.key
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
contexts:
- name: shared-ctx
  context: {cluster: only-second, user: cert-user}
- name: second-only
  context: {cluster: only-second, user: cert-user}
`;

describe('kubeconfigPaths', () => {
  it.each([
    ['uses KUBECONFIG in order, skipping empty entries and duplicates', { KUBECONFIG: ['/a', '', '/b', '/a'].join(path.delimiter) }, ['/a', '/b'], 'KUBECONFIG'],
    ['falls back to ~/.kube/config when KUBECONFIG is unset', {}, [path.join('/home/u', '.kube', 'config')], 'default'],
    ['treats an empty KUBECONFIG as unset', { KUBECONFIG: '' }, [path.join('/home/u', '.kube', 'config')], 'default'],
  ])('%s', (_name, e, paths, origin) => {
    const got = kubeconfigPaths(e, '/home/u');
    expect(got.paths).toEqual(paths.map((p) => path.resolve(p)));
    expect(got.origin).toBe(origin);
  });
});

describe('loadKubeconfig merging (two files, kubectl rules)', () => {
  it('keeps the first definition of every name and the first current-context', () => {
    const a = write('a/config', FIRST);
    const b = write('b/config', SECOND);
    const merged = loadKubeconfig(env(a, b));
    expect([...merged.contexts.keys()]).toEqual(['shared-ctx', 'first-only', 'second-only']);
    expect(merged.clusters.get('shared')?.value.server).toBe('https://first.example:6443');
    expect(merged.clusters.get('shared')?.source).toBe(a);
    expect(merged.users.get('shared-user')?.value.token).toBe('FIRST-SECRET-TOKEN');
    expect(merged.contexts.get('shared-ctx')?.value.cluster).toBe('shared');
    // The first file sets no current-context, so the second's applies.
    expect(merged.currentContext).toBe('second-only');
    expect(merged.issues).toEqual([]);
  });

  it('takes current-context from the first file that sets one, even if a later file disagrees', () => {
    const a = write('a', 'current-context: first-only\n' + FIRST);
    const b = write('b', SECOND);
    expect(loadKubeconfig(env(a, b)).currentContext).toBe('first-only');
    expect(loadKubeconfig(env(b, a)).currentContext).toBe('second-only');
  });

  it('resolves relative file references against the file that holds them', () => {
    const a = write('a/config', FIRST);
    const b = write('b/config', SECOND);
    const merged = loadKubeconfig(env(a, b));
    expect(merged.clusters.get('shared')?.value['certificate-authority']).toBe(path.join(dir, 'a', 'certs', 'ca.crt'));
    const cert = merged.users.get('cert-user')!.value;
    expect(cert['client-certificate']).toBe(path.join(dir, 'pki', 'client.crt'));
    expect(cert['client-key']).toBe('/abs/client.key');
    expect((cert.exec as { command: string }).command).toBe(path.join(dir, 'b', 'bin', 'get-token'));
  });

  it('leaves an exec command that is a bare program name for PATH lookup', () => {
    const a = write('a', 'users:\n- name: u\n  user:\n    exec: {command: aws, args: [eks, get-token]}\n');
    expect((loadKubeconfig(env(a)).users.get('u')!.value.exec as { command: string }).command).toBe('aws');
  });

  it('skips a missing file listed in KUBECONFIG with a note, and still reads the others', () => {
    const missing = path.join(dir, 'nope.yaml');
    const b = write('b', SECOND);
    const merged = loadKubeconfig(env(missing, b));
    expect([...merged.contexts.keys()]).toEqual(['shared-ctx', 'second-only']);
    expect(merged.issues).toEqual([{ file: missing, severity: 'info', message: expect.stringContaining('does not exist') }]);
  });

  it('warns when the default ~/.kube/config does not exist', () => {
    const merged = loadKubeconfig({}, dir);
    expect(merged.contexts.size).toBe(0);
    expect(merged.issues).toEqual([{ file: path.join(dir, '.kube', 'config'), severity: 'warning', message: expect.stringContaining('no kubeconfig here') }]);
  });

  it.each([
    ['malformed YAML, naming line and column', 'clusters:\n  - name: x\n   cluster: {server: https://x}\n', /not valid YAML: line \d+, column \d+/],
    ['an unclosed flow mapping', 'clusters: [{name: x, cluster: {server: https://x}]\n', /not valid YAML/],
    ['a document that is not a mapping', '- just\n- a list\n', /not a mapping/],
    ['clusters that are not a list', 'clusters: {name: x}\n', /"clusters" must be a list/],
    ['an entry without a name', 'contexts:\n- context: {cluster: x}\n', /contexts\[0\] has no name/],
    ['a duplicate name within one file', 'users:\n- name: u\n  user: {}\n- name: u\n  user: {}\n', /duplicate name "u" in users/],
    ['a non-string current-context', 'current-context: [a]\n', /"current-context" must be a string/],
    ['duplicate keys', 'clusters: []\nclusters: []\n', /not valid YAML/],
  ])('reports %s as an error for that file only', (_name, text, message) => {
    const bad = write('bad.yaml', text);
    const good = write('good.yaml', SECOND);
    const merged = loadKubeconfig(env(bad, good));
    expect(merged.issues).toHaveLength(1);
    expect(merged.issues[0]).toMatchObject({ file: bad, severity: 'error' });
    expect(merged.issues[0]!.message).toMatch(message);
    expect(merged.issues[0]!.message).toMatch(/skipped/);
    // The good file still loads in full.
    expect([...merged.contexts.keys()]).toEqual(['shared-ctx', 'second-only']);
  });

  it('reports an unreadable file', () => {
    if (process.getuid?.() === 0) return expect(true).toBe(true); // root reads anything; nothing to assert
    const f = write('locked', FIRST);
    chmodSync(f, 0o000);
    const merged = loadKubeconfig(env(f));
    expect(merged.issues[0]).toMatchObject({ file: f, severity: 'error', message: expect.stringContaining('permission denied') });
  });

  it('reports a directory given as a kubeconfig', () => {
    const d = path.join(dir, 'adir');
    mkdirSync(d);
    expect(loadKubeconfig(env(d)).issues[0]).toMatchObject({ file: d, severity: 'error', message: expect.stringContaining('directory') });
  });

  it('treats an empty file as an empty config', () => {
    const empty = write('empty', '');
    const merged = loadKubeconfig(env(empty));
    expect(merged.contexts.size).toBe(0);
    expect(merged.issues).toEqual([]);
  });

  it('warns when current-context names no defined context', () => {
    const a = write('a', 'current-context: ghost\n' + FIRST);
    expect(loadKubeconfig(env(a)).issues).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('"ghost"') })]);
  });
});

describe('what reaches the renderer', () => {
  const SECRETS = `
clusters:
- name: c
  cluster:
    server: https://admin:hunter2-password@api.example:6443/
    certificate-authority-data: Q0EtREFUQS1TRUNSRVQ=
    proxy-url: http://proxyuser:proxy-secret@proxy:3128
users:
- name: u
  user:
    token: TOKEN-SECRET-VALUE
    username: basic-user-name-secret
    password: basic-password-secret
    client-certificate-data: Q0VSVC1EQVRBLVNFQ1JFVA==
    client-key-data: S0VZLURBVEEtU0VDUkVU
    tokenFile: /var/run/secrets/token-file-secret
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: exec-command-secret
      args: [exec-arg-secret]
      env: [{name: AWS_PROFILE, value: exec-env-secret}]
    auth-provider:
      name: oidc
      config: {id-token: oidc-id-token-secret, refresh-token: oidc-refresh-secret, client-secret: oidc-client-secret}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: ns}
current-context: ctx
`;
  const secretValues = [
    'hunter2-password',
    'admin:',
    'Q0EtREFUQS1TRUNSRVQ=',
    'proxy-secret',
    'TOKEN-SECRET-VALUE',
    'basic-user-name-secret',
    'basic-password-secret',
    'Q0VSVC1EQVRBLVNFQ1JFVA==',
    'S0VZLURBVEEtU0VDUkVU',
    'token-file-secret',
    'exec-command-secret',
    'exec-arg-secret',
    'exec-env-secret',
    'oidc-id-token-secret',
    'oidc-refresh-secret',
    'oidc-client-secret',
  ];

  it('carries names and the server address, and no credential field at all', () => {
    const f = write('secret', SECRETS);
    const merged = loadKubeconfig(env(f));
    const state = toContextsState(merged, 'ctx');
    const wire = JSON.stringify(state);
    for (const s of secretValues) expect(wire, `leaked ${s}`).not.toContain(s);
    expect(state.contexts).toEqual([
      { name: 'ctx', cluster: 'c', user: 'u', namespace: 'ns', server: 'https://api.example:6443', source: f, problems: [] },
    ]);
    // The engine-side projection does carry them, which is what makes the assertion above meaningful.
    const engineSide = singleContextKubeconfig(merged, 'ctx');
    expect(engineSide).toContain('TOKEN-SECRET-VALUE');
    expect(engineSide).toContain('exec-command-secret');
  });
});

describe('context problems and choice', () => {
  it('flags contexts whose cluster or user is missing or whose cluster has no server', () => {
    const f = write('p', `
clusters:
- name: noserver
  cluster: {}
contexts:
- name: ghost-cluster
  context: {cluster: nope, user: nobody}
- name: no-server
  context: {cluster: noserver}
- name: no-cluster
  context: {user: x}
`);
    const state = toContextsState(loadKubeconfig(env(f)), null);
    const problems = Object.fromEntries(state.contexts.map((c) => [c.name, c.problems]));
    expect(problems['ghost-cluster']).toEqual(['cluster "nope" is not defined in any kubeconfig file', 'user "nobody" is not defined in any kubeconfig file']);
    expect(problems['no-server']).toEqual(['cluster "noserver" has no server']);
    expect(problems['no-cluster']).toEqual(['the context names no cluster', 'user "x" is not defined in any kubeconfig file']);
  });

  it.each([
    ['the remembered choice when it still exists', 'first-only', 'first-only'],
    ["kubectl's current-context when the remembered one is gone", 'deleted-ctx', 'second-only'],
    ["kubectl's current-context when nothing is remembered", null, 'second-only'],
  ])('chooses %s', (_name, remembered, expected) => {
    const merged = loadKubeconfig(env(write('a', FIRST), write('b', SECOND)));
    expect(chooseContext(merged, remembered)).toBe(expected);
  });

  it('chooses the first context when there is no current-context, and null when there are none', () => {
    expect(chooseContext(loadKubeconfig(env(write('a', FIRST))), null)).toBe('shared-ctx');
    expect(chooseContext(loadKubeconfig(env(write('e', ''))), null)).toBeNull();
  });

  it('builds a single-context kubeconfig the Kubernetes client can load', () => {
    const merged = loadKubeconfig(env(write('a', FIRST), write('b', SECOND)));
    const doc = parse(singleContextKubeconfig(merged, 'shared-ctx'));
    expect(doc['current-context']).toBe('shared-ctx');
    expect(doc.clusters).toEqual([{ name: 'shared', cluster: { server: 'https://first.example:6443', 'certificate-authority': path.join(dir, 'certs', 'ca.crt') } }]);
    expect(doc.users[0].user.token).toBe('FIRST-SECRET-TOKEN');
  });
});
