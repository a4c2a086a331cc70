// The demo cluster's network, as far as the API server's proxy and port-forward reach into it:
// which address and port has something listening, what answers there (the kubelet on every
// node's :10250, node-exporter on the host network at :9100, each pod's declared ports), and
// what a connection attempt to anything else does — refused at once on a live host, timed out
// on a node that stopped responding. Faults make a target hang, answer garbage, or refuse.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DemoCluster } from './cluster.js';
import { countPing, renderDcgm, renderPing } from './apps.js';
import { renderKsmTelemetry, renderKubeStateMetrics } from './ksm.js';
import { renderCadvisor, renderKubeletMetrics, renderProbeMetrics, renderResourceMetrics } from './kubelet-metrics.js';
import { expositionResponse, notFoundResponse, textResponse, type NegotiateOptions, type TargetRequest, type TargetResponse } from './metrics-text.js';
import { isRunning, metricsModel, type MetricsModel } from './model.js';
import { nodeExporterLandingPage, renderNodeExporter } from './node-exporter.js';
import type { Node, Pod } from '../kube/objects.js';

export type Scheme = 'http' | 'https';

export interface Listener {
  scheme: Scheme;
  /** What the listening process is, for tests and logs ("kubelet", "node-exporter", "ping"…). */
  app: string;
  serve(req: TargetRequest): TargetResponse | Promise<TargetResponse>;
}

/** How a TCP connection attempt ended, with Go's wording of a failure. */
export type Dial = { ok: true; listener: Listener } | { ok: false; error: string; afterMs: number };

export interface TargetFault {
  /** 'hang': answers only after delayMs; 'malformed': answers a broken exposition; 'refuse': nothing listens. */
  kind: 'hang' | 'malformed' | 'refuse';
  delayMs?: number;
}

export interface NetworkOptions {
  /** How long a connection attempt to an unresponsive host takes to fail (the API server's dialer: 30 s). */
  dialTimeoutMs?: number;
  /** Nodes whose node-exporter is a real one at this URL (e.g. a local node_exporter's /metrics). */
  nodeExporterUrls?: Map<string, string>;
}

const NODE_EXPORTER_OPTS: NegotiateOptions = { openMetrics: false, escaping: 'values' };
const KUBELET_OPTS: NegotiateOptions = { openMetrics: false, escaping: 'values' };
const KSM_OPTS: NegotiateOptions = { openMetrics: true, escaping: 'underscores', plainText: true };
const PING_OPTS: NegotiateOptions = { openMetrics: false, escaping: 'underscores' };
const DCGM_OPTS: NegotiateOptions = { openMetrics: false, escaping: null };

export const KUBELET_PORT = 10250;

export class DialError extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A broken exposition: the real one cut off inside a label set, then junk. */
export function malformed(body: string): string {
  const cut = body.indexOf('{', Math.floor(body.length * 0.4));
  return `${body.slice(0, cut < 0 ? body.length : cut + 4)}\n<html><body>502 Bad Gateway</body></html>\n`;
}

export class ClusterNetwork {
  readonly cluster: DemoCluster;
  readonly model: MetricsModel;
  readonly dialTimeoutMs: number;
  readonly nodeExporterUrls: Map<string, string>;
  /** Faults by "ip:port". */
  readonly faults = new Map<string, TargetFault>();
  /**
   * Extra time the API server's proxy takes before dialing, by "ip:port" or "*" for every target
   * (an overloaded API server, a slow konnectivity tunnel); port-forwards are not delayed.
   */
  readonly proxyDelays = new Map<string, number>();
  /** host:port of the API server as the kubelets' clients name it. */
  apiServerHost = '10.0.16.10:6443';
  private indexRv = -1;
  private nodesByIp = new Map<string, Node>();
  private podsByIp = new Map<string, Pod>();
  private readonly scrapes = new Map<string, number>();

  constructor(cluster: DemoCluster, opts: NetworkOptions = {}) {
    this.cluster = cluster;
    this.model = metricsModel(cluster);
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 30_000;
    this.nodeExporterUrls = opts.nodeExporterUrls ?? new Map();
  }

  private reindex(): void {
    const rv = this.cluster.store.resourceVersion;
    if (rv === this.indexRv) return;
    this.indexRv = rv;
    this.nodesByIp = new Map();
    for (const n of this.cluster.store.list('nodes') as Node[]) {
      const ip = n.status.addresses.find((a) => a.type === 'InternalIP')?.address;
      if (ip) this.nodesByIp.set(ip, n);
    }
    this.podsByIp = new Map();
    for (const p of this.cluster.store.list('pods') as Pod[]) {
      if (p.spec.hostNetwork || !p.status.podIP || !isRunning(p)) continue;
      this.podsByIp.set(p.status.podIP, p);
    }
  }

