// The demo cluster's Kubernetes API server: HTTPS on loopback, the request path parsed the way
// the real server's RequestInfo does, authentication and authorization before anything else,
// then discovery, list, get and watch over the ObjectStore with the real server's query
// parameters, content negotiation (JSON, YAML, Table, PartialObjectMetadata) and Status errors.
//
// Seams for what comes next: registerSubresource() (pods/proxy, nodes/proxy, services/proxy,
// pods/portforward), registerRoute() for non-resource paths, and the cluster's registry for
// new kinds (metrics.k8s.io, monitoring.coreos.com); discovery lists whatever is registered.
import { createHash, randomUUID } from 'node:crypto';
import https from 'node:https';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { stringify as toYaml } from 'yaml';
import { defaultAuthorizer, type Authenticator, type Authorizer, type RequestAttributes, type UserInfo } from './auth.js';
import type { DemoCluster } from './cluster.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, type SubresourceInfo } from './discovery.js';
import { KUBERNETES_VERSION } from './catalog.js';
import { ACCEPTED_TYPES, contentType, negotiate, type Target } from './media.js';
import { apiVersionOf, fieldSet, groupResource, type ResourceType } from './resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError, type FieldSelector, type LabelSelector } from './selectors.js';
import {
  ApiError,
  badRequest,
  expired,
  forbidden,
  methodNotAllowed,
  notAcceptable,
  notFound,
  pathNotFound,
  statusObject,
  tooLargeResourceVersion,
  unauthorized,
  type StatusObject,
} from './status.js';
import { partialObjectMetadata, toTable, type IncludeObject } from './tables.js';
import { keyOf, type KubeObject } from '../kube/objects.js';
import { serveWatch } from './watch.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: UserInfo;
  cluster: DemoCluster;
  /** For a request asking to switch protocols (WebSocket, SPDY): the raw connection. `res` writes errors to it. */
  upgrade?: { socket: Duplex; head: Buffer };
}

/** How a subresource's name segment reads: "[scheme:]name[:port]" for the proxies (SplitSchemeNamePort). */
export type NameWithPort = 'pod' | 'node' | 'service';

/** A kind served from a function of the cluster rather than the store (metrics.k8s.io). */
export interface ComputedResource {
  list(namespace: string | undefined): KubeObject[];
  get(namespace: string | undefined, name: string): KubeObject | undefined;
}

export interface SubresourceContext extends RequestContext {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
  /** The parent object (the pod of pods/proxy). */
  object: KubeObject;
  subresource: string;
  /** Path segments after the subresource: ["metrics"] for .../pods/x/proxy/metrics. */
  rest: string[];
  /** For subresources registered with nameWithPort: the scheme and port the name segment carried ('' when absent). */
  target?: { scheme: string; port: string; id: string };
}

export type SubresourceHandler = (ctx: SubresourceContext) => void | Promise<void>;
export type RouteHandler = (ctx: RequestContext) => void | Promise<void>;

export interface ApiServerOptions {
  cluster: DemoCluster;
  tls: { certPem: string; keyPem: string; caPem: string };
  authenticator: Authenticator;
  authorizer?: Authorizer;
  /** How often watches that allow bookmarks get one (the real server: about a minute). */
  bookmarkIntervalMs?: number;
  host?: string;
  port?: number;
}

/** What /version answers: the simulated server's build. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: `${KUBERNETES_VERSION}+kubeglass`,
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
/** Items serialized once (without kind/apiVersion, as list items are) while they stay stored. */
const itemJson = new WeakMap<KubeObject, string>();

function listItemJson(obj: KubeObject): string {
  let s = itemJson.get(obj);
  if (s === undefined) {
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = obj;
    s = JSON.stringify(rest);
    itemJson.set(obj, s);
  }
  return s;
}

function parseBool(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('continue key is not valid: invalid continue token');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== 'meta.k8s.io/v1') throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof t.rv !== 'number' || !Number.isInteger(t.rv) || t.rv === 0) throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof t.start !== 'string' || t.start === '') throw badRequest('continue key is not valid: encoded start key empty');
  return { rv: t.rv, start: t.start };
}

