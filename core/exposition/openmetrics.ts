// OpenMetrics 1.0 text, with the semantics of Prometheus's openmetricsparse.go: single spaces as
// separators and none inside label blocks, no comments but HELP/TYPE/UNIT, timestamps in float
// seconds (converted to milliseconds by truncation, as Go's int64(ts*1000)), exemplars after
// " # ", and a "# EOF" line that must end the input.
//
// `_created` series: Prometheus 3.x exposes them as ordinary series unless the scrape loop asks its
// parser to skip them (textparse.ParserOptions.OpenMetricsSkipSTSeries), which it does only with
// --enable-feature=created-timestamp-zero-ingestion or st-storage. The default here is the same;
// skipCreatedSeries is that option, with the same rule (a name ending in "_created" while the
// current TYPE is counter, summary or histogram).
import { labelsFrom } from '../model/labels.js';
import { type EntryKind, type Exemplar, type MetricType } from './types.js';
import {
  detach,
  ExpositionScanner,
  floatError,
  HASH,
  isMetricStart,
  LABELS_EXEMPLAR,
  LABELS_OM,
  LBRACE,
  NL,
  parseGoFloat,
  scanMetricName,
  SPACE,
  unescapeQuoted,
} from './lexer.js';

export interface OpenMetricsOptions {
  /** Skip `_created` lines of counters, summaries and histograms (Prometheus's OpenMetricsSkipSTSeries). */
  skipCreatedSeries?: boolean;
  /**
   * The input repeats each series on consecutive lines, as a backfill file does (one line per
   * sample): a line whose series text equals the previous one's is not scanned again, and labels()
   * returns the previous entry's object. A scrape never repeats a series, so it leaves this off.
   */
  repeatedSeries?: boolean;
}

function omType(t: string): MetricType | undefined {
  switch (t) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'gaugehistogram':
    case 'summary':
    case 'info':
    case 'stateset':
    case 'unknown':
      return t;
  }
  return undefined;
}

export class OpenMetricsParser extends ExpositionScanner {
  readonly format = 'openmetrics' as const;
  private readonly skipCreated: boolean;
  private readonly repeats: boolean;
  /** With repeats: the last series' text, cut when the next line is compared with it. */
  private repeatText: string | null = null;
  private unitText = '';

  private exStart = -1; // offset of the exemplar's "{", or -1
  private exLab: number[] = []; // per label: name start, end, escaped; value start, end, escaped
  private exLabCount = 0;
  private exVal = 0;
  private exTs: number | null = null;
  private exCache: Exemplar | null = null;

  constructor(body: string, options: OpenMetricsOptions = {}) {
    super(body, body);
    this.skipCreated = options.skipCreatedSeries === true;
    this.repeats = options.repeatedSeries === true;
  }

  next(): EntryKind {
    if (this.failed !== null) throw this.failed;
    if (this.kind === 'eof') return 'eof';
    for (;;) {
      this.exStart = -1;
      this.exCache = null;
      const s = this.s;
      let p = this.pos;
      let c = s.charCodeAt(p);
      if (this.repeats && this.kind === 'series' && this.repeatsSeries(p)) {
        p = this.seriesEnd;
        p = this.sampleRest(p);
        this.pos = p + 1;
        if (this.skipCreated && this.isCreatedSeries()) continue;
        return 'series';
      }
      this.beginEntry();
      this.repeatText = null;
      this.entryStart = p;
      if (p >= s.length) return this.fail(p, 'data does not end with # EOF');
      if (c === HASH) return this.meta(p);
      if (c === LBRACE) {
        this.seriesStart = p;
        p = this.scanLabels(p, LABELS_OM);
      } else if (isMetricStart(c)) {
        this.seriesStart = this.nameStart = p;
        p = this.nameEnd = scanMetricName(s, p + 1);
        if (s.charCodeAt(p) === LBRACE) p = this.scanLabels(p, LABELS_OM);
      } else {
        return this.expected(p, 'expected a valid start token');
      }
      this.seriesEnd = p;
      this.checkName(this.seriesStart);
      c = s.charCodeAt(p);
      if (c !== SPACE) return this.expected(p, 'expected value after metric');
      p = this.sampleRest(p);
      this.pos = p + 1;
      this.kind = 'series';
      if (this.skipCreated && this.isCreatedSeries()) continue;
      return 'series';
    }
  }