  /** The node an address belongs to (its own, or a pod's on it). */
  hostOf(ip: string): Node | undefined {
    this.reindex();
    const n = this.nodesByIp.get(ip);
    if (n) return n;
    const p = this.podsByIp.get(ip);
    return p ? (this.cluster.store.get('nodes', undefined, p.spec.nodeName!) as Node | undefined) : undefined;
  }

  /** How long the proxy stalls before dialing ip:port (a slow-proxy fault), in ms. */
  proxyDelay(ip: string, port: number): number {
    return this.proxyDelays.get(`${ip}:${port}`) ?? this.proxyDelays.get('*') ?? 0;
  }

  /** A TCP connection attempt to ip:port, as the API server's dialer would see it. */
  dial(ip: string, port: number): Dial {
    this.cluster.advance();
    this.reindex();
    const addr = `${ip}:${port}`;
    const node = this.nodesByIp.get(ip);
    const pod = node ? undefined : this.podsByIp.get(ip);
    if (!node && !pod) return { ok: false, error: `dial tcp ${addr}: connect: no route to host`, afterMs: Math.min(3000, this.dialTimeoutMs) };
    const host = node ?? (this.cluster.store.get('nodes', undefined, pod!.spec.nodeName!) as Node | undefined);
    if (host && this.cluster.silentNodes.has(host.metadata.name)) return { ok: false, error: `dial tcp ${addr}: i/o timeout`, afterMs: this.dialTimeoutMs };
    const fault = this.faults.get(addr);
    if (fault?.kind === 'refuse') return { ok: false, error: `dial tcp ${addr}: connect: connection refused`, afterMs: 0 };
    const listener = node ? this.nodeListener(node, port) : this.podListener(pod!, port);
    if (!listener) return { ok: false, error: `dial tcp ${addr}: connect: connection refused`, afterMs: 0 };
    return { ok: true, listener: fault ? this.withFault(listener, fault) : listener };
  }

  private withFault(l: Listener, fault: TargetFault): Listener {
    return {
      scheme: l.scheme,
      app: l.app,
      serve: async (req) => {
        if (fault.kind === 'hang') {
          await sleep(fault.delayMs ?? 120_000, req.signal);
          if (req.signal?.aborted) return textResponse(499, '');
          return l.serve(req);
        }
        const res = await l.serve(req);
        if (fault.kind === 'malformed' && res.status === 200) {
          const text = typeof res.body === 'string' ? res.body : res.headers['Content-Encoding'] === 'gzip' ? null : res.body.toString('utf8');
          const plain = text ?? (await l.serve({ ...req, headers: { ...req.headers, 'accept-encoding': undefined } })).body.toString();
          const { 'Content-Encoding': _ce, ...headers } = res.headers;
          return { status: 200, headers, body: malformed(plain) };
        }
        return res;
      },
    };
  }

  /** What listens at a node's own address (the kubelet, and host-network pods). */
  nodeListener(node: Node, port: number): Listener | undefined {
    if (port === KUBELET_PORT) return this.kubelet(node);
    for (const p of this.model.podsOn(node.metadata.name)) {
      if (!p.spec.hostNetwork) continue;
      const l = this.podListener(p, port);
      if (l) return l;
    }
    return undefined;
  }

  /** What listens on a pod's port: its running containers' declared ports (and a few undeclared ones real images open). */
  podListener(pod: Pod, port: number): Listener | undefined {
    if (!isRunning(pod)) return undefined;
    for (const c of pod.spec.containers) {
      const cs = (pod.status.containerStatuses ?? []).find((s) => s.name === c.name);
      if (!cs?.state.running) continue;
      const declared = (c.ports ?? []).some((p) => p.containerPort === port && (p.protocol ?? 'TCP') === 'TCP');
      const l = this.appListener(pod, c.name, port, declared);
      if (l) return l;
    }
    return undefined;
  }

