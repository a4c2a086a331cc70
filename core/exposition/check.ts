// `kubeglass check-metrics`: promtool's `check metrics` for an exposition on standard input. An
// exposition fails (exit 1) when the scrape parser rejects it, or, for the text format, when the
// decoder promtool lints through (prometheus/common expfmt) would: a second HELP or TYPE for a
// family, TYPE after samples, names that are not legacy names, escapes other than \\ \" \n, a
// non-float "le"/"quantile", a negative histogram count, or a last line without its newline.
// Otherwise the metric families are linted (lint.ts): exit 3 with problems, 0 without.
import { isValidLabelName, isValidMetricName } from '../model/labels.js';
import { type ExpositionScanner, parseGoFloat } from './lexer.js';
import { type LintFamily, type LintMetric, type LintType, lintFamilies, type Problem } from './lint.js';
import { OpenMetricsParser } from './openmetrics.js';
import { TextParser } from './text.js';
import { type ExpositionFormat, type MetricType, ParseError } from './types.js';

export interface CheckResult {
  parseError?: ParseError;
  problems: Problem[];
}

interface Family {
  name: string;
  type: LintType | null;
  help: string | null;
  metrics: LintMetric[];
  duplicates: number;
  /** Histograms and summaries: one metric per label set without "le"/"quantile". */
  groups: Map<string, LintMetric>;
  /** Other types: label lists seen, to count repeats. */
  seen: Set<string>;
}

function newFamily(name: string): Family {
  return { name, type: null, help: null, metrics: [], duplicates: 0, groups: new Map(), seen: new Set() };
}

/** Thrown inside a check for what the decoder rejects; becomes a ParseError at the entry's line. */
class DecodeError extends Error {}

const SEP = '\xff';

function signature(pairs: readonly { name: string; value: string }[], skip: string, familyName: string): string {
  const kept = pairs.filter((l) => l.name !== skip).map((l) => l.name + SEP + l.value);
  kept.push('__name__' + SEP + familyName);
  return kept.sort().join(SEP);
}

/** Metric families as expfmt's TextParser builds them, with the errors it raises. */
class TextFamilies {
  readonly byName = new Map<string, Family>();

  /** setOrCreateCurrentMF: a _count/_sum (and _bucket) sample joins its summary (histogram) family. */
  family(name: string): { fam: Family; count: boolean; sum: boolean } {
    if (!isValidMetricName(name)) throw new DecodeError(`invalid metric name ${JSON.stringify(name)}`);
    const existing = this.byName.get(name);
    if (existing) return { fam: existing, count: false, sum: false };
    const count = name.length > 6 && name.endsWith('_count');
    const sum = name.length > 4 && name.endsWith('_sum');
    const bucket = name.length > 7 && name.endsWith('_bucket');
    const summary = this.byName.get(count ? name.slice(0, -6) : sum ? name.slice(0, -4) : name);
    if (summary?.type === 'summary') return { fam: summary, count, sum };
    const histogram = this.byName.get(count ? name.slice(0, -6) : sum ? name.slice(0, -4) : bucket ? name.slice(0, -7) : name);
    if (histogram?.type === 'histogram' || histogram?.type === 'gauge_histogram') return { fam: histogram, count, sum };
    const fam = newFamily(name);
    this.byName.set(name, fam);
    return { fam, count: false, sum: false };
  }

  meta(kind: 'help' | 'type', name: string, rest: string): void {
    // "# HELP name" with nothing after the name touches no family; a name run into other
    // characters is an error; blanks alone create the family and set nothing.
    if (rest === '') return;
    const c = rest.charCodeAt(0);
    if (c !== 32 && c !== 9) throw new DecodeError('invalid metric name in comment');
    const { fam } = this.family(name);
    const text = rest.replace(/^[ \t]+/, '');
    if (text === '') return;
    if (kind === 'help') {
      if (fam.help !== null) throw new DecodeError(`second HELP line for metric name ${JSON.stringify(fam.name)}`);
      checkEscapes(text);
      fam.help = text;
    } else {
      if (fam.type !== null) throw new DecodeError(`second TYPE line for metric name ${JSON.stringify(fam.name)}, or TYPE reported after samples`);
      fam.type = text === 'untyped' ? 'untyped' : (text as LintType);
    }
  }

