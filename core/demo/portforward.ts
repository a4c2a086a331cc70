// pods/portforward as the API server and kubelet serve it, in the three forms clients use:
//   - WebSocket with the channel protocol (v4.channel.k8s.io, v4.base64.channel.k8s.io), what
//     @kubernetes/client-node's PortForward speaks: per requested port a data channel (2i) and
//     an error channel (2i+1), each starting with the port as two little-endian bytes;
//   - WebSocket carrying SPDY ("SPDY/3.1+portforward.k8s.io"), what kubectl 1.30+ tries first;
//   - an HTTP upgrade to SPDY/3.1 (X-Stream-Protocol-Version: portforward.k8s.io), kubectl's
//     fallback: per local connection an error stream and a data stream paired by requestid.
// The far end is the pod's simulated HTTP listener, fed the raw bytes through an in-process
// HTTP server, so anything that speaks HTTP over the forwarded port works.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { DemoApiServer, SubresourceContext } from './api-server.js';
import { isRunning } from './model.js';
import type { ClusterNetwork, Listener } from './network.js';
import { ApiError, badRequest, statusObject } from './status.js';
import type { TargetRequest } from './metrics-text.js';
import { SpdyConnection, type SpdyStream } from './spdy.js';
import { hashString, subKey } from './signals.js';
import type { Node, Pod } from '../kube/objects.js';
import { isWebSocketUpgrade, offeredProtocols, WebSocketConnection } from './websocket.js';

export const TUNNELING_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** One end of an in-memory connection; what is written to it is read from its peer. */
class Pipe extends Duplex {
  peer!: Pipe;
  remoteAddress = '127.0.0.1';
  remotePort = 0;
  encrypted = false;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.peer.push(chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.peer.push(null);
    cb();
  }

  override _read(): void {}

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    cb(err);
  }

  // What http.Server calls on its sockets.
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

function pipePair(): [Pipe, Pipe] {
  const a = new Pipe();
  const b = new Pipe();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

const servers = new WeakMap<Listener, Server>();

/** An HTTP server (not listening anywhere) that answers with the listener's responses. */
function httpServerFor(listener: Listener): Server {
  let s = servers.get(listener);
  if (s) return s;
  s = createServer((req: IncomingMessage, res: ServerResponse) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    req.resume();
    req.on('end', () => {
      if (listener.scheme === 'https') {
        // Go's TLS server answering plain HTTP.
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end('Client sent an HTTP request to an HTTPS server.\n');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const treq: TargetRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, signal: abort.signal };
      Promise.resolve(listener.serve(treq)).then(
        (answer) => {
          if (res.destroyed) return;
          res.writeHead(answer.status, answer.headers);
          res.end(req.method === 'HEAD' ? undefined : answer.body);
        },
        () => res.destroy(),
      );
    });
  });
  servers.set(listener, s);
  return s;
}

/** A TCP connection into the listener: the returned end is the client's. */
export function connectTo(listener: Listener): Duplex {
  const [client, server] = pipePair();
  httpServerFor(listener).emit('connection', server as unknown as Socket);
  return client;
}

