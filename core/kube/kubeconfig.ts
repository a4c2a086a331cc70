// Reads and merges kubeconfig files the way kubectl (client-go's loader) does:
// every file in KUBECONFIG in order, else ~/.kube/config; for clusters, users and contexts the
// first file to define a name wins; current-context comes from the first file that sets one;
// relative file references resolve against the file that holds them.
// Credentials stay in this module's output for the engine; only toContextsState() may
// feed the renderer, and it copies names and addresses only.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import type { ContextInfo, ContextsState, KubeconfigIssue } from '../api/contract.js';

type Obj = Record<string, unknown>;

export interface Entry<T> {
  name: string;
  value: T;
  /** File that defined it. */
  source: string;
}

export interface MergedKubeconfig {
  files: string[];
  /** 'demo': the user has no context and the built-in demo cluster stands in. */
  origin: 'KUBECONFIG' | 'default' | 'demo';
  /** Files to watch where they differ from `files` (the user's, while the demo stands in). */
  watched?: string[];
  clusters: Map<string, Entry<Obj>>;
  users: Map<string, Entry<Obj>>;
  contexts: Map<string, Entry<Obj>>;
  currentContext: string | null;
  issues: KubeconfigIssue[];
  /** Raw bytes of every file read, to tell a real change from a touch. */
  fingerprint: string;
}

export interface KubeconfigEnv {
  KUBECONFIG?: string | undefined;
  HOME?: string | undefined;
  USERPROFILE?: string | undefined;
}

export function kubeconfigPaths(env: KubeconfigEnv = process.env, home = os.homedir()): {
  paths: string[];
  origin: 'KUBECONFIG' | 'default';
} {
  const list = env.KUBECONFIG;
  if (list !== undefined && list.trim() !== '') {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (const raw of list.split(path.delimiter)) {
      if (raw === '') continue;
      const p = path.resolve(raw);
      if (!seen.has(p)) {
        seen.add(p);
        paths.push(p);
      }
    }
    return { paths, origin: 'KUBECONFIG' };
  }
  return { paths: [path.join(home, '.kube', 'config')], origin: 'default' };
}

class FileError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one named list (clusters, users, contexts) and checks it as client-go's conversion does. */
function namedList(doc: Obj, key: 'clusters' | 'users' | 'contexts', inner: 'cluster' | 'user' | 'context'): Entry<Obj>[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new FileError(`"${key}" must be a list`);
  const seen = new Set<string>();
  return list.map((item, i) => {
    if (!isObj(item)) throw new FileError(`${key}[${i}] must be a mapping`);
    const name = item.name;
    if (typeof name !== 'string' || name === '') throw new FileError(`${key}[${i}] has no name`);
    if (seen.has(name)) throw new FileError(`duplicate name "${name}" in ${key}`);
    seen.add(name);
    const value = item[inner] ?? {};
    if (!isObj(value)) throw new FileError(`${key}[${i}] ("${name}"): "${inner}" must be a mapping`);
    return { name, value, source: '' };
  });
}

function resolveRelative(value: Obj, keys: string[], dir: string): Obj {
  const out: Obj = { ...value };
  for (const key of keys) {
    const v = out[key];
    if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) out[key] = path.resolve(dir, v);
  }
  return out;
}

function resolveUserPaths(user: Obj, dir: string): Obj {
  const out = resolveRelative(user, ['client-certificate', 'client-key', 'tokenFile'], dir);
  // client-go resolves an exec command only when it names a path, not a program on PATH.
  if (isObj(out.exec) && typeof out.exec.command === 'string' && /[\\/]/.test(out.exec.command)) {
    out.exec = resolveRelative(out.exec, ['command'], dir);
  }
  return out;
}

interface ParsedFile {
  clusters: Entry<Obj>[];
  users: Entry<Obj>[];
  contexts: Entry<Obj>[];
  currentContext: string | null;
}

export function parseKubeconfigText(text: string): ParsedFile {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const offset = e.pos[0];
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    throw new FileError(`not valid YAML: line ${line}, column ${column}: ${e.message.split('\n')[0]}`);
  }
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (root === null || root === undefined) return { clusters: [], users: [], contexts: [], currentContext: null };
  if (!isObj(root)) throw new FileError('not a kubeconfig: the document is not a mapping');
  const cc = root['current-context'];
  if (cc !== undefined && cc !== null && typeof cc !== 'string') throw new FileError('"current-context" must be a string');
  return {
    clusters: namedList(root, 'clusters', 'cluster'),
    users: namedList(root, 'users', 'user'),
    contexts: namedList(root, 'contexts', 'context'),
    currentContext: typeof cc === 'string' && cc !== '' ? cc : null,
  };
}

function describeReadError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return err.message;
  }
}