  sample(p: ExpositionScanner): void {
    const name = p.metricName();
    const { fam, count } = this.family(name);
    fam.type ??= 'untyped';
    const pairs = p.labelPairs();
    for (const l of pairs) {
      if (!isValidLabelName(l.name)) throw new DecodeError(`invalid label name ${JSON.stringify(l.name)}`);
    }
    checkEscapes(p.seriesText());
    const v = p.value();
    if (fam.type === 'summary' || fam.type === 'histogram' || fam.type === 'gauge_histogram') {
      const special = fam.type === 'summary' ? 'quantile' : 'le';
      let bucket = false;
      for (const l of pairs) {
        if (l.name !== special) continue;
        const f = parseGoFloat(l.value, 0, l.value.length);
        if (f === undefined) throw new DecodeError(`expected float as value for '${special}' label, got ${JSON.stringify(l.value)}`);
        bucket = f === f;
      }
      if (fam.type !== 'summary' && v < 0) {
        if (count) throw new DecodeError(`negative count for histogram ${JSON.stringify(fam.name)}`);
        if (bucket) throw new DecodeError(`negative bucket population for histogram ${JSON.stringify(fam.name)}`);
      }
      const sig = signature(pairs, special, fam.name);
      if (!fam.groups.has(sig)) {
        const m = { labels: pairs.filter((l) => l.name !== special) };
        fam.groups.set(sig, m);
        fam.metrics.push(m);
      }
      return;
    }
    // promlint compares label lists as exposed, in order (reflect.DeepEqual).
    const key = pairs.map((l) => l.name + SEP + l.value).join(SEP);
    if (fam.seen.has(key)) fam.duplicates++;
    else fam.seen.add(key);
    fam.metrics.push({ labels: pairs });
  }
}

/** expfmt accepts only \\, \" and \n in HELP text and label values (and quoted names). */
function checkEscapes(raw: string): void {
  for (let i = raw.indexOf('\\'); i >= 0; i = raw.indexOf('\\', i + 2)) {
    const c = raw[i + 1];
    if (c !== '\\' && c !== '"' && c !== 'n') throw new DecodeError(`invalid escape sequence '\\${c ?? ''}'`);
  }
}

const OM_SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
  info: ['_info'],
  stateset: [''],
  unknown: [''],
};

const OM_LINT_TYPE: Record<MetricType, LintType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gauge_histogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'untyped',
};

/**
 * OpenMetrics families, which promtool cannot read: named by their metadata, holding the samples
 * whose names are the family name plus a suffix its type allows; a sample outside the current
 * family is a family of unknown type. Repeated samples count as duplicates only at the same
 * timestamp, since OpenMetrics may carry several points of one series.
 */
class OpenMetricsFamilies {
  readonly byName = new Map<string, Family & { omType: MetricType; totals: boolean }>();
  private current: (Family & { omType: MetricType; totals: boolean }) | null = null;

  private get(name: string) {
    let fam = this.byName.get(name);
    if (!fam) this.byName.set(name, (fam = { ...newFamily(name), omType: 'unknown', totals: true }));
    return fam;
  }

  meta(kind: 'help' | 'type' | 'unit', p: OpenMetricsParser): void {
    const fam = (this.current = this.get(p.metaName()));
    if (kind === 'help') fam.help = p.help() === '' ? null : p.help();
    else if (kind === 'type') fam.omType = p.type();
  }

  sample(p: OpenMetricsParser): void {
    const name = p.metricName();
    let fam = this.current;
    const suffix = fam !== null && name.startsWith(fam.name) ? name.slice(fam.name.length) : null;
    if (fam === null || suffix === null || !OM_SUFFIXES[fam.omType].includes(suffix)) fam = this.get(name);
    if (fam.omType === 'counter' && !name.endsWith('_total') && !name.endsWith('_created')) fam.totals = false;
    const pairs = p.labelPairs();
    const special = fam.omType === 'summary' ? 'quantile' : fam.omType === 'histogram' || fam.omType === 'gaugehistogram' ? 'le' : '';
    const sig = signature(pairs, special, fam.name);
    if (!fam.groups.has(sig)) {
      const m = { labels: pairs.filter((l) => l.name !== special) };
      fam.groups.set(sig, m);
      fam.metrics.push(m);
    }
    const key = name + SEP + signature(pairs, '', '') + SEP + String(p.timestamp());
    if (fam.seen.has(key)) fam.duplicates++;
    else fam.seen.add(key);
  }