/** What containerd reports when nothing listens on the port inside the pod's network namespace. */
function refusedMessage(pod: Pod, port: number, sandbox: string): string {
  const key = hashString(`netns/${pod.metadata.uid}`);
  const h = (i: number) => subKey(key, i).toString(16).padStart(8, '0');
  const netns = `cni-${h(1)}-${h(2).slice(0, 4)}-${h(3).slice(0, 4)}-${h(4).slice(0, 4)}-${h(5)}${h(6).slice(0, 4)}`;
  return (
    `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/${netns}": ` +
    `failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}

export class PortForwarder {
  constructor(private readonly net: ClusterNetwork) {}

  /** The listener on a pod's port (its own network namespace; a host-network pod's is the node's). */
  target(pod: Pod, port: number): { ok: true; listener: Listener } | { ok: false; error: string } {
    const ip = pod.spec.hostNetwork ? pod.status.hostIP : pod.status.podIP;
    const dial = this.net.dial(ip ?? '', port);
    if (!dial.ok) return { ok: false, error: refusedMessage(pod, port, this.net.model.pod(pod).sandboxId) };
    return dial;
  }

  /** Serves one SPDY stream pair: the data stream to the pod's port, failures on the error stream. */
  private pair(pod: Pod, data: SpdyStream, error: SpdyStream): void {
    const port = Number(data.headers.get('port'));
    const t = this.target(pod, port);
    if (!t.ok) {
      error.write(t.error);
      error.end();
      data.end();
      return;
    }
    const conn = connectTo(t.listener);
    data.on('data', (b: Buffer) => conn.write(b));
    data.on('end', () => conn.end());
    data.on('reset', () => conn.destroy());
    conn.on('data', (b: Buffer) => data.write(b));
    const done = () => {
      data.end();
      error.end();
    };
    conn.on('end', done);
    conn.on('close', done);
    conn.on('error', done);
  }

  /** A SPDY session (over an upgraded connection or a WebSocket tunnel). */
  spdy(pod: Pod, out: { write(b: Buffer): void; end(): void }): SpdyConnection {
    const conn = new SpdyConnection(out);
    const pending = new Map<string, { data?: SpdyStream; error?: SpdyStream }>();
    conn.on('stream', (s: SpdyStream) => {
      const type = s.headers.get('streamtype');
      const id = s.headers.get('requestid') ?? '';
      if (!s.headers.get('port') || (type !== 'data' && type !== 'error')) {
        s.rst();
        return;
      }
      const p = pending.get(id) ?? {};
      p[type] = s;
      pending.set(id, p);
      if (p.data && p.error) {
        pending.delete(id);
        this.pair(pod, p.data, p.error);
      }
    });
    conn.on('error', (e: unknown) => {
      if (process.env.KUBEGLASS_DEMO_DEBUG) console.error('port-forward SPDY session failed:', e);
      conn.close();
    });
    return conn;
  }

  /** The v4 channel protocol over a WebSocket: every requested port at once. */
  channels(pod: Pod, ws: WebSocketConnection, ports: number[]): void {
    const base64 = ws.protocol === 'v4.base64.channel.k8s.io';
    const send = (channel: number, data: Buffer) => {
      if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), false);
      else ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    const conns: (Duplex | null)[] = [];
    let open = ports.length;
    const finished = () => {
      if (--open === 0) ws.close();
    };
    ports.forEach((port, i) => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16LE(port, 0);
      send(2 * i, prefix);
      send(2 * i + 1, prefix);
      const t = this.target(pod, port);
      if (!t.ok) {
        send(2 * i + 1, Buffer.from(t.error));
        conns.push(null);
        finished();
        return;
      }
      const conn = connectTo(t.listener);
      conns.push(conn);
      conn.on('data', (b: Buffer) => send(2 * i, b));
      let done = false;
      const end = () => {
        if (done) return;
        done = true;
        finished();
      };
      conn.on('end', end);
      conn.on('close', end);
    });
    ws.on('message', (msg: Buffer, binary: boolean) => {
      let channel: number;
      let data: Buffer;
      if (binary) {
        channel = msg[0]!;
        data = msg.subarray(1);
      } else {
        const text = msg.toString('utf8');
        channel = text.charCodeAt(0) - 48;
        data = Buffer.from(text.slice(1), 'base64');
      }
      const conn = channel % 2 === 0 ? conns[channel / 2] : undefined;
      if (conn && data.length > 0) conn.write(data);
    });
    ws.on('close', () => {
      for (const c of conns) c?.destroy();
    });
  }
}

function requestedPorts(url: URL): number[] {
  const raw = url.searchParams.getAll('ports').flatMap((p) => p.split(','));
  if (raw.length === 0) throw badRequest('query parameter "port" is required');
  return raw.map((p) => {
    const n = /^\d+$/.test(p) ? Number(p) : NaN;
    if (!(n >= 1 && n <= 65535)) throw badRequest(`unable to parse "${p}" as a port`);
    return n;
  });
}

/** Registers pods/portforward on the server. */
export function registerPortForward(server: DemoApiServer, net: ClusterNetwork): PortForwarder {
  const forwarder = new PortForwarder(net);
  server.registerSubresource('pods', 'portforward', { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] }, async (ctx: SubresourceContext) => {
    const pod = ctx.object as Pod;
    if (!ctx.upgrade) throw badRequest('Upgrade request required');
    if (!pod.spec.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const node = ctx.cluster.store.get('nodes', undefined, pod.spec.nodeName) as Node | undefined;
    if (node && ctx.cluster.silentNodes.has(node.metadata.name)) {
      // The API server cannot reach the kubelet: the upgrade fails after the dialer gives up.
      await new Promise((r) => setTimeout(r, net.dialTimeoutMs));
      const ip = node.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? '';
      throw new ApiError(statusObject(500, 'InternalError', `error dialing backend: dial tcp ${ip}:10250: i/o timeout`));
    }
    if (!isRunning(pod)) throw badRequest(`unable to upgrade connection: pod not found ("${pod.metadata.name}_${pod.metadata.namespace}")`);
    const { req, res, upgrade } = ctx;
    const { socket, head } = upgrade;
    if (isWebSocketUpgrade(req)) {
      const offered = offeredProtocols(req);
      if (offered.includes(TUNNELING_PROTOCOL)) {
        res.detachSocket(socket as Socket);
        const ws = WebSocketConnection.accept(req, socket, head, TUNNELING_PROTOCOL);
        const conn = forwarder.spdy(pod, { write: (b) => ws.send(b), end: () => ws.close() });
        ws.on('message', (m: Buffer) => conn.feed(m));
        ws.on('close', () => conn.lost());
        return;
      }
      const protocol = offered.length === 0 ? '' : offered.find((p) => CHANNEL_PROTOCOLS.includes(p));
      if (protocol === undefined) throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${[...CHANNEL_PROTOCOLS, TUNNELING_PROTOCOL].join(' ')}]`);
      const ports = requestedPorts(ctx.url);
      res.detachSocket(socket as Socket);
      const ws = WebSocketConnection.accept(req, socket, head, protocol);
      forwarder.channels(pod, ws, ports);
      return;
    }
    const upgradeTo = String(req.headers.upgrade ?? '').toLowerCase();
    const version = String(req.headers['x-stream-protocol-version'] ?? '');
    if (upgradeTo !== 'spdy/3.1') throw badRequest('unable to upgrade: missing upgrade headers in request');
    if (!version.split(',').map((v) => v.trim()).includes('portforward.k8s.io')) {
      throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${version}], server supports [portforward.k8s.io]`);
    }
    res.detachSocket(socket as Socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    const conn = forwarder.spdy(pod, { write: (b) => socket.write(b), end: () => socket.end() });
    if (head.length) conn.feed(head);
    socket.on('data', (b: Buffer) => conn.feed(b));
    socket.on('close', () => conn.lost());
    socket.on('error', () => conn.lost());
  });
  return forwarder;
}
