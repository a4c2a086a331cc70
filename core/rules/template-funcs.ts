// Prometheus's template functions (template/template.go) and the alert-template expansion of
// rules/alerting.go: `{{$labels}}`, `{{$externalLabels}}`, `{{$externalURL}}` and `{{$value}}`
// are defined before the rule's text, errors render as `<error expanding template: …>`.
import { parseDuration as parsePromDuration } from '../promql/parser.js';
import type { Vector } from '../promql/value.js';
import { goQuote } from '../alerting/labels.js';
import { compileRE2, ExpandTemplate } from '../model/regex.js';
import { formatFloat, GoInt } from './gofmt.js';
import { ArgError, goStruct, Template, TemplateError, type FuncMap } from './template.js';

/** Runs PromQL at a time (ms): the rule manager's query function. */
export type QueryFunc = (expr: string, timeMs: number) => Promise<Vector>;

const ALERT_DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** A query result element as templates see it (template.sample). */
export interface TemplateSample {
  Labels: Record<string, string>;
  Value: number;
}

/** time.Time as a template value (printed like Go's Time.String in UTC). */
export class GoTime {
  constructor(readonly ns: bigint) {}
  goString(): string {
    const sec = this.ns >= 0n ? this.ns / 1_000_000_000n : -((-this.ns + 999_999_999n) / 1_000_000_000n);
    const frac = this.ns - sec * 1_000_000_000n;
    const iso = new Date(Number(sec) * 1000).toISOString();
    const fs = frac > 0n ? `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}` : '';
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fs} +0000 UTC`;
  }
}

/** time.Duration as a template value (printed like Go's Duration.String). */
export class GoDuration {
  constructor(readonly ns: number) {}
  goString(): string {
    return goDurationString(this.ns);
  }
}

/** Go's time.Duration.String. */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.trunc(ns));
  let s: string;
  if (u < 1e9) {
    let unit: string;
    let div: number;
    if (u < 1e3) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1e6) {
      unit = 'µs';
      div = 1e3;
    } else {
      unit = 'ms';
      div = 1e6;
    }
    s = fracString(u, div) + unit;
  } else {
    const h = Math.floor(u / 3600e9);
    u -= h * 3600e9;
    const m = Math.floor(u / 60e9);
    u -= m * 60e9;
    const sec = fracString(u, 1e9);
    s = h > 0 ? `${h}h${m}m${sec}s` : m > 0 ? `${m}m${sec}s` : `${sec}s`;
  }
  return (neg ? '-' : '') + s;
}

function fracString(v: number, div: number): string {
  const whole = Math.floor(v / div);
  const frac = v - whole * div;
  if (frac === 0) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** common/helpers/templates.ConvertToFloat. */
export function convertToFloat(i: unknown): number {
  if (typeof i === 'number') return i;
  if (i instanceof GoInt) return i.v;
  if (i instanceof GoDuration) return i.ns / 1e9;
  if (typeof i === 'string') {
    const v = parseGoFloat(i);
    if (v === null) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(i)}: invalid syntax`);
    return v;
  }
  throw new Error(`can't convert ${typeTag(i)} to float`);
}

function typeTag(i: unknown): string {
  if (i === null || i === undefined) return '<nil>';
  if (typeof i === 'boolean') return 'bool';
  if (Array.isArray(i)) return 'template.queryResult';
  if (typeof i === 'object' && 'Labels' in i) return '*template.sample';
  return 'map[string]string';
}

function parseGoFloat(s: string): number | null {
  const t = s.replace(/_/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (/^[+-]?0x[0-9a-f]*\.?[0-9a-f]*(p[+-]?[0-9]+)?$/i.test(t)) {
    const n = Number(t.replace(/p.*$/i, ''));
    const p = /p([+-]?[0-9]+)$/i.exec(t);
    return Number.isNaN(n) ? null : n * 2 ** Number(p?.[1] ?? 0);
  }
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(t)) return null;
  return Number(t);
}

const g4 = (v: number) => formatFloat(v, 'g', 4);

