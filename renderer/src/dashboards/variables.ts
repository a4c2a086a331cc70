// Template variables, as Grafana has them: pure parsing, option handling, selection and
// interpolation (no React, no I/O), so the built-in dashboards and a Grafana import share them.
//
// - `query` variables: label_values(label), label_values(selector, label) and query_result(expr),
//   with an optional /regex/ that filters options (and extracts its first capture group);
// - `custom` variables: "a,b,c" or "text : value" pairs;
// - `interval` variables: "1m,5m,10m".
// Multi-value and All selections become `(a|b|c)` (regex-escaped) inside PromQL, as Grafana's
// Prometheus data source does; `${var:format}` picks another format explicitly.

/** The URL query value that means "All". */
export const ALL = '$__all';

export interface VariableDef {
  name: string;
  type: 'query' | 'custom' | 'interval';
  label?: string | undefined;
  /** query: label_values(…)/query_result(…); custom: "a,b" or "text : value, …"; interval: "1m,5m". */
  query: string;
  /** Keep options matching this /regex/ (its first capture group becomes the option). */
  regex?: string | undefined;
  multi?: boolean | undefined;
  includeAll?: boolean | undefined;
  /** What All stands for (raw, not escaped), e.g. ".*"; else every option. */
  allValue?: string | undefined;
  /** The selection when the URL has none: a value, several, or "$__all". */
  default?: string | string[] | undefined;
  hide?: boolean | undefined;
  /** Option order: as the source returns them (Prometheus sorts), alphabetical or numerical. */
  sort?: 'none' | 'alpha' | 'alpha-desc' | 'num' | 'num-desc' | undefined;
}

/** A resolved variable: its selected values (All expanded to every option) and how it was chosen. */
export interface VarValue {
  values: string[];
  /** Display texts of the values (custom "text : value" options), else the values. */
  texts?: string[] | undefined;
  all: boolean;
  multi: boolean;
  includeAll: boolean;
  allValue?: string | undefined;
}

export type VarValues = Readonly<Record<string, VarValue>>;

export interface VarOption {
  text: string;
  value: string;
}

export type VariableQuery =
  | { kind: 'label_values'; label: string; match: string | null }
  | { kind: 'label_names'; match: string | null }
  | { kind: 'metrics'; regex: string }
  | { kind: 'query_result'; expr: string };

