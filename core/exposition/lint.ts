// promtool's `check metrics` lint rules: client_golang's promlint (v1.24.1, the version Prometheus
// 3.14 builds with), with its exact wording. The rules look at metric families as Prometheus's text
// decoder builds them; check.ts builds them from an exposition.

export type LintType = 'counter' | 'gauge' | 'summary' | 'untyped' | 'histogram' | 'gauge_histogram' | 'info' | 'stateset';

export interface LintMetric {
  /** Label pairs as exposed, in order, empty values included; without "le" for histograms and "quantile" for summaries. */
  readonly labels: readonly { readonly name: string; readonly value: string }[];
}

export interface LintFamily {
  readonly name: string;
  readonly type: LintType;
  /** null when the family has no HELP text. */
  readonly help: string | null;
  readonly metrics: readonly LintMetric[];
  /** Metrics whose labels repeat an earlier metric's (each is one "metric not unique"). */
  readonly duplicates: number;
}

export interface Problem {
  metric: string;
  text: string;
}

const UNITS = new Map<string, string>([
  // Base units.
  ['amperes', 'amperes'],
  ['bytes', 'bytes'],
  ['celsius', 'celsius'],
  ['grams', 'grams'],
  ['joules', 'joules'],
  ['kelvin', 'kelvin'],
  ['meters', 'meters'],
  ['metres', 'metres'],
  ['seconds', 'seconds'],
  ['volts', 'volts'],
  // Non-base units and the base unit to use instead.
  ['minutes', 'seconds'],
  ['hours', 'seconds'],
  ['days', 'seconds'],
  ['weeks', 'seconds'],
  ['kelvins', 'kelvin'],
  ['fahrenheit', 'celsius'],
  ['rankine', 'celsius'],
  ['inches', 'meters'],
  ['yards', 'meters'],
  ['miles', 'meters'],
  ['bits', 'bytes'],
  ['calories', 'joules'],
  ['pounds', 'grams'],
  ['ounces', 'grams'],
]);

const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi'];

const UNIT_ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

const CAMEL_CASE = /[a-z][A-Z]/;

/** The first "_"-separated word that is a known unit, possibly prefixed, and its base unit. */
function metricUnit(name: string): [string, string] | null {
  for (const word of name.split('_')) {
    const base = UNITS.get(word);
    if (base !== undefined) return [word, base];
    for (const p of UNIT_PREFIXES) {
      if (!word.startsWith(p)) continue;
      const b = UNITS.get(word.slice(p.length));
      if (b !== undefined) return [word, b];
    }
  }
  return null;
}

/** Problem texts for one family, in promlint's rule order (help, units, counter, reserved, type, chars, case, abbreviations, duplicates). */
export function lintFamily(mf: LintFamily): string[] {
  const out: string[] = [];
  const { name, type } = mf;
  const untyped = type === 'untyped';

  if (mf.help === null) out.push('no help text');

  const unit = metricUnit(name);
  if (unit !== null && unit[0] !== unit[1]) out.push(`use base unit ${JSON.stringify(unit[1])} instead of ${JSON.stringify(unit[0])}`);

  const hasTotal = name.endsWith('_total');
  if (type === 'counter' && !hasTotal) out.push('counter metrics should have "_total" suffix');
  else if (!untyped && type !== 'counter' && hasTotal) out.push('non-counter metrics should not have "_total" suffix');

  if (!untyped) {
    const histogram = type === 'histogram';
    const summary = type === 'summary';
    if (!histogram && name.endsWith('_bucket')) out.push('non-histogram metrics should not have "_bucket" suffix');
    if (!histogram && !summary && name.endsWith('_count')) out.push('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!histogram && !summary && name.endsWith('_sum')) out.push('non-histogram and non-summary metrics should not have "_sum" suffix');
    for (const m of mf.metrics) {
      for (const l of m.labels) {
        if (!histogram && l.name === 'le') out.push('non-histogram metrics should not have "le" label');
        if (!summary && l.name === 'quantile') out.push('non-summary metrics should not have "quantile" label');
      }
    }
    const lower = name.toLowerCase();
    if (lower.includes(`_${type}_`) || lower.endsWith(`_${type}`)) out.push(`metric name should not include type '${type}'`);
  }

  if (name.includes(':')) out.push("metric names should not contain ':'");

  if (CAMEL_CASE.test(name)) out.push("metric names should be written in 'snake_case' not 'camelCase'");
  for (const m of mf.metrics) for (const l of m.labels) if (CAMEL_CASE.test(l.name)) out.push("label names should be written in 'snake_case' not 'camelCase'");

  const lower = name.toLowerCase();
  for (const a of UNIT_ABBREVIATIONS) if (lower.includes(`_${a}_`) || lower.endsWith(`_${a}`)) out.push('metric names should not contain abbreviated units');

  for (let i = 0; i < mf.duplicates; i++) out.push('metric not unique');
  return out;
}

/** All problems, sorted by metric name and then text, as promlint returns them. */
export function lintFamilies(families: Iterable<LintFamily>): Problem[] {
  const problems: Problem[] = [];
  for (const mf of families) for (const text of lintFamily(mf)) problems.push({ metric: mf.name, text });
  return problems.sort((a, b) => (a.metric !== b.metric ? (a.metric < b.metric ? -1 : 1) : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}