  /** " value [timestamp] [# exemplar]" and the newline; p is at the space. Returns the newline's index. */
  private sampleRest(p: number): number {
    const s = this.s;
    let v = this.plainDecimal(p + 1, false);
    let e = this.plainEnd;
    if (e < 0) {
      e = this.token(p + 1);
      if (e === p + 1) return this.expected(e, 'expected value after metric');
      v = this.float(p + 1, e);
    }
    this.val = v;
    p = e;
    let c = s.charCodeAt(p);
    if (c === SPACE && !this.atExemplar(p)) {
      let t = this.plainDecimal(p + 1, false);
      e = this.plainEnd;
      if (e < 0) {
        e = this.token(p + 1);
        if (e === p + 1) return this.expected(e, 'expected timestamp or exemplar');
        t = this.float(p + 1, e);
        if (t !== t || t === Infinity || t === -Infinity) return this.fail(p + 1, `invalid timestamp ${goFloat(t)}`);
      }
      this.ts = Math.trunc(t * 1000) || 0;
      this.hasTs = true;
      p = e;
      c = s.charCodeAt(p);
      if (c === SPACE && !this.atExemplar(p)) return this.expected(p, 'expected next entry after timestamp');
    }
    if (c === SPACE) {
      p = this.exemplarRest(p + 3);
      c = s.charCodeAt(p);
    }
    if (c !== NL) return this.fail(p, 'data does not end with # EOF');
    return p;
  }

  /** The exemplar from its "{" at p to the end of the line; returns the newline's index. */
  private exemplarRest(p: number): number {
    const s = this.s;
    this.exStart = p;
    this.exLabCount = 0;
    p = this.scanLabels(p, LABELS_EXEMPLAR);
    if (s.charCodeAt(p) !== SPACE) return this.expected(p, 'expected value after exemplar labels');
    let e = this.token(p + 1);
    if (e === p + 1) return this.expected(e, 'expected value after exemplar labels');
    this.exVal = this.float(p + 1, e);
    this.exTs = null;
    p = e;
    if (s.charCodeAt(p) === SPACE) {
      e = this.token(p + 1);
      if (e === p + 1) return this.expected(e, 'expected exemplar timestamp or new record');
      const t = this.float(p + 1, e);
      if (t !== t || t === Infinity || t === -Infinity) return this.fail(p + 1, `invalid exemplar timestamp ${goFloat(t)}`);
      this.exTs = Math.trunc(t * 1000) || 0;
      p = e;
      if (s.charCodeAt(p) === SPACE) return this.expected(p, 'expected next entry after exemplar timestamp');
    }
    return p;
  }

  protected override addExemplarLabel(ns: number, ne: number, nameEsc: boolean, vs: number, ve: number, valueEsc: boolean): void {
    const o = this.exLabCount++ * 6;
    const l = this.exLab;
    l[o] = ns;
    l[o + 1] = ne;
    l[o + 2] = nameEsc ? 1 : 0;
    l[o + 3] = vs;
    l[o + 4] = ve;
    l[o + 5] = valueEsc ? 1 : 0;
  }

  /** " # {" at p starts an exemplar (the lexer's longest match beats a timestamp token " #"). */
  private atExemplar(p: number): boolean {
    const s = this.s;
    return s.charCodeAt(p + 1) === HASH && s.charCodeAt(p + 2) === SPACE && s.charCodeAt(p + 3) === LBRACE;
  }

  /**
   * Whether the line at p starts with the last series' text and a space; if so, the entry becomes
   * that series at p. Equal text scans to equal offsets (moved along), equal checks and, since
   * no TYPE came between, equal labels, so the labels already built are kept.
   */
  private repeatsSeries(p: number): boolean {
    const s = this.s;
    const len = this.seriesEnd - this.seriesStart;
    if (s.charCodeAt(p + len) !== SPACE) return false;
    // Cutting both and comparing with === is one memcmp; a charCodeAt loop is several times slower.
    this.repeatText ??= s.slice(this.seriesStart, this.seriesEnd);
    if (s.slice(p, p + len) !== this.repeatText) return false;
    const d = p - this.seriesStart;
    this.entryStart = this.seriesStart = p;
    this.seriesEnd += d;
    this.nameStart += d;
    this.nameEnd += d;
    this.hasTs = false;
    this.moveLabels(d);
    return true;
  }

