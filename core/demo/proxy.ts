// The API server's proxy subresources over the demo network: pods/proxy, nodes/proxy and
// services/proxy, each resolving its target as the real registry's ResourceLocation does (the
// pod's first declared port, the node's kubelet unless another port is named, a ready endpoint
// of the named service port) and failing with the real Status objects: 400 "address not
// allowed", 503 "no endpoints available for service …", and for a target that does not answer
// 503 "error trying to reach service: dial tcp …" — after the dialer's timeout when the host
// is gone.
import type { IncomingMessage } from 'node:http';
import type { DemoApiServer, SubresourceContext } from './api-server.js';
import type { ClusterNetwork, Scheme } from './network.js';
import { ApiError, badRequest, notFound, statusObject } from './status.js';
import type { TargetRequest, TargetResponse } from './metrics-text.js';
import type { Node, Pod, Service } from '../kube/objects.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);

export const serviceUnavailable = (message: string) => new ApiError(statusObject(503, 'ServiceUnavailable', message));

/** net.ParseIP(ip).IsGlobalUnicast() for IPv4. */
function isGlobalUnicast(ip: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return false;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return false;
  if (o[0] === 0 || o[0] === 127 || o[0]! >= 224) return false;
  if (o[0] === 169 && o[1] === 254) return false;
  return !(o[0] === 255 && o[1] === 255 && o[2] === 255 && o[3] === 255);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The path after ".../proxy", as sent upstream ("" when the request stopped at "proxy"). */
function proxiedPath(pathname: string): string {
  const m = /\/(?:pods|nodes|services)\/[^/]+\/proxy(\/.*)?$/.exec(pathname);
  return m?.[1] ?? '';
}

function lowerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  delete out.authorization;
  return out;
}

/** Sends the request to scheme://ip:port and relays the answer, or fails as the real proxy does. */
export async function proxyTo(ctx: SubresourceContext, net: ClusterNetwork, scheme: Scheme, ip: string, port: string): Promise<void> {
  const { req, res, url } = ctx;
  const path = proxiedPath(url.pathname);
  if (path === '') {
    // UpgradeAwareHandler: an empty location path is redirected to the same path with a slash.
    res.writeHead(301, { Location: `${url.pathname}/${url.search}`, 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<a href="${url.pathname}/${url.search}">Moved Permanently</a>.\n\n`);
    return;
  }
  const abort = new AbortController();
  const onClose = () => abort.abort();
  res.on('close', onClose);
  try {
    const portNum = port === '' ? (scheme === 'https' ? 443 : 80) : /^\d+$/.test(port) ? Number(port) : NaN;
    if (Number.isNaN(portNum)) throw serviceUnavailable(`error trying to reach service: dial tcp: lookup tcp/${port}: unknown port`);
    const stall = net.proxyDelay(ip, portNum);
    if (stall > 0) {
      await sleep(stall, abort.signal);
      if (abort.signal.aborted) return;
    }
    const dial = net.dial(ip, portNum);
    if (!dial.ok) {
      await sleep(dial.afterMs, abort.signal);
      if (abort.signal.aborted) return;
      throw serviceUnavailable(`error trying to reach service: ${dial.error}`);
    }
    if (dial.listener.scheme === 'http' && scheme === 'https') throw serviceUnavailable('error trying to reach service: tls: first record does not look like a TLS handshake');
    let answer: TargetResponse;
    if (dial.listener.scheme === 'https' && scheme === 'http') {
      answer = { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Client sent an HTTP request to an HTTPS server.\n' };
    } else {
      const treq: TargetRequest = { method: req.method ?? 'GET', path, query: url.searchParams, headers: lowerHeaders(req), signal: abort.signal };
      try {
        answer = await dial.listener.serve(treq);
      } catch (err) {
        throw serviceUnavailable(`error trying to reach service: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (abort.signal.aborted || res.destroyed) return;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
    res.writeHead(answer.status, headers);
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  } finally {
    res.off('close', onClose);
  }
}

/** The node's address the API server dials (kubeadm's --kubelet-preferred-address-types puts InternalIP first). */
export function nodeAddress(node: Node): string {
  return node.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? node.status.addresses[0]?.address ?? '';
}

export function kubeletPort(node: Node): number {
  return (node.status.daemonEndpoints as { kubeletEndpoint?: { Port?: number } } | undefined)?.kubeletEndpoint?.Port ?? 10250;
}

/** Where a service proxy request goes: a ready endpoint of the named (or numbered) service port. */
export function serviceLocation(ctx: SubresourceContext, svc: Service): { ip: string; port: string } {
  const id = ctx.target!.id;
  let portName = ctx.target!.port;
  const name = svc.metadata.name;
  if (/^\d+$/.test(portName)) {
    const p = (svc.spec.ports ?? []).find((x) => x.port === Number(portName));
    if (!p) throw serviceUnavailable(`no service port ${Number(portName)} found for service ${JSON.stringify(name)}`);
    portName = p.name ?? '';
  }
  const eps = ctx.cluster.store.get('endpoints', svc.metadata.namespace, name);
  if (!eps) throw notFound('', 'endpoints', name);
  const subsets = (eps.subsets as { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }[] | undefined) ?? [];
  if (subsets.length === 0) throw serviceUnavailable(`no endpoints available for service ${JSON.stringify(name)}`);
  const seed = Math.floor(Math.random() * subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(seed + i) % subsets.length]!;
    if (!ss.addresses?.length) continue;
    const port = (ss.ports ?? []).find((p) => (p.name ?? '') === portName);
    if (!port) continue;
    const addr = ss.addresses[Math.floor(Math.random() * ss.addresses.length)]!;
    return { ip: addr.ip, port: String(port.port) };
  }
  throw serviceUnavailable(`no endpoints available for service ${JSON.stringify(id)}`);
}

/** Registers pods/proxy, nodes/proxy and services/proxy on the server. */
export function registerProxies(server: DemoApiServer, net: ClusterNetwork): void {
  const verbs = ['create', 'delete', 'get', 'patch', 'update'];
  server.registerSubresource('pods', 'proxy', { kind: 'PodProxyOptions', verbs, nameWithPort: 'pod' }, async (ctx) => {
    const pod = ctx.object as Pod;
    let port = ctx.target!.port;
    if (port === '') {
      const first = pod.spec.containers.find((c) => (c.ports ?? []).length > 0);
      if (first) port = String(first.ports![0]!.containerPort);
    }
    const ip = pod.status.podIPs?.[0]?.ip ?? '';
    if (!isGlobalUnicast(ip)) throw badRequest('address not allowed');
    await proxyTo(ctx, net, (ctx.target!.scheme || 'http') as Scheme, ip, port);
  });
  server.registerSubresource('nodes', 'proxy', { kind: 'NodeProxyOptions', verbs, nameWithPort: 'node' }, async (ctx) => {
    const node = ctx.object as Node;
    const kubelet = String(kubeletPort(node));
    const { scheme, port } = ctx.target!;
    if (port === '' || port === kubelet) return proxyTo(ctx, net, 'https', nodeAddress(node), kubelet);
    await proxyTo(ctx, net, (scheme || 'http') as Scheme, nodeAddress(node), port);
  });
  server.registerSubresource('services', 'proxy', { kind: 'ServiceProxyOptions', verbs, nameWithPort: 'service' }, async (ctx) => {
    const svc = ctx.object as Service;
    const { ip, port } = serviceLocation(ctx, svc);
    await proxyTo(ctx, net, (ctx.target!.scheme || 'http') as Scheme, ip, port);
  });
}


