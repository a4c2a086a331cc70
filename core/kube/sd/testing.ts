// A small fake API server for the discovery tests: list (paged, gzip), watch (from a resource
// version, bookmarks, server timeout, 410 for compacted versions), bearer-token or client-cert
// authentication, per-resource 403s and 404s for resources it does not serve. It speaks the JSON
// of the real one, so the tests exercise the real client, auth and all.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import zlib from 'node:zlib';
import type { KubeObject } from './types.js';

export interface FakeApiServerOptions {
  /** Accepted bearer tokens and the user each one is. */
  tokens?: Record<string, string>;
  /** Serve TLS with these; with `ca` and requestCert, a client certificate's CN is a user too. */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  /** Bookmark every this many ms on watches that allow them (0: never). */
  bookmarkEveryMs?: number;
}

interface Collection {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  objects: Map<string, KubeObject>;
}

interface LoggedEvent {
  rv: number;
  collection: Collection;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

interface ActiveWatch {
  collection: Collection;
  namespace: string;
  matches: (o: KubeObject) => boolean;
  res: http.ServerResponse;
  sentRv: number;
}

export interface LoggedRequest {
  path: string;
  query: Record<string, string>;
  user: string | null;
  watch: boolean;
}

const KINDS: Record<string, [string, boolean]> = {
  Node: ['/v1/nodes', false],
  Namespace: ['/v1/namespaces', false],
  Pod: ['/v1/pods', true],
  Service: ['/v1/services', true],
  EndpointSlice: ['discovery.k8s.io/v1/endpointslices', true],
  ReplicaSet: ['apps/v1/replicasets', true],
  Job: ['batch/v1/jobs', true],
  ServiceMonitor: ['monitoring.coreos.com/v1/servicemonitors', true],
};

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

/** Equality-based label selectors ("a=b,c!=d,e") and metadata/spec.nodeName field selectors. */
function selectorMatcher(label: string | undefined, field: string | undefined): (o: KubeObject) => boolean {
  const reqs = (label ?? '').split(',').filter(Boolean);
  const fields = (field ?? '').split(',').filter(Boolean);
  return (o) => {
    const labels = o.metadata?.labels ?? {};
    for (const r of reqs) {
      const m = /^([^!=]+)(==|=|!=)?(.*)$/.exec(r.trim())!;
      const [, k, op, v] = m;
      if (!op && !(k! in labels)) return false;
      if ((op === '=' || op === '==') && labels[k!] !== v) return false;
      if (op === '!=' && labels[k!] === v) return false;
    }
    for (const f of fields) {
      const [k, v] = f.split('=');
      const actual = k === 'metadata.name' ? o.metadata?.name : k === 'metadata.namespace' ? o.metadata?.namespace : k === 'spec.nodeName' ? (o as { spec?: { nodeName?: string } }).spec?.nodeName : undefined;
      if (actual !== v) return false;
    }
    return true;
  };
}

export class FakeApiServer {
  private readonly server: http.Server;
  private readonly collections = new Map<string, Collection>();
  private readonly log: LoggedEvent[] = [];
  private readonly watches = new Set<ActiveWatch>();
  private readonly sockets = new Set<net.Socket>();
  private readonly forbidden = new Map<string, string>();
  private rv = 100;
  private compactedRv = 0;
  private expireContinue = false;
  private bookmarkTimer: ReturnType<typeof setInterval> | undefined;
  readonly requests: LoggedRequest[] = [];
  /** Close every watch after this many seconds even if the client asked for longer. */
  maxWatchSeconds = Infinity;
  gzip = false;
  port = 0;