  private appListener(pod: Pod, container: string, port: number, declared: boolean): Listener | undefined {
    const labels = pod.metadata.labels ?? {};
    const name = labels['app.kubernetes.io/name'] ?? labels.app ?? labels['k8s-app'] ?? container;
    const key = `${pod.metadata.uid}:${port}`;
    const scrape = () => {
      const n = (this.scrapes.get(key) ?? 0) + 1;
      this.scrapes.set(key, n);
      return n;
    };
    const now = () => this.model.now();
    if (name === 'prometheus-node-exporter' && port === 9100) {
      const url = this.nodeExporterUrls.get(pod.spec.nodeName ?? '');
      return {
        scheme: 'http',
        app: 'node-exporter',
        serve: (req) => {
          if (url) return forward(url, req);
          if (req.path === '/metrics') {
            const node = this.cluster.store.get('nodes', undefined, pod.spec.nodeName!) as Node;
            return expositionResponse(req, NODE_EXPORTER_OPTS, (f) => renderNodeExporter(this.model, node, now(), f, pod));
          }
          if (req.path === '/') return textResponse(200, nodeExporterLandingPage(), 'text/html; charset=UTF-8');
          return notFoundResponse();
        },
      };
    }
    if (name === 'kube-state-metrics' && (port === 8080 || port === 8081)) {
      return {
        scheme: 'http',
        app: port === 8080 ? 'kube-state-metrics' : 'kube-state-metrics-telemetry',
        serve: (req) => {
          if (req.path === '/metrics') {
            if (port === 8081) return expositionResponse(req, PING_OPTS, (f) => renderKsmTelemetry(now(), this.model.containerStart(pod, container) ?? now(), f));
            const list = (k: string) => {
              const v = req.query.getAll(k);
              return v.length ? new Set(v.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) : undefined;
            };
            this.cluster.advance();
            return expositionResponse(req, KSM_OPTS, (f) => renderKubeStateMetrics(this.cluster, f, list('resources'), list('exclude_resources')));
          }
          if (req.path === '/healthz' || req.path === '/livez' || req.path === '/readyz') return textResponse(200, 'OK');
          if (req.path === '/') return textResponse(200, '<html><head><title>Kube-State-Metrics</title></head><body><h1>Kube Metrics</h1><ul><li><a href=\'/metrics\'>metrics</a></li><li><a href=\'/healthz\'>healthz</a></li></ul></body></html>', 'text/html; charset=utf-8');
          return notFoundResponse();
        },
      };
    }
    if (name === 'ping' && port === 8090) {
      return {
        scheme: 'http',
        app: 'ping',
        serve: (req) => {
          if (req.path === '/metrics') return expositionResponse(req, PING_OPTS, () => renderPing(this.model, pod, now(), scrape() - 1));
          if (req.path === '/ping') {
            countPing(this.model, pod);
            return textResponse(200, 'pong');
          }
          if (req.path === '/healthz') return textResponse(200, 'ok');
          return notFoundResponse();
        },
      };
    }
    if (name === 'dcgm-exporter' && port === 9400) {
      return {
        scheme: 'http',
        app: 'dcgm-exporter',
        serve: (req) => {
          if (req.path === '/metrics') {
            const node = this.cluster.store.get('nodes', undefined, pod.spec.nodeName!) as Node;
            return expositionResponse(req, DCGM_OPTS, (f) => renderDcgm(this.model, node, now(), f));
          }
          if (req.path === '/health') return textResponse(200, 'OK');
          return notFoundResponse();
        },
      };
    }
    if (!declared) return undefined;
    return {
      scheme: 'http',
      app: name,
      serve: (req) => (req.path === '/healthz' || req.path === '/' || req.path === '/readyz' ? textResponse(200, 'ok') : notFoundResponse()),
    };
  }

  /** The kubelet's HTTPS endpoint on a node. */
  kubelet(node: Node): Listener {
    const now = () => this.model.now();
    return {
      scheme: 'https',
      app: 'kubelet',
      serve: (req) => {
        const n = this.cluster.store.get('nodes', undefined, node.metadata.name) as Node | undefined;
        if (!n) return notFoundResponse();
        switch (req.path) {
          case '/metrics':
            return expositionResponse(req, KUBELET_OPTS, (f) => renderKubeletMetrics(this.model, n, now(), f, this.apiServerHost));
          case '/metrics/cadvisor':
            return expositionResponse(req, KUBELET_OPTS, (f) => renderCadvisor(this.model, n, now(), f));
          case '/metrics/resource':
            return expositionResponse(req, KUBELET_OPTS, (f) => renderResourceMetrics(this.model, n, now(), f));
          case '/metrics/probes':
            return expositionResponse(req, KUBELET_OPTS, (f) => renderProbeMetrics(this.model, n, now(), f));
          case '/healthz':
            return textResponse(200, 'ok');
          case '/pods':
          case '/pods/': {
            const items = this.model.cluster.store.list('pods').filter((p) => (p as Pod).spec.nodeName === n.metadata.name);
            return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }) };
          }
          default:
            return notFoundResponse();
        }
      },
    };
  }
}

/** A request to a real exporter (--node-exporter-url), as the proxy would make it. */
function forward(url: string, req: TargetRequest): Promise<TargetResponse> {
  const target = new URL(url);
  if (req.path !== '/metrics' && req.path !== target.pathname) target.pathname = req.path;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (req.headers.accept) headers.Accept = req.headers.accept;
    if (req.headers['accept-encoding']) headers['Accept-Encoding'] = req.headers['accept-encoding'];
    const make = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = make(target, { method: req.method, headers, timeout: 10_000, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined || ['connection', 'transfer-encoding', 'keep-alive', 'content-length', 'date'].includes(k)) continue;
          out[k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())] = Array.isArray(v) ? v.join(', ') : v;
        }
        resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new DialError(`dial tcp ${target.host}: i/o timeout`)));
    r.on('error', (e) => reject(e instanceof DialError ? e : new DialError(`dial tcp ${target.host}: connect: connection refused`)));
    req.signal?.addEventListener('abort', () => r.destroy(), { once: true });
    r.end();
  });
}
