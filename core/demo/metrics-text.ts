// The HTTP side of the demo's exporters: the Content-Type that prometheus/common's Negotiate picks
// for the Accept header, and gzip when the client accepts it (promhttp's gzipAccepted). The
// exposition writer itself is core/exposition/writer.ts.
import { gzipSync } from 'node:zlib';
import type { Format } from '../exposition/writer.js';

export { escapeLabel, goFloat, joinLabels, labelBlock, MetricWriter, type ExpositionType, type Format } from '../exposition/writer.js';

// ---------- content negotiation, as prometheus/common's expfmt.Negotiate ----------

interface AcceptClause {
  type: string;
  subtype: string;
  q: number;
  params: Map<string, string>;
}

/** goautoneg.ParseAccept: clauses sorted by q, then by specificity (fewer wildcards first). */
function parseAccept(header: string): AcceptClause[] {
  const out: AcceptClause[] = [];
  for (const part of header.split(',')) {
    const [mt, ...ps] = part.trim().split(';');
    if (!mt) continue;
    const [type = '', subtype = ''] = mt.trim().split('/');
    const params = new Map<string, string>();
    let q = 1;
    for (const p of ps) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim();
      const v = p.slice(eq + 1).trim();
      if (k === 'q') q = Number(v);
      else params.set(k, v);
    }
    out.push({ type: type.trim(), subtype: subtype.trim() || '*', q: Number.isFinite(q) ? q : 0, params });
  }
  const wild = (c: AcceptClause) => (c.type === '*' ? 2 : c.subtype === '*' ? 1 : 0);
  return out.map((c, i) => ({ c, i })).sort((a, b) => b.c.q - a.c.q || wild(a.c) - wild(b.c) || a.i - b.i).map((x) => x.c);
}

const ESCAPINGS = new Set(['allow-utf-8', 'underscores', 'dots', 'values']);

export interface NegotiateOptions {
  /** promhttp's EnableOpenMetrics (or kube-state-metrics' own handler). */
  openMetrics: boolean;
  /**
   * The library's default escaping scheme, appended to the Content-Type ("values" for
   * prometheus/common before 0.59, "underscores" after); null for libraries older than the
   * escaping parameter.
   */
  escaping: 'values' | 'underscores' | null;
  /** kube-state-metrics always answers text without an escaping parameter. */
  plainText?: boolean;
}

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function negotiate(accept: string | undefined, opts: NegotiateOptions): { format: Format; contentType: string } {
  let escaping = opts.escaping ? `; escaping=${opts.escaping}` : '';
  const text = () => ({ format: 'text' as const, contentType: opts.plainText ? TEXT_CONTENT_TYPE : `${TEXT_CONTENT_TYPE}${escaping}` });
  for (const c of parseAccept(accept ?? '')) {
    const e = c.params.get('escaping');
    if (opts.escaping && e && ESCAPINGS.has(e)) escaping = `; escaping=${e}`;
    const ver = c.params.get('version') ?? '';
    if (c.type === 'text' && c.subtype === 'plain' && (ver === '0.0.4' || ver === '')) return text();
    if (opts.openMetrics && `${c.type}/${c.subtype}` === 'application/openmetrics-text' && (ver === '0.0.1' || ver === '1.0.0' || ver === '')) {
      return { format: 'openmetrics', contentType: `application/openmetrics-text; version=${ver === '1.0.0' ? '1.0.0' : '0.0.1'}; charset=utf-8${escaping}` };
    }
  }
  return text();
}

/** promhttp's gzipAccepted. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(',').some((p) => {
    const part = p.trim();
    return part === 'gzip' || part.startsWith('gzip;');
  });
}

export interface TargetRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  /** Aborted when the client goes away (a proxy that gave up, a closed port-forward). */
  signal?: AbortSignal;
}

export interface TargetResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** A rendered exposition as the exporter's HTTP handler sends it. */
export function expositionResponse(req: TargetRequest, opts: NegotiateOptions, render: (format: Format) => string): TargetResponse {
  const { format, contentType } = negotiate(req.headers.accept, opts);
  const text = render(format);
  if (acceptsGzip(req.headers['accept-encoding'])) {
    return { status: 200, headers: { 'Content-Type': contentType, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' }, body: gzipSync(text, { level: 1 }) };
  }
  return { status: 200, headers: { 'Content-Type': contentType }, body: text };
}

/** Go's http.NotFound. */
export function notFoundResponse(): TargetResponse {
  return { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: '404 page not found\n' };
}

export function textResponse(status: number, body: string, contentType = 'text/plain; charset=utf-8'): TargetResponse {
  return { status, headers: { 'Content-Type': contentType }, body };
}