/** Splits "a, b" at the top-level comma (not inside braces, parentheses or quotes). */
function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    if (c === sep && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Parses a Prometheus variable query (Grafana's syntax); null when it is none of the known forms. */
export function parseVariableQuery(q: string): VariableQuery | null {
  const m = /^\s*(label_values|label_names|metrics|query_result)\s*\(([\s\S]*)\)\s*$/.exec(q);
  if (!m) return null;
  const fn = m[1]!;
  const body = m[2]!.trim();
  if (fn === 'query_result') return body ? { kind: 'query_result', expr: body } : null;
  if (fn === 'metrics') return { kind: 'metrics', regex: body };
  if (fn === 'label_names') return { kind: 'label_names', match: body || null };
  const args = splitTopLevel(body, ',').map((a) => a.trim());
  if (args.length === 1 && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(args[0]!)) return { kind: 'label_values', label: args[0]!, match: null };
  if (args.length === 2 && args[0] && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(args[1]!)) return { kind: 'label_values', label: args[1]!, match: args[0] };
  return null;
}

/** Options of a custom variable: "a,b" or "text : value" pairs (a backslash escapes a comma). */
export function customOptions(query: string): VarOption[] {
  const out: VarOption[] = [];
  for (const raw of query.match(/(?:\\,|[^,])+/g) ?? []) {
    const item = raw.replace(/\\,/g, ',').trim();
    if (!item) continue;
    const kv = /^(.+?)\s+:\s+(.+)$/.exec(item);
    out.push(kv ? { text: kv[1]!.trim(), value: kv[2]!.trim() } : { text: item, value: item });
  }
  return out;
}

/** "/pattern/flags" → RegExp; a bare pattern works too. Null when it does not compile. */
export function toRegExp(src: string): RegExp | null {
  const m = /^\/(.*)\/([gimsuy]*)$/s.exec(src);
  try {
    return m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : new RegExp(src);
  } catch {
    return null;
  }
}

/**
 * Applies a variable's regex and sort to raw option strings, as Grafana does: options not matching
 * are dropped, a capture group (named "value"/"text" or the first) becomes the option, duplicates go.
 */
export function refineOptions(raw: string[], regex?: string, sort: VariableDef['sort'] = 'none'): VarOption[] {
  const re = regex ? toRegExp(regex) : null;
  const seen = new Set<string>();
  const out: VarOption[] = [];
  for (const s of raw) {
    let value = s;
    let text = s;
    if (re) {
      const m = re.exec(s);
      if (!m) continue;
      if (m.groups?.['value'] !== undefined || m.groups?.['text'] !== undefined) {
        value = m.groups['value'] ?? m.groups['text']!;
        text = m.groups['text'] ?? value;
      } else if (m[1] !== undefined) {
        value = text = m[1];
      }
    }
    if (seen.has(value)) continue;
    seen.add(value);
    out.push({ text, value });
  }
  if (sort !== 'none') {
    const num = (s: string) => {
      const m = /\d+(\.\d+)?/.exec(s);
      return m ? Number(m[0]) : Number.NaN;
    };
    out.sort((a, b) => (sort.startsWith('num') ? num(a.text) - num(b.text) || a.text.localeCompare(b.text) : a.text.localeCompare(b.text)));
    if (sort.endsWith('-desc')) out.reverse();
  }
  return out;
}

/** query_result's text of one instant-vector sample: `name{a="b", …} value timestamp_ms`, as Grafana builds it. */
export function queryResultText(metric: Record<string, string>, value: string, timeSeconds: number): string {
  const name = metric['__name__'] ?? '';
  const labels = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .map((k) => `${k}="${metric[k]}"`);
  return `${name}{${labels.join(', ')}} ${value} ${Math.round(timeSeconds * 1000)}`;
}

/**
 * The variable's value given its options and what the URL asks for: URL values that are options
 * (or All when allowed), else the default, else All (includeAll) or the first option.
 */
export function selectValue(def: VariableDef, options: VarOption[], requested: string[]): VarValue {
  const base = { multi: !!def.multi, includeAll: !!def.includeAll, allValue: def.allValue };
  const all = (): VarValue => ({ ...base, all: true, values: options.map((o) => o.value), texts: ['All'] });
  const pick = (want: string[]): VarValue | null => {
    if (want.includes(ALL) && def.includeAll) return all();
    const chosen = options.filter((o) => want.includes(o.value));
    // Keep the URL's order for several; a single-value variable takes the first requested.
    const ordered = want.map((w) => chosen.find((o) => o.value === w)).filter((o): o is VarOption => o !== undefined);
    const kept = def.multi ? ordered : ordered.slice(0, 1);
    return kept.length ? { ...base, all: false, values: kept.map((o) => o.value), texts: kept.map((o) => o.text) } : null;
  };
  const fromUrl = requested.length ? pick(requested) : null;
  if (fromUrl) return fromUrl;
  const dflt = def.default === undefined ? [] : Array.isArray(def.default) ? def.default : [def.default];
  const fromDefault = dflt.length ? pick(dflt) : null;
  if (fromDefault) return fromDefault;
  if (def.includeAll && (def.multi || options.length !== 1)) return all();
  const first = options[0];
  return { ...base, all: false, values: first ? [first.value] : [], texts: first ? [first.text] : [] };
}

/** What the URL keeps for a value: ["$__all"] for All, else the values. */
export function urlValues(v: VarValue): string[] {
  return v.all ? [ALL] : v.values;
}

// ---- Interpolation -------------------------------------------------------------------------

/** Regex metacharacters escaped with one backslash (the regex itself, before PromQL string quoting). */
export function regexEscape(s: string): string {
  return s.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');
}

/** The escaping for a position inside a PromQL string quoted with `quote` (or outside one). */
function quoteFor(s: string, quote: string | null): string {
  if (quote === '"' || quote === "'") return s.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`);
  return s;
}

export type Format =
  | 'default'
  | 'raw'
  | 'regex'
  | 'pipe'
  | 'csv'
  | 'json'
  | 'text'
  | 'glob'
  | 'singlequote'
  | 'doublequote'
  | 'percentencode'
  | 'queryparam'
  | 'lucene';

/**
 * A variable's value as text in a given format. `ctx` "promql": the default format regex-escapes
 * multi-value and All selections into (a|b); "text" (titles, legends) joins with ", ".
 */
export function formatVar(name: string, v: VarValue, format: Format, ctx: 'promql' | 'text'): string {
  const vals = v.values;
  // A custom All value stands for itself in every format but text.
  if (v.all && v.allValue !== undefined && format !== 'text') return v.allValue;
  switch (format) {
    case 'raw':
      return vals.join(',');
    case 'csv':
      return vals.join(',');
    case 'pipe':
      return vals.join('|');
    case 'json':
      return JSON.stringify(vals);
    case 'text':
      return v.all ? 'All' : (v.texts ?? vals).join(' + ');
    case 'glob':
      return vals.length === 1 ? vals[0]! : `{${vals.join(',')}}`;
    case 'singlequote':
      return vals.map((s) => `'${s.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return vals.map((s) => `"${s.replace(/"/g, '\\"')}"`).join(',');
    case 'percentencode':
      return encodeURIComponent(vals.join(','));
    case 'queryparam':
      return vals.map((s) => `var-${name}=${encodeURIComponent(s)}`).join('&');
    case 'lucene':
      return vals.length === 1 ? `"${vals[0]}"` : `(${vals.map((s) => `"${s}"`).join(' OR ')})`;
    case 'regex': {
      const e = vals.map(regexEscape);
      return e.length === 1 ? e[0]! : `(${e.join('|')})`;
    }
    case 'default':
      if (ctx === 'text') return v.all ? 'All' : (v.texts ?? vals).join(', ');
      if (!v.multi && !v.includeAll) return vals[0] ?? '';
      return formatVar(name, v, 'regex', ctx);
  }
}

const FORMATS = new Set<string>(['raw', 'regex', 'pipe', 'csv', 'json', 'text', 'glob', 'singlequote', 'doublequote', 'percentencode', 'queryparam', 'lucene']);

/** $var, ${var}, ${var:format} and [[var]] / [[var:format]]; names start with a letter or _. */
const VAR_RE = /\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z]+))?\}|\[\[([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z]+))?\]\]|\$([a-zA-Z_][a-zA-Z0-9_]*)/g;

/** Names of the variables a text refers to (in order, without repeats). */
export function referencedVars(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(VAR_RE)) {
    const n = (m[1] ?? m[3] ?? m[5])!;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * Replaces the variables of `vars` in a text. In "promql" context a replacement inside a quoted
 * string is escaped for that string's quote (so a value with a quote or backslash cannot break the
 * query), and the default format turns multi-value and All selections into a regex. Unknown names
 * (e.g. $__rate_interval, $1 in label_replace) are left as they are.
 */
export function interpolateVars(text: string, vars: VarValues, ctx: 'promql' | 'text' = 'promql'): string {
  if (!text.includes('$') && !text.includes('[[')) return text;
  // Where quoted strings are: a replacement at index i is inside the string quoted by quoteAt[i].
  const quoteAt: (string | null)[] = new Array<string | null>(text.length).fill(null);
  if (ctx === 'promql') {
    let q: string | null = null;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (q) {
        quoteAt[i] = q;
        if (c === '\\' && q !== '`') {
          quoteAt[i + 1] = q;
          i++;
        } else if (c === q) {
          quoteAt[i] = null;
          q = null;
        }
      } else if (c === '"' || c === "'" || c === '`') q = c;
    }
  }
  return text.replace(VAR_RE, (match, n1?: string, f1?: string, n2?: string, f2?: string, n3?: string, offset?: number) => {
    const name = (n1 ?? n2 ?? n3)!;
    const v = vars[name];
    if (!v) return match;
    const fmt = f1 ?? f2;
    const format = (fmt && FORMATS.has(fmt) ? fmt : 'default') as Format;
    const s = formatVar(name, v, format, ctx);
    return ctx === 'promql' ? quoteFor(s, quoteAt[offset ?? 0] ?? null) : s;
  });
}