  /** End of the token starting at p: the next space, newline or end of input. */
  private token(p: number): number {
    const s = this.s;
    const n = s.length;
    let c = s.charCodeAt(p);
    while (p < n && c !== SPACE && c !== NL) c = s.charCodeAt(++p);
    return p;
  }

  private float(start: number, end: number): number {
    const v = parseGoFloat(this.s, start, end);
    if (v === undefined) return this.fail(start, floatError(this.s.slice(start, end)));
    return v;
  }

  private isCreatedSeries(): boolean {
    const t = this.mtype;
    return (t === 'counter' || t === 'summary' || t === 'histogram') && this.nameEnd - this.nameStart >= 8 && this.s.startsWith('_created', this.nameEnd - 8);
  }

  /** A "#" line: "# HELP ", "# TYPE ", "# UNIT " or "# EOF"; OpenMetrics has no other comments. */
  private meta(p: number): EntryKind {
    const s = this.s;
    if (s.charCodeAt(p + 1) !== SPACE) return this.expected(p, 'expected a valid start token');
    const q = p + 2;
    if (s.startsWith('EOF', q)) {
      let e = q + 3;
      if (s.charCodeAt(e) === NL) e++;
      if (e < s.length) return this.fail(e, 'unexpected data after # EOF');
      this.pos = e;
      return (this.kind = 'eof');
    }
    const keyword = s.slice(q, q + 4);
    if ((keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') || s.charCodeAt(q + 4) !== SPACE) {
      return this.expected(p, 'expected a valid start token');
    }
    let r = this.scanMetaName(q + 5, keyword);
    if (s.charCodeAt(r) !== SPACE) return this.fail(r, `expected text in ${keyword}`);
    const eol = s.indexOf('\n', r);
    if (eol < 0) return this.fail(s.length, `expected text in ${keyword}`);
    this.textStart = ++r;
    this.textEnd = eol;
    this.pos = eol + 1;
    const text = s.slice(r, eol);
    switch (keyword) {
      case 'HELP':
        return (this.kind = 'help');
      case 'TYPE': {
        const t = omType(text);
        if (t === undefined) return this.fail(r, `invalid metric type ${JSON.stringify(text)}`);
        this.mtype = t;
        return (this.kind = 'type');
      }
      default: {
        const name = this.metaName();
        if (text !== '' && !(name.length > text.length && name.endsWith(text) && name.charCodeAt(name.length - text.length - 1) === 95)) {
          return this.fail(r, `unit ${JSON.stringify(text)} not a suffix of metric ${JSON.stringify(name)}`);
        }
        this.unitText = detach(text);
        return (this.kind = 'unit');
      }
    }
  }

  /** OpenMetrics escapes HELP like label values: \\ \" \n. */
  help(): string {
    const { s, textStart, textEnd } = this;
    return detach(this.backslashFrom(textStart) < textEnd - 1 ? unescapeQuoted(s, textStart, textEnd) : s.slice(textStart, textEnd));
  }

  override unit(): string {
    return this.unitText;
  }

  override exemplar(): Exemplar | null {
    if (this.exStart < 0 || this.kind !== 'series') return null;
    if (this.exCache !== null) return this.exCache;
    const s = this.s;
    const l = this.exLab;
    const pairs: [string, string][] = [];
    for (let i = 0; i < this.exLabCount; i++) {
      const o = i * 6;
      const name = l[o + 2] ? unescapeQuoted(s, l[o]!, l[o + 1]!) : s.slice(l[o]!, l[o + 1]!);
      const value = l[o + 5] ? unescapeQuoted(s, l[o + 3]!, l[o + 4]!) : s.slice(l[o + 3]!, l[o + 4]!);
      pairs.push([detach(name), detach(value)]);
    }
    this.exCache = { labels: labelsFrom(pairs), value: this.exVal, timestamp: this.exTs };
    return this.exCache;
  }
}

/** How Go's %f prints the non-finite timestamps Prometheus rejects ("invalid timestamp +Inf"). */
function goFloat(t: number): string {
  return t !== t ? 'NaN' : t > 0 ? '+Inf' : '-Inf';
}