  families(): LintFamily[] {
    const out: LintFamily[] = [];
    for (const f of this.byName.values()) {
      if (f.metrics.length === 0) continue;
      // A counter is linted under the name its samples carry (foo_total), as the same counter in
      // the text format would be; one whose samples lack "_total" keeps its name and is told so.
      const name = f.omType === 'counter' && f.totals && !f.name.endsWith('_total') ? f.name + '_total' : f.name;
      out.push({ name, type: OM_LINT_TYPE[f.omType], help: f.help, metrics: f.metrics, duplicates: f.duplicates });
    }
    return out;
  }
}

export function checkMetrics(input: string, format: ExpositionFormat): CheckResult {
  const p = format === 'openmetrics' ? new OpenMetricsParser(input) : new TextParser(input);
  const text = new TextFamilies();
  const om = new OpenMetricsFamilies();
  try {
    for (;;) {
      const kind = p.next();
      if (kind === 'eof') break;
      try {
        if (p instanceof OpenMetricsParser) {
          if (kind === 'series') om.sample(p);
          else if (kind !== 'comment') om.meta(kind, p);
        } else if (kind === 'series') {
          text.sample(p);
        } else if (kind === 'help' || kind === 'type') {
          text.meta(kind, p.metaName(), p.metaRest());
        }
      } catch (e) {
        if (e instanceof DecodeError) return { parseError: new ParseError(p.line(), 1, e.message), problems: [] };
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof ParseError) return { parseError: e, problems: [] };
    throw e;
  }
  if (format === 'text') {
    const last = input.slice(input.lastIndexOf('\n') + 1);
    if (!/^[ \t]*$/.test(last)) return { parseError: new ParseError(input.split('\n').length, last.length + 1, 'unexpected end of input stream'), problems: [] };
  }
  const families: LintFamily[] =
    format === 'openmetrics'
      ? om.families()
      : [...text.byName.values()].filter((f) => f.metrics.length > 0).map((f) => ({ name: f.name, type: f.type ?? 'untyped', help: f.help, metrics: f.metrics, duplicates: f.duplicates }));
  return { problems: lintFamilies(families) };
}

const USAGE = `Usage: kubeglass check-metrics [--format text|openmetrics]

Reads a metrics exposition on standard input and checks it as 'promtool check metrics' does.
  --format F   text (the default: Prometheus text format 0.0.4) or openmetrics

Exit status: 0 when clean, 1 when the exposition cannot be parsed, 3 when it parses with lint problems.`;

/** The check-metrics command: exit 0 clean, 1 unparsable, 3 lint problems, 2 bad arguments. Prints like promtool. */
export function runCheckMetrics(stdin: string, args: string[], out: (s: string) => void, err: (s: string) => void): number {
  let format: ExpositionFormat = 'text';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      out(USAGE);
      return 0;
    }
    const value = a === '--format' ? args[++i] : a.startsWith('--format=') ? a.slice('--format='.length) : null;
    if (value === null) {
      err(`kubeglass check-metrics: unknown argument ${JSON.stringify(a)}\n\n${USAGE}`);
      return 2;
    }
    if (value !== 'text' && value !== 'openmetrics') {
      err(`kubeglass check-metrics: --format must be text or openmetrics, got ${JSON.stringify(value ?? '')}\n\n${USAGE}`);
      return 2;
    }
    format = value;
  }
  const result = checkMetrics(stdin, format);
  if (result.parseError) {
    err(`error while linting: ${result.parseError.message}`);
    return 1;
  }
  for (const p of result.problems) err(`${p.metric} ${p.text}`);
  return result.problems.length > 0 ? 3 : 0;
}