/** A URL-safe replacement of $label/${label} in a link template from a row's labels. */
export function interpolateLink(template: string, labels: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)\}|\$([a-zA-Z_][a-zA-Z0-9_]*)/g, (m, a?: string, b?: string) => {
    const v = labels[(a ?? b)!];
    return v === undefined ? m : encodeURIComponent(v);
  });
}

/**
 * The order to resolve variables in: each after the variables its query refers to (chained
 * variables); throws on a cycle. Variables keep their declared order where they do not depend.
 */
export function resolutionOrder<D extends VariableDef>(defs: readonly D[]): D[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const out: D[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: D, path: string[]) => {
    const s = state.get(d.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`variables refer to each other in a cycle: ${[...path, d.name].join(' → ')}`);
    state.set(d.name, 'visiting');
    for (const dep of referencedVars(`${d.query} ${d.regex ?? ''}`)) {
      const dd = byName.get(dep);
      if (dd && dd !== d) visit(dd, [...path, d.name]);
    }
    state.set(d.name, 'done');
    out.push(d);
  };
  for (const d of defs) visit(d, []);
  return out;
}

// ---- Resolution ----------------------------------------------------------------------------

export interface ResolvedVariable<D extends VariableDef = VariableDef> {
  def: D;
  options: VarOption[];
  value: VarValue;
  /** Why its options could not be fetched (then it has none). */
  error?: string | undefined;
  /** Values asked for that are not options (a stale link): the value fell back. */
  missing: string[];
}