  constructor(private readonly opts: FakeApiServerOptions = {}) {
    for (const [path, namespaced] of Object.values(KINDS)) {
      const [gv, resource] = [path.slice(0, path.lastIndexOf('/')), path.slice(path.lastIndexOf('/') + 1)];
      const [group, version] = gv.startsWith('/') ? ['', gv.slice(1)] : gv.split('/');
      if (group === 'monitoring.coreos.com') continue; // a CRD: served only after installCrd()
      this.addCollection(group!, version!, resource, namespaced);
    }
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = opts.tls
      ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: !!opts.tls.ca, rejectUnauthorized: false }, handler)
      : http.createServer(handler);
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('secureConnection', (s: tls.TLSSocket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  private addCollection(group: string, version: string, resource: string, namespaced: boolean): void {
    this.collections.set(`${group}/${version}/${resource}`, { group, version, resource, namespaced, objects: new Map() });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    if (this.opts.bookmarkEveryMs) this.bookmarkTimer = setInterval(() => this.bookmark(), this.opts.bookmarkEveryMs);
    return this;
  }

  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig for this server: a token user, or any `user` fields given. */
  kubeconfig(user: Record<string, unknown> = { token: Object.keys(this.opts.tokens ?? {})[0] ?? 'none' }, cluster: Record<string, unknown> = {}, namespace?: string): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: this.url, ...(this.opts.tls ? {} : { 'insecure-skip-tls-verify': true }), ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u', ...(namespace ? { namespace } : {}) } }],
      'current-context': 'fake',
    });
  }

  installCrd(): void {
    this.addCollection('monitoring.coreos.com', 'v1', 'servicemonitors', true);
  }

  forbid(resource: string, message = ''): void {
    this.forbidden.set(resource, message);
  }

  allow(resource: string): void {
    this.forbidden.delete(resource);
  }

  /** The next list page requested with a continue token gets 410, as after etcd compaction. */
  expireContinueTokens(): void {
    this.expireContinue = true;
  }

  get activeWatches(): number {
    return this.watches.size;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  requestsTo(path: string, watch?: boolean): LoggedRequest[] {
    return this.requests.filter((r) => r.path === path && (watch === undefined || r.watch === watch));
  }

  private collectionOf(obj: KubeObject): Collection {
    const [path] = KINDS[obj.kind ?? ''] ?? [];
    const c = path ? this.collections.get(path) : undefined;
    if (!c) throw new Error(`fake API server: ${obj.kind} is not served`);
    return c;
  }

  private keyOf(obj: KubeObject): string {
    return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  }

  /** Creates or replaces an object; returns it with its new resourceVersion. */
  apply<T extends KubeObject>(obj: T): T {
    const c = this.collectionOf(obj);
    const key = this.keyOf(obj);
    const type = c.objects.has(key) ? 'MODIFIED' : 'ADDED';
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    c.objects.set(key, stored);
    this.record({ rv: this.rv, collection: c, type, object: stored });
    return stored;
  }

  delete(obj: KubeObject): void {
    const c = this.collectionOf(obj);
    const key = this.keyOf(obj);
    const prev = c.objects.get(key);
    if (!prev) return;
    c.objects.delete(key);
    this.record({ rv: ++this.rv, collection: c, type: 'DELETED', object: { ...prev, metadata: { ...prev.metadata, resourceVersion: String(this.rv) } } });
  }

  /** Forgets history: watches from before now get 410 Gone; open watches are told so and closed. */
  compact(): void {
    this.compactedRv = this.rv;
    this.log.length = 0;
    for (const w of [...this.watches]) {
      this.send(w, { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${w.sentRv} (${this.rv})` } });
      w.res.end();
    }
  }

  /** Breaks every open watch connection, as a network failure would. */
  dropWatches(): void {
    for (const w of [...this.watches]) w.res.socket?.destroy();
  }

  /** Sends an ERROR event other than 410 on every open watch. */
  failWatches(code: number, message: string): void {
    for (const w of [...this.watches]) {
      this.send(w, { type: 'ERROR', object: { kind: 'Status', status: 'Failure', code, reason: 'InternalError', message } });
      w.res.end();
    }
  }

  bookmark(): void {
    this.rv++;
    for (const w of this.watches) this.send(w, { type: 'BOOKMARK', object: { kind: 'Bookmark', metadata: { resourceVersion: String(this.rv) } } });
  }

  async close(): Promise<void> {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    for (const w of this.watches) w.res.end();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private record(ev: LoggedEvent): void {
    this.log.push(ev);
    for (const w of this.watches) if (w.collection === ev.collection) this.deliver(w, ev);
  }

  private deliver(w: ActiveWatch, ev: LoggedEvent): void {
    if (w.namespace && ev.object.metadata?.namespace !== w.namespace) return;
    if (!w.matches(ev.object)) return;
    this.send(w, { type: ev.type, object: ev.object });
    w.sentRv = ev.rv;
  }

  private send(w: ActiveWatch, ev: unknown): void {
    if (!w.res.writableEnded) w.res.write(`${JSON.stringify(ev)}\n`);
  }

  private authenticate(req: http.IncomingMessage): string | null {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(auth);
    if (m && this.opts.tokens?.[m[1]!]) return this.opts.tokens[m[1]!]!;
    const sock = req.socket as tls.TLSSocket;
    if (typeof sock.getPeerCertificate === 'function' && sock.authorized) {
      const cn = sock.getPeerCertificate()?.subject?.CN;
      if (cn) return String(cn);
    }
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const watch = query.watch === 'true' || query.watch === '1';
    const user = this.authenticate(req);
    this.requests.push({ path: url.pathname, query, user, watch });
    if (!user) return status(res, 401, 'Unauthorized', 'Unauthorized');

    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(url.pathname);
    const c = m ? this.collections.get(m[1] ? `/v1/${m[5]}` : `${m[2]}/${m[3]}/${m[5]}`) : undefined;
    if (!m || !c) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const namespace = m[4] ? decodeURIComponent(m[4]) : '';
    const denied = this.forbidden.get(c.resource);
    if (denied !== undefined) {
      const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
      return status(res, 403, 'Forbidden', denied || `${c.resource} is forbidden: User "${user}" cannot ${watch ? 'watch' : 'list'} resource "${c.resource}" in API group "${c.group}" ${scope}`);
    }
    const matches = selectorMatcher(query.labelSelector, query.fieldSelector);
    const inScope = (o: KubeObject) => (!namespace || o.metadata?.namespace === namespace) && matches(o);

    if (!watch) {
      if (query.continue && this.expireContinue) {
        this.expireContinue = false;
        return status(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.');
      }
      const all = [...c.objects.values()].filter(inScope).sort((a, b) => this.keyOf(a).localeCompare(this.keyOf(b)));
      const offset = query.continue ? Number(query.continue) : 0;
      const limit = query.limit ? Number(query.limit) : Infinity;
      const items = all.slice(offset, offset + limit);
      const more = offset + limit < all.length;
      const body = JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(offset + limit) } : {}) }, items });
      if (this.gzip && /gzip/.test(String(req.headers['accept-encoding']))) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(zlib.gzipSync(body));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }
      return;
    }

    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const from = query.resourceVersion ? Number(query.resourceVersion) : null;
    const w: ActiveWatch = { collection: c, namespace, matches, res, sentRv: from ?? this.rv };
    if (from !== null && from < this.compactedRv) {
      this.send(w, { type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: `too old resource version: ${from} (${this.compactedRv})` } });
      res.end();
      return;
    }
    this.watches.add(w);
    if (from === null) {
      for (const o of c.objects.values()) if (inScope(o)) this.send(w, { type: 'ADDED', object: o });
    } else {
      for (const ev of this.log) if (ev.collection === c && ev.rv > from) this.deliver(w, ev);
    }
    const seconds = Math.min(Number(query.timeoutSeconds ?? Infinity), this.maxWatchSeconds);
    const timer = Number.isFinite(seconds) ? setTimeout(() => res.end(), seconds * 1000) : undefined;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watches.delete(w);
    });
  }
}

/** Polls until `pred` holds. */
export async function until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls `f` until it gives a value (sync or async) and returns it; fails after timeoutMs. */
export async function eventually<T>(f: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