interface ListQuery {
  hasSelector: boolean;
  limit: number;
  continueToken: string | null;
  resourceVersion: string | undefined;
  resourceVersionMatch: string;
}

export class DemoApiServer {
  readonly cluster: DemoCluster;
  private readonly server: https.Server;
  private readonly authenticator: Authenticator;
  private readonly authorizer: Authorizer;
  private readonly bookmarkIntervalMs: number;
  private readonly host: string;
  private readonly port: number;
  private readonly subresources = new Map<string, { info: SubresourceInfo; handler: SubresourceHandler; nameWithPort?: NameWithPort }>();
  private readonly routes: { prefix: string; handler: RouteHandler }[] = [];
  private readonly computed = new Map<string, ComputedResource>();
  /** Connections handed over to another protocol (port-forward): closed with the server. */
  private readonly upgraded = new Set<Duplex>();
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | undefined;
  private listening = false;

  constructor(opts: ApiServerOptions) {
    this.cluster = opts.cluster;
    this.authenticator = opts.authenticator;
    this.authorizer = opts.authorizer ?? defaultAuthorizer;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    this.server = https.createServer(
      {
        key: opts.tls.keyPem,
        cert: opts.tls.certPem,
        ca: [opts.tls.caPem],
        // Ask for a client certificate but let requests without one reach the token check.
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      (req, res) => void this.handle(req, res),
    );
    this.server.on('tlsClientError', () => {
      // A client that gave up on our certificate; nothing to answer.
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
    // Every TCP connection, including those still in the TLS handshake or before their first
    // request, which closeAllConnections() does not know of: going away drops them all.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * A request with "Connection: Upgrade" goes through the same authentication, authorization and
   * routing; errors are written to the connection as ordinary responses.
   */
  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    res.on('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    this.upgraded.add(socket);
    socket.on('close', () => this.upgraded.delete(socket));
    void this.handle(req, res, { socket, head });
  }

  /**
   * Serves <resource>/<name>/<subresource>[/...] (e.g. "pods", "proxy"); discovery lists it. With
   * nameWithPort the name segment may carry a scheme and port ("https:web-0:8443"), as the
   * proxy subresources' names do: the object is looked up by the bare name.
   */
  registerSubresource(ref: string, subresource: string, info: { kind: string; verbs: string[]; nameWithPort?: NameWithPort }, handler: SubresourceHandler): void {
    const type = this.cluster.registry.resolve(ref);
    this.subresources.set(`${groupResource(type)}/${subresource}`, {
      info: { resource: type, subresource, kind: info.kind, verbs: info.verbs },
      handler,
      ...(info.nameWithPort ? { nameWithPort: info.nameWithPort } : {}),
    });
  }

  /** Serves a kind from functions instead of the store (get and list only, as metrics-server does). */
  registerComputed(type: ResourceType, resource: ComputedResource): void {
    if (!this.cluster.registry.lookup(type.group, type.version, type.resource)) this.cluster.registry.add(type);
    this.computed.set(groupResource(type), resource);
  }

  /** Serves a non-resource path prefix (e.g. "/metrics"), after authentication and authorization. */
  registerRoute(prefix: string, handler: RouteHandler): void {
    this.routes.push({ prefix: prefix.replace(/\/$/, ''), handler });
  }

  async listen(): Promise<string> {
    // After stop(), listen again where it was: clients keep their kubeconfig.
    const port = this.address?.port ?? this.port;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    this.listening = true;
    return this.url;
  }

  get isListening(): boolean {
    return this.listening;
  }

  get url(): string {
    if (!this.address) throw new Error('the server is not listening');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `https://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const s of this.upgraded) s.destroy();
      this.upgraded.clear();
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
    });
  }

  /** Goes away (connections dropped, the port closed) keeping all state; listen() brings it back on the same port. */
  stop(): Promise<void> {
    return this.close();
  }

  private subresourceInfos(): SubresourceInfo[] {
    return [...this.subresources.values()].map((s) => s.info);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Duplex; head: Buffer }): Promise<void> {
    res.setHeader('Audit-Id', randomUUID());
    res.setHeader('Cache-Control', 'no-cache, private');
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const auth = this.authenticator.authenticate(req);
      if (!auth || 'error' in auth) throw unauthorized();
      this.cluster.advance();
      await this.route({ req, res, url, user: auth.user, cluster: this.cluster, ...(upgrade ? { upgrade } : {}) });
    } catch (err) {
      if (upgrade && !res.socket) {
        // The handler took the connection over; nothing can be written any more.
        upgrade.socket.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) this.sendStatus(req, res, err.status);
      else this.sendStatus(req, res, statusObject(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private sendStatus(req: IncomingMessage, res: ServerResponse, status: StatusObject): void {
    res.writeHead(status.code, { 'Content-Type': 'application/json' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(status));
  }

  private sendJson(req: IncomingMessage, res: ServerResponse, body: unknown, type = 'application/json', code = 200): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': type });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  /** Writes an object in the negotiated form: JSON, or YAML when asked for. */
  private sendObject(ctx: RequestContext, body: unknown, target: Target): void {
    if (target.kind === 'yaml') {
      const text = toYaml(typeof body === 'string' ? JSON.parse(body) : body);
      ctx.res.writeHead(200, { 'Content-Type': 'application/yaml' });
      ctx.res.end(ctx.req.method === 'HEAD' ? undefined : text);
      return;
    }
    this.sendJson(ctx.req, ctx.res, body, contentType(target));
  }

  private authorize(user: UserInfo, attrs: RequestAttributes): void {
    if (!this.authorizer(user, attrs)) throw forbidden(user.name, attrs);
  }

  private async route(ctx: RequestContext): Promise<void> {
    const { req, url, user } = ctx;
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let segs: string[];
    try {
      segs = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      throw badRequest(`malformed path: ${path}`);
    }
    const read = method === 'GET' || method === 'HEAD';

    for (const r of this.routes) {
      if (path === r.prefix || path.startsWith(`${r.prefix}/`)) {
        this.authorize(user, { verb: read ? 'get' : method.toLowerCase(), path });
        await r.handler(ctx);
        return;
      }
    }

    const isResource = (segs[0] === 'api' && segs.length > 2) || (segs[0] === 'apis' && segs.length > 3);
    if (!isResource) {
      this.authorize(user, { verb: read ? 'get' : method.toLowerCase(), path });
      if (!read) throw methodNotAllowed();
      this.nonResource(ctx, segs);
      return;
    }
    const group = segs[0] === 'api' ? '' : segs[1]!;
    const version = segs[0] === 'api' ? segs[1]! : segs[2]!;
    if (segs[0] === 'api' && version !== 'v1') throw pathNotFound();
    await this.resource(ctx, group, version, segs.slice(segs[0] === 'api' ? 2 : 3));
  }

  private nonResource(ctx: RequestContext, segs: string[]): void {
    const { req, res } = ctx;
    const aggregatedOk = { aggregated: true };
    const p = segs.join('/');
    if (p === 'version') return this.sendJson(req, res, VERSION_INFO);
    if (segs[0] === 'healthz' || segs[0] === 'livez' || segs[0] === 'readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
      return;
    }
    const registry = this.cluster.registry;
    if (p === 'api' || p === 'apis') {
      const target = negotiate(req.headers.accept, aggregatedOk);
      if (!target) throw notAcceptable(ACCEPTED_TYPES);
      if (target.kind === 'aggregated') {
        const doc = aggregatedDiscovery(registry, this.subresourceInfos(), p === 'api', target.version);
        const text = JSON.stringify(doc);
        // Clients cache aggregated discovery by ETag, as the real server offers.
        const etag = `"${hashHex(text)}"`;
        res.setHeader('ETag', etag);
        res.setHeader('Vary', 'Accept');
        res.setHeader('Cache-Control', 'public');
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304);
          res.end();
          return;
        }
        return this.sendJson(req, res, text, contentType(target));
      }
      const doc = p === 'api' ? apiVersions(this.serverAddress()) : apiGroupList(registry);
      return this.sendObject(ctx, doc, target);
    }
    if (segs[0] === 'api' && segs.length === 2) {
      const doc = apiResourceList(registry, '', segs[1]!, this.subresourceInfos());
      if (!doc) throw pathNotFound();
      return this.sendJson(req, res, doc);
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const doc = apiGroup(registry, segs[1]!);
      if (!doc) throw pathNotFound();
      return this.sendJson(req, res, doc);
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const doc = apiResourceList(registry, segs[1]!, segs[2]!, this.subresourceInfos());
      if (!doc) throw pathNotFound();
      return this.sendJson(req, res, doc);
    }
    throw pathNotFound();
  }

  private serverAddress(): string {
    return this.address ? `${this.address.address}:${this.address.port}` : '127.0.0.1:6443';
  }

  private async resource(ctx: RequestContext, group: string, version: string, segs: string[]): Promise<void> {
    const { req, url, user } = ctx;
    const method = req.method ?? 'GET';
    let parts = segs;
    let watchPath = false;
    if (parts[0] === 'watch') {
      watchPath = true;
      parts = parts.slice(1);
    }
    let namespace: string | undefined;
    // As RequestInfo: /namespaces/<ns>/<resource>/... is scoped, but /namespaces/<name> (and its
    // status and finalize) is the namespace object itself.
    if (parts[0] === 'namespaces' && parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) {
      namespace = parts[1];
      parts = parts.slice(2);
    }
    const [resource, name, subresource, ...rest] = parts;
    if (!resource) throw pathNotFound();
    const type = this.cluster.registry.lookup(group, version, resource);
    if (!type) throw pathNotFound();
    if (!type.namespaced && namespace !== undefined) throw pathNotFound();
    const isWatch = watchPath || parseBool(url.searchParams.get('watch'));
    const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' };
    const verb = method === 'GET' || method === 'HEAD' ? (isWatch ? 'watch' : name && !watchPath ? 'get' : 'list') : (verbs[method] ?? method.toLowerCase());
    this.authorize(user, { verb, group, resource, ...(subresource ? { subresource } : {}), ...(namespace !== undefined ? { namespace } : {}), ...(name ? { name } : {}) });

    const gr = groupResource(type);
    if (subresource) {
      const sub = this.subresources.get(`${gr}/${subresource}`);
      if (!sub) throw pathNotFound();
      let lookup = name!;
      let target: SubresourceContext['target'];
      if (sub.nameWithPort) {
        const split = splitSchemeNamePort(name!);
        if (!split) throw badRequest(`invalid ${sub.nameWithPort} request ${JSON.stringify(name)}`);
        lookup = split.name;
        target = { scheme: split.scheme, port: split.port, id: name! };
      }
      const object = this.cluster.store.get(gr, namespace, lookup);
      if (!object) throw notFound(type.group, type.resource, lookup);
      await sub.handler({ ...ctx, type, namespace, name: lookup, object, subresource, rest, ...(target ? { target } : {}) });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
    const computed = this.computed.get(gr);
    if (computed) return this.serveComputed(ctx, type, computed, namespace, name, isWatch);

    const target = negotiate(req.headers.accept, { table: true, partial: true });
    if (!target) throw notAcceptable(ACCEPTED_TYPES);
    const includeObject = this.includeObject(url);
    if (name && !isWatch) {
      const obj = this.cluster.store.get(gr, namespace, name);
      if (!obj) throw notFound(type.group, type.resource, name);
      if (target.kind === 'table') {
        const table = toTable(gr, [obj], this.cluster.now(), { includeObject, resourceVersion: obj.metadata.resourceVersion });
        return this.sendJson(req, ctx.res, { ...table, apiVersion: `meta.k8s.io/${target.version}` }, contentType(target));
      }
      if (target.kind === 'partial') {
        if (target.list) throw notAcceptable('you requested PartialObjectMetadataList, but the requested object is not a list');
        return this.sendJson(req, ctx.res, { ...partialObjectMetadata(obj), apiVersion: `meta.k8s.io/${target.version}` }, contentType(target));
      }
      return this.sendObject(ctx, obj, target);
    }

    const { labels, fields } = this.selectors(url, type);
    const inScope = (o: KubeObject) =>
      (namespace === undefined || o.metadata.namespace === namespace) &&
      (!name || o.metadata.name === name) &&
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, fieldSet(type, o));

    if (isWatch) {
      if (target.kind === 'yaml') throw notAcceptable('only the following media types are accepted: application/json');
      return this.watch(ctx, type, target, includeObject, inScope);
    }
    const query = this.listQuery(url, labels.length > 0 || fields.length > 0);
    await this.list(ctx, type, target, includeObject, namespace, query, inScope);
  }

  private serveComputed(ctx: RequestContext, type: ResourceType, source: ComputedResource, namespace: string | undefined, name: string | undefined, isWatch: boolean): void {
    const { req, res, url } = ctx;
    if (isWatch) throw methodNotAllowed();
    const target = negotiate(req.headers.accept, { table: true, partial: true });
    if (!target) throw notAcceptable(ACCEPTED_TYPES);
    const gr = groupResource(type);
    const includeObject = this.includeObject(url);
    const send = (body: Record<string, unknown>, items: KubeObject[], single: boolean) => {
      if (target.kind === 'table') {
        const table = toTable(gr, items, this.cluster.now(), { includeObject, resourceVersion: '' });
        return this.sendJson(req, res, { ...table, apiVersion: `meta.k8s.io/${target.version}` }, contentType(target));
      }
      if (target.kind === 'partial') {
        if (single) return this.sendJson(req, res, { ...partialObjectMetadata(items[0]!), apiVersion: `meta.k8s.io/${target.version}` }, contentType(target));
        return this.sendJson(req, res, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${target.version}`, metadata: {}, items: items.map(partialObjectMetadata) }, contentType(target));
      }
      return this.sendObject(ctx, body, target);
    };
    if (name) {
      const obj = source.get(namespace, name);
      if (!obj) throw notFound(type.group, type.resource, name);
      return send(obj, [obj], true);
    }
    const { labels, fields } = this.selectors(url, type);
    const items = source.list(namespace).filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, fieldSet(type, o)));
    const list = { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: {}, items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest) };
    send(list, items, false);
  }

  private includeObject(url: URL): IncludeObject {
    const v = url.searchParams.get('includeObject');
    if (v === null || v === '') return 'Metadata';
    if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
    throw badRequest(`unrecognized includeObject value: "${v}"`);
  }

  private selectors(url: URL, type: ResourceType): { labels: LabelSelector; fields: FieldSelector } {
    const q = url.searchParams;
    let labels: LabelSelector;
    let fields: FieldSelector;
    try {
      labels = parseLabelSelector(q.get('labelSelector') ?? '');
      fields = parseFieldSelector(q.get('fieldSelector') ?? '');
    } catch (err) {
      if (err instanceof SelectorError) throw badRequest(err.message);
      throw err;
    }
    const allowed = this.cluster.registry.fieldLabels(type);
    for (const f of fields) if (!allowed.has(f.field)) throw badRequest(`field label not supported: ${f.field}`);
    return { labels, fields };
  }

  /** A list's parameters, validated as ValidateListOptions does. */
  private listQuery(url: URL, hasSelector: boolean): ListQuery {
    const q = url.searchParams;
    const limitParam = q.get('limit');
    let limit = 0;
    if (limitParam !== null && limitParam !== '') {
      if (!/^-?\d+$/.test(limitParam)) throw badRequest(`limit: Invalid value: "${limitParam}": must be an integer`);
      limit = Math.max(0, Number(limitParam));
    }
    const rv = q.get('resourceVersion') ?? undefined;
    if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a valid resource version`);
    const match = q.get('resourceVersionMatch') ?? '';
    const continueToken = q.get('continue');
    if (match !== '') {
      if (rv === undefined || rv === '') throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (continueToken) throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided');
      if (match !== 'NotOlderThan' && match !== 'Exact') throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`);
      if (match === 'Exact' && rv === '0') throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (q.has('sendInitialEvents')) throw badRequest('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
    if (continueToken && rv !== undefined && rv !== '') throw badRequest('specifying resource version is not allowed when using continue');
    return { hasSelector, limit, continueToken: continueToken || null, resourceVersion: rv, resourceVersionMatch: match };
  }

  /** Waits (up to 3 s, as the watch cache does) for the store to reach rv. */
  private async waitFor(rv: number): Promise<boolean> {
    const store = this.cluster.store;
    if (store.resourceVersion >= rv) return true;
    return new Promise((resolve) => {
      const stop = store.subscribe(() => {
        if (store.resourceVersion >= rv) {
          stop();
          clearTimeout(timer);
          resolve(true);
        }
      });
      const timer = setTimeout(() => {
        stop();
        resolve(false);
      }, 3000);
    });
  }

  private async list(ctx: RequestContext, type: ResourceType, target: Target, includeObject: IncludeObject, namespace: string | undefined, query: ListQuery, inScope: (o: KubeObject) => boolean): Promise<void> {
    const store = this.cluster.store;
    const gr = groupResource(type);
    let snapshot: KubeObject[];
    let snapshotRv: number;
    let startKey = '';
    let limit = query.limit;
    if (query.continueToken) {
      const token = decodeContinue(query.continueToken);
      startKey = token.start;
      if (token.rv < 0) {
        // An "inconsistent" token (given out with a 410): continue from the latest state.
        snapshot = store.list(gr);
        snapshotRv = store.resourceVersion;
      } else {
        const at = store.listAt(gr, token.rv);
        if (at === 'expired') {
          const status = statusObject(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            undefined,
            { continue: encodeContinue(-1, startKey) },
          );
          throw new ApiError(status);
        }
        if (at === 'future') throw badRequest('continue key is not valid: resourceVersion is in the future');
        snapshot = at;
        snapshotRv = token.rv;
      }
    } else if (query.resourceVersionMatch === 'Exact') {
      const rv = Number(query.resourceVersion);
      if (rv > store.resourceVersion && !(await this.waitFor(rv))) throw tooLargeResourceVersion(rv, store.resourceVersion);
      const at = store.listAt(gr, rv);
      if (at === 'expired') throw expired('The resourceVersion for the provided list is too old.');
      if (at === 'future') throw tooLargeResourceVersion(rv, store.resourceVersion);
      snapshot = at;
      snapshotRv = rv;
    } else {
      const rv = query.resourceVersion ? Number(query.resourceVersion) : 0;
      if (rv > store.resourceVersion && !(await this.waitFor(rv))) throw tooLargeResourceVersion(rv, store.resourceVersion);
      // resourceVersion=0 is served from the watch cache, which (in 1.32) ignores limit.
      if (query.resourceVersion === '0' && query.resourceVersionMatch === '') limit = 0;
      snapshot = store.list(gr);
      snapshotRv = store.resourceVersion;
    }

    const items: KubeObject[] = [];
    let i = 0;
    if (startKey) {
      // Keys are sorted: skip to the first one at or after the token's start key.
      let lo = 0;
      let hi = snapshot.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keyOf(snapshot[mid]!) < startKey) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    let more = false;
    let lastKey = '';
    for (; i < snapshot.length; i++) {
      const o = snapshot[i]!;
      if (!inScope(o)) continue;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push(o);
      lastKey = keyOf(o);
    }
    const metadata: Record<string, unknown> = { resourceVersion: String(snapshotRv) };
    if (more) {
      metadata.continue = encodeContinue(snapshotRv, `${lastKey}\u0000`);
      if (!query.hasSelector) {
        let remaining = 0;
        for (let j = i; j < snapshot.length; j++) if (inScope(snapshot[j]!)) remaining++;
        metadata.remainingItemCount = remaining;
      }
    }
    const { req, res } = ctx;
    if (target.kind === 'table') {
      const table = toTable(gr, items, this.cluster.now(), {
        includeObject,
        resourceVersion: metadata.resourceVersion as string,
        ...(more ? { continue: metadata.continue as string } : {}),
        ...(metadata.remainingItemCount !== undefined ? { remainingItemCount: metadata.remainingItemCount as number } : {}),
      });
      return this.sendJson(req, res, { ...table, apiVersion: `meta.k8s.io/${target.version}` }, contentType(target));
    }
    if (target.kind === 'partial') {
      if (!target.list) throw notAcceptable('you requested PartialObjectMetadata, but the requested object is a list');
      const body = { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${target.version}`, metadata, items: items.map(partialObjectMetadata) };
      return this.sendJson(req, res, body, contentType(target));
    }
    const head = JSON.stringify({ kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata });
    const body = `${head.slice(0, -1)},"items":[${items.map(listItemJson).join(',')}]}`;
    if (target.kind === 'yaml') return this.sendObject(ctx, body, target);
    this.sendJson(req, res, body);
  }

  private watch(ctx: RequestContext, type: ResourceType, target: Target, includeObject: IncludeObject, inScope: (o: KubeObject) => boolean): void {
    const q = ctx.url.searchParams;
    const rv = q.get('resourceVersion') ?? undefined;
    if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a valid resource version`);
    const sendInitialEvents = q.has('sendInitialEvents') ? parseBool(q.get('sendInitialEvents')) : undefined;
    const allowBookmarks = parseBool(q.get('allowWatchBookmarks'));
    // As validateWatchOptions: resourceVersionMatch only with sendInitialEvents, and then NotOlderThan.
    const match = q.get('resourceVersionMatch') ?? '';
    if (q.has('sendInitialEvents')) {
      if (match !== 'NotOlderThan') throw badRequest('resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    } else if (match !== '') {
      throw badRequest('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    }
    const timeoutParam = q.get('timeoutSeconds');
    let timeoutMs: number;
    if (timeoutParam !== null && timeoutParam !== '') {
      if (!/^\d+$/.test(timeoutParam)) throw badRequest(`timeoutSeconds: Invalid value: "${timeoutParam}": must be a non-negative integer`);
      timeoutMs = Number(timeoutParam) * 1000;
    } else {
      // The real server picks a random timeout in [minRequestTimeout, 2*minRequestTimeout).
      timeoutMs = (1800 + Math.floor(Math.random() * 1800)) * 1000;
    }
    const gr = groupResource(type);
    const now = () => this.cluster.now();
    let headersSent = false;
    const encodeObject = (eventType: string, obj: KubeObject | StatusObject): unknown => {
      if (eventType === 'ERROR') return obj;
      const o = obj as KubeObject;
      if (target.kind === 'table') {
        if (eventType === 'BOOKMARK') {
          return { kind: 'Table', apiVersion: `meta.k8s.io/${target.version}`, metadata: { resourceVersion: o.metadata.resourceVersion }, rows: [] };
        }
        // Column definitions travel with the first event only, as the real server sends them.
        const table = toTable(gr, [o], now(), { includeObject, noHeaders: headersSent, resourceVersion: o.metadata.resourceVersion });
        headersSent = true;
        return { ...table, apiVersion: `meta.k8s.io/${target.version}` };
      }
      if (target.kind === 'partial') return { ...partialObjectMetadata(o), apiVersion: `meta.k8s.io/${target.version}` };
      return o;
    };
    serveWatch(ctx.req, ctx.res, this.cluster.store, {
      gr,
      matches: inScope,
      resourceVersion: rv,
      sendInitialEvents,
      allowBookmarks,
      timeoutMs,
      bookmarkIntervalMs: this.bookmarkIntervalMs,
      bookmark: (resourceVersion, annotations) => ({
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: String(resourceVersion), ...(annotations ? { annotations } : {}) } as KubeObject['metadata'],
      }),
      encodeObject,
      contentType: 'application/json',
    });
  }
}

/** apimachinery's SplitSchemeNamePort: "name", "name:port" or "scheme:name:port", scheme http or https. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | null {
  const parts = id.split(':');
  let scheme = '';
  let name = '';
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return null;
  if (name === '' || !['', 'http', 'https'].includes(scheme)) return null;
  return { scheme, name, port };
}

function hashHex(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}