export function loadKubeconfig(env: KubeconfigEnv = process.env, home = os.homedir()): MergedKubeconfig {
  const { paths, origin } = kubeconfigPaths(env, home);
  const merged: MergedKubeconfig = {
    files: paths,
    origin,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    currentContext: null,
    issues: [],
    fingerprint: '',
  };
  const fingerprint: string[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      fingerprint.push(`${file}\0<${e.code ?? 'error'}>`);
      if (e.code === 'ENOENT') {
        merged.issues.push(
          origin === 'KUBECONFIG'
            ? { file, severity: 'info', message: 'listed in KUBECONFIG but does not exist; skipped, as kubectl does' }
            : { file, severity: 'warning', message: 'no kubeconfig here; set KUBECONFIG or create one (for example with your cloud provider\'s CLI)' },
        );
      } else {
        merged.issues.push({ file, severity: 'error', message: `cannot read: ${describeReadError(e)}` });
      }
      continue;
    }
    fingerprint.push(`${file}\0${text}`);
    let parsed: ParsedFile;
    try {
      parsed = parseKubeconfigText(text);
    } catch (err) {
      if (!(err instanceof FileError)) throw err;
      merged.issues.push({ file, severity: 'error', message: `${err.message}; this file was skipped` });
      continue;
    }
    const dir = path.dirname(file);
    const add = (map: Map<string, Entry<Obj>>, entries: Entry<Obj>[], fix: (v: Obj) => Obj) => {
      for (const e of entries) if (!map.has(e.name)) map.set(e.name, { name: e.name, value: fix(e.value), source: file });
    };
    add(merged.clusters, parsed.clusters, (c) => resolveRelative(c, ['certificate-authority'], dir));
    add(merged.users, parsed.users, (u) => resolveUserPaths(u, dir));
    add(merged.contexts, parsed.contexts, (c) => c);
    if (merged.currentContext === null && parsed.currentContext !== null) merged.currentContext = parsed.currentContext;
  }
  if (merged.currentContext !== null && !merged.contexts.has(merged.currentContext)) {
    merged.issues.push({
      file: merged.files[0] ?? '',
      severity: 'warning',
      message: `current-context "${merged.currentContext}" is not defined in any kubeconfig file`,
    });
  }
  merged.fingerprint = fingerprint.join('\0\0');
  return merged;
}

/** The API server address without any userinfo, which would be a credential. */
function publicServer(server: unknown): string {
  if (typeof server !== 'string') return '';
  try {
    const u = new URL(server);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<invalid server URL>';
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function contextInfo(merged: MergedKubeconfig, ctx: Entry<Obj>): ContextInfo {
  const clusterName = str(ctx.value.cluster);
  const userName = str(ctx.value.user);
  const cluster = merged.clusters.get(clusterName);
  const problems: string[] = [];
  if (clusterName === '') problems.push('the context names no cluster');
  else if (!cluster) problems.push(`cluster "${clusterName}" is not defined in any kubeconfig file`);
  else if (typeof cluster.value.server !== 'string' || cluster.value.server === '') problems.push(`cluster "${clusterName}" has no server`);
  if (userName !== '' && !merged.users.has(userName)) problems.push(`user "${userName}" is not defined in any kubeconfig file`);
  return {
    name: ctx.name,
    cluster: clusterName,
    user: userName,
    namespace: str(ctx.value.namespace) || 'default',
    server: cluster ? publicServer(cluster.value.server) : '',
    source: ctx.source,
    problems,
  };
}

/** Chooses what to show: the remembered choice if it still exists, else kubectl's current, else the first. */
export function chooseContext(merged: MergedKubeconfig, remembered: string | null): string | null {
  if (remembered !== null && merged.contexts.has(remembered)) return remembered;
  if (merged.currentContext !== null && merged.contexts.has(merged.currentContext)) return merged.currentContext;
  const first = merged.contexts.keys().next();
  return first.done ? null : first.value;
}

export function toContextsState(merged: MergedKubeconfig, selected: string | null, loadedAt = Date.now(), background: string[] = [], portForward: string[] = []): ContextsState {
  return {
    files: [...merged.files],
    origin: merged.origin,
    contexts: [...merged.contexts.values()].map((c) => contextInfo(merged, c)),
    kubeconfigCurrent: merged.currentContext,
    selected,
    background: [...background],
    portForward: [...portForward],
    reachability: {},
    issues: merged.issues.map((i) => ({ ...i })),
    loadedAt,
  };
}

/**
 * A self-contained kubeconfig for one context (absolute paths, credentials included) for the
 * Kubernetes client inside the engine. Never send this across the contract.
 */
export function singleContextKubeconfig(merged: MergedKubeconfig, contextName: string): string {
  const ctx = merged.contexts.get(contextName);
  if (!ctx) throw new Error(`context "${contextName}" is not defined`);
  const clusterName = str(ctx.value.cluster);
  const userName = str(ctx.value.user);
  const cluster = merged.clusters.get(clusterName);
  const user = merged.users.get(userName);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: cluster ? [{ name: clusterName, cluster: cluster.value }] : [],
    users: [{ name: userName || 'anonymous', user: user?.value ?? {} }],
    contexts: [{ name: contextName, context: { ...ctx.value, user: userName || 'anonymous' } }],
    'current-context': contextName,
  });
}