/**
 * Resolves variables in dependency order: each query is interpolated with the values of the
 * variables before it, its options come from `fetchOptions` (query variables; custom and interval
 * ones list their own), and its value from `requested` (the URL), its default or the first option.
 * Returns them in declared order, or null once `aborted()` says the caller no longer wants them.
 */
export async function resolveVariables<D extends VariableDef>(
  defs: readonly D[],
  requested: Readonly<Record<string, string[]>>,
  fetchOptions: (def: D, query: string, regex: string | undefined) => Promise<VarOption[]>,
  aborted: () => boolean = () => false,
): Promise<ResolvedVariable<D>[] | null> {
  const values: Record<string, VarValue> = {};
  const byName = new Map<string, ResolvedVariable<D>>();
  for (const def of resolutionOrder(defs)) {
    const query = interpolateVars(def.query, values);
    const regex = def.regex === undefined ? undefined : interpolateVars(def.regex, values, 'text');
    let options: VarOption[] = [];
    let error: string | undefined;
    try {
      options = def.type === 'query' ? await fetchOptions(def, query, regex) : customOptions(query);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (aborted()) return null;
    const asked = requested[def.name] ?? [];
    const value = selectValue(def, options, asked);
    values[def.name] = value;
    const missing = error ? [] : asked.filter((a) => a !== ALL && !options.some((o) => o.value === a));
    byName.set(def.name, { def, options, value, error, missing });
  }
  return defs.map((d) => byName.get(d.name)!);
}

// ---- URL state ----------------------------------------------------------------------------

/** Hash query keys that belong to the time range, never to a variable. */
export const RESERVED_PARAMS = new Set(['range', 'from', 'to', 'refresh']);

/** The variables' requested values from a hash query ("node=a&ns=x&ns=y"); `var-name` (Grafana's) works too. */
export function parseVarParams(query: string, names: readonly string[]): Record<string, string[]> {
  const p = new URLSearchParams(query);
  const out: Record<string, string[]> = {};
  for (const n of names) {
    const vals = [...p.getAll(n), ...p.getAll(`var-${n}`)];
    if (vals.length) out[n] = vals;
  }
  return out;
}

/** Sets the variables' values in a hash query, keeping its other parameters. */
export function withVarParams(query: string, values: Readonly<Record<string, string[]>>): string {
  const p = new URLSearchParams(query);
  for (const [n, vals] of Object.entries(values)) {
    p.delete(n);
    p.delete(`var-${n}`);
    for (const v of vals) p.append(n, v);
  }
  return p.toString();
}

/** A short, stable signature of resolved values (to key queries that depend on them). */
export function varsSignature(vars: VarValues): string {
  const s = Object.keys(vars)
    .sort()
    .map((k) => `${k}=${vars[k]!.all ? ALL : vars[k]!.values.join(',')}`)
    .join('&');
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h * 33) ^ s.charCodeAt(i)) >>> 0;
  return h.toString(36);
}
