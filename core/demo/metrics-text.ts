// Writing expositions as the Go exporters do: the Prometheus text format 0.0.4 (and OpenMetrics
// 1.0 for exporters that offer it), floats as Go's strconv 'g' writes them, label values escaped
// as expfmt escapes them, the Content-Type that prometheus/common's Negotiate picks for the
// Accept header, and gzip when the client accepts it (promhttp's gzipAccepted).
import { gzipSync } from 'node:zlib';

export type ExpositionType = 'counter' | 'gauge' | 'untyped' | 'summary' | 'histogram' | 'info';

/** Go's strconv.FormatFloat(v, 'g', -1, 64) with expfmt's special cases. */
export function goFloat(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const a = v < 0 ? -v : v;
  // JS's shortest digits are Go's; only the exponent form differs (Go from 1e21 down to 1e6, and
  // below 1e-4, with a two-digit exponent).
  if (a >= 1e-4 && a < 1e6) return String(v);
  const s = v.toExponential();
  const e = s.indexOf('e');
  const exp = s.slice(e + 2);
  return exp.length === 1 ? `${s.slice(0, e + 2)}0${exp}` : s;
}

/** Label value escaping of the text format: backslash, double quote, newline. */
export function escapeLabel(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  if (!/[\\\n]/.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="1",b="2"}` (or '' for no labels), in the order given, as client_golang writes them. */
export function labelBlock(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return '';
  let s = '{';
  for (let i = 0; i < pairs.length; i++) {
    if (i > 0) s += ',';
    s += `${pairs[i]![0]}="${escapeLabel(pairs[i]![1])}"`;
  }
  return `${s}}`;
}

/** Joins two label blocks: `{a="1"}` + `{b="2"}` → `{a="1",b="2"}`. */
export function joinLabels(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a;
  return `${a.slice(0, -1)},${b.slice(1)}`;
}

export type Format = 'text' | 'openmetrics';

/**
 * An exposition being written. Families are written whole (HELP, TYPE, then their samples), as
 * the registries of client_golang do; `sample` appends to the family last opened.
 */
export class MetricWriter {
  private parts: string[] = [];
  private cur = '';

  constructor(readonly format: Format = 'text') {}

  family(name: string, type: ExpositionType, help: string): this {
    if (this.format === 'openmetrics') {
      // OpenMetrics names a counter family without its _total; untyped is "unknown".
      const omName = type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
      const omType = type === 'untyped' ? 'unknown' : type;
      this.cur += `# HELP ${omName} ${escapeHelp(help)}\n# TYPE ${omName} ${omType}\n`;
    } else {
      this.cur += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    }
    return this;
  }

  /** One sample line; `labels` is a ready label block (see labelBlock). */
  sample(name: string, labels: string, value: number, timestampMs?: number): this {
    this.cur += timestampMs === undefined ? `${name}${labels} ${goFloat(value)}\n` : `${name}${labels} ${goFloat(value)} ${timestampMs}\n`;
    if (this.cur.length > 65_536) this.flushPart();
    return this;
  }

  /** Raw text, for writers that assemble their own lines. */
  raw(text: string): this {
    this.cur += text;
    if (this.cur.length > 65_536) this.flushPart();
    return this;
  }

  private flushPart(): void {
    this.parts.push(this.cur);
    this.cur = '';
  }

  text(): string {
    this.flushPart();
    const all = this.parts.join('') + (this.format === 'openmetrics' ? '# EOF\n' : '');
    this.parts = [all];
    this.cur = '';
    return all;
  }
}

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
