// Writing expositions as the Go exporters do: the Prometheus text format 0.0.4 (and OpenMetrics
// 1.0 for exporters that offer it), floats as Go's strconv 'g' writes them, label values escaped
// as expfmt escapes them. The demo cluster's exporters and the series Kubeglass derives from the
// Kubernetes API are written with it.

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