export function humanize(i: unknown): string {
  let v = convertToFloat(i);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix;
}

export function humanize1024(i: unknown): string {
  let v = convertToFloat(i);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

export function humanizeDuration(i: unknown): string {
  let v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.floor(duration / 60) % 60;
    const hours = Math.floor(duration / 3600) % 24;
    const days = Math.floor(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

function floatToTime(v: number): GoTime {
  if (!Number.isFinite(v)) throw new Error('value is NaN or Inf');
  const ns = v * 1e9;
  if (ns > 9.223372036854776e18 || ns < -9.223372036854776e18) throw new Error(`${formatFloat(v, 'g', -1)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  // model.TimeFromUnixNano(...).Time(): milliseconds are kept, not nanoseconds.
  return new GoTime(BigInt(Math.trunc(Math.trunc(ns) / 1e6)) * 1_000_000n);
}

export function humanizeTimestamp(i: unknown): string {
  const v = convertToFloat(i);
  if (!Number.isFinite(v)) return g4(v);
  return floatToTime(v).goString();
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** strconv.CanBackquote: no backquote, no control character other than tab, no BOM. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '`' || c === 0xfeff || c === 0x7f || (c < 0x20 && c !== 9)) return false;
  }
  return true;
}

/** regexp.MustCompile(pattern).ReplaceAllString(text, repl). */
export function reReplaceAll(pattern: string, repl: string, text: string): string {
  let re;
  try {
    re = compileRE2(pattern);
  } catch (e) {
    // MustCompile's panic, which text/template reports as the call's error.
    const quoted = canBackquote(pattern) ? `\`${pattern}\`` : goQuote(pattern);
    throw new Error(`regexp: Compile(${quoted}): ${(e as Error).message}`);
  }
  return re.replaceAll(text, new ExpandTemplate(repl, re));
}

/** net.SplitHostPort, or null when the address has no port. */
function splitHostPort(hp: string): [string, string] | null {
  if (hp.startsWith('[')) {
    const m = /^\[([^\]]*)\]:([^:]*)$/.exec(hp);
    return m ? [m[1]!, m[2]!] : null;
  }
  const i = hp.lastIndexOf(':');
  if (i < 0 || hp.indexOf(':') !== i) return null;
  return [hp.slice(0, i), hp.slice(i + 1)];
}

function isIP(s: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split('.').every((x) => Number(x) <= 255) ? true : s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s);
}

function joinHostPort(h: string, p: string): string {
  return h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`;
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'’])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function sampleArg(name: string, s: unknown): TemplateSample {
  if (s === null || s === undefined) throw new Error(`invalid memory address or nil pointer dereference`);
  if (typeof s !== 'object' || !('Labels' in s)) throw new ArgError(`wrong type for value; expected *template.sample; got ${typeTag(s)}`);
  void name;
  return s as TemplateSample;
}

export interface TemplateContext {
  /** Evaluation time (ms). */
  timeMs: number;
  query?: QueryFunc;
  /** The external URL (for pathPrefix/externalURL). */
  externalURL?: string;
}

/** Prometheus's function map for a template expanded at ctx.timeMs. */
export function prometheusFuncs(ctx: TemplateContext): FuncMap {
  const url = ctx.externalURL ?? '';
  return {
    query: async (q) => {
      if (!ctx.query) throw new Error('no query function');
      const v = await ctx.query(String(q), ctx.timeMs);
      return v.map((s) => goStruct('*template.sample', { Labels: Object.fromEntries(s.metric.map((l) => [l.name, l.value])), Value: s.f }));
    },
    first: (v) => {
      if (Array.isArray(v) && v.length > 0) return v[0];
      throw new Error('first() called on vector with no elements');
    },
    label: (l, s) => sampleArg('label', s).Labels[String(l)] ?? '',
    value: (s) => sampleArg('value', s).Value,
    strvalue: (s) => sampleArg('strvalue', s).Labels.__value__ ?? '',
    args: (...a) => Object.fromEntries(a.map((x, i) => [`arg${i}`, x])),
    reReplaceAll: (p, r, t) => reReplaceAll(String(p), String(r), String(t)),
    safeHtml: (t) => String(t),
    match: (p, s) => compileRE2(String(p)).test(String(s)),
    title: (s) => title(String(s)),
    toUpper: (s) => String(s).toUpperCase(),
    toLower: (s) => String(s).toLowerCase(),
    graphLink: (e) => `/graph?g0.expr=${queryEscape(String(e))}&g0.tab=0`,
    tableLink: (e) => `/graph?g0.expr=${queryEscape(String(e))}&g0.tab=1`,
    sortByLabel: (l, v) => {
      if (!Array.isArray(v)) throw new ArgError(`wrong type for value; expected template.queryResult; got ${typeTag(v)}`);
      const key = String(l);
      return [...(v as TemplateSample[])].sort((a, b) => {
        const x = a.Labels[key] ?? '';
        const y = b.Labels[key] ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
    },
    stripPort: (hp) => {
      const s = splitHostPort(String(hp));
      return s ? s[0] : String(hp);
    },
    stripDomain: (hp) => {
      const str = String(hp);
      const s = splitHostPort(str);
      const host = s ? s[0] : str;
      const port = s ? s[1] : '';
      if (isIP(host)) return str;
      const h = host.split('.')[0]!;
      return port !== '' ? joinHostPort(h, port) : h;
    },
    humanize,
    humanize1024,
    humanizeDuration,
    humanizePercentage: (i) => `${g4(convertToFloat(i) * 100)}%`,
    humanizeTimestamp,
    toTime: (i) => floatToTime(convertToFloat(i)),
    toDuration: (i) => new GoDuration(Math.trunc(convertToFloat(i) * 1e9)),
    now: () => ctx.timeMs / 1000,
    pathPrefix: () => {
      try {
        return url === '' ? '' : new URL(url).pathname.replace(/^\/$/, url.endsWith('/') ? '/' : '');
      } catch {
        return '';
      }
    },
    externalURL: () => url,
    parseDuration: (d) => {
      const s = String(d);
      const neg = s.startsWith('-');
      return (neg ? -1 : 1) * (parsePromDuration(neg ? s.slice(1) : s) / 1000);
    },
    urlQueryEscape: (s) => queryEscape(String(s)),
  };
}

/** The function names only, for parsing (implementations are bound per expansion). */
export const TEMPLATE_FUNCS: FuncMap = prometheusFuncs({ timeMs: 0 });

/** A rule's label or annotation template, parsed once (with the $labels … definitions). */
export class AlertTemplate {
  private readonly tmpl: Template;

  /** Throws TemplateError (Go's wording) when text does not parse. */
  constructor(
    readonly ruleName: string,
    readonly text: string,
  ) {
    this.tmpl = Template.parse(`__alert_${ruleName}`, ALERT_DEFS + text, TEMPLATE_FUNCS);
  }

  /** Expands as rules/alerting.go does; errors render as `<error expanding template: …>`. */
  async expand(data: AlertTemplateData, ctx: TemplateContext): Promise<string> {
    if (!this.text.includes('{{')) return this.text;
    try {
      const dot = goStruct('struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }', {
        Labels: data.labels,
        ExternalLabels: data.externalLabels,
        ExternalURL: data.externalURL,
        Value: data.value,
      });
      return await this.tmpl.execute(dot, prometheusFuncs(ctx));
    } catch (e) {
      const msg = e instanceof TemplateError ? e.message : String((e as Error).message ?? e);
      return `<error expanding template: error executing template __alert_${this.ruleName}: ${msg}>`;
    }
  }
}

export interface AlertTemplateData {
  labels: Record<string, string>;
  externalLabels: Record<string, string>;
  externalURL: string;
  value: number;
}

/** Parses a template as rulefmt's load-time check does; returns the error message or null. */
export function templateParseError(ruleName: string, text: string): string | null {
  try {
    new AlertTemplate(ruleName, text);
    return null;
  } catch (e) {
    if (e instanceof TemplateError) return e.message;
    throw e;
  }
}

