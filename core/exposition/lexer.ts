// What the text-format and OpenMetrics parsers share: character classes, Go-compatible float
// syntax (Prometheus parses values with strconv.ParseFloat, so "Inf", "nan" and "1e5" are fine but
// "0x1p3" and "1_000" are not), escape rules, lazy line/column positions, and the per-entry state
// behind the ExpositionParser accessors. The parsers record offsets into the body while they
// validate a line; strings are only cut when an accessor asks for them.
import { type Label, type Labels, METRIC_NAME } from '../model/labels.js';
import { type EntryKind, type Exemplar, type ExpositionFormat, type ExpositionParser, type MetricType, ParseError } from './types.js';

export const NL = 10;
export const TAB = 9;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const COMMA = 44;
export const EQUAL = 61;
export const BACKSLASH = 92;
export const LBRACE = 123;
export const RBRACE = 125;

const METRIC_START = 1;
const METRIC_CONT = 2;
const LABEL_START = 4;
const LABEL_CONT = 8;

/** ASCII classes as bit sets, so the hot loops do one table load per character. */
export const CHAR_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    const digit = c >= 48 && c <= 57;
    if (alpha || c === 58) t[c]! |= METRIC_START | METRIC_CONT;
    if (digit) t[c]! |= METRIC_CONT | LABEL_CONT;
    if (alpha) t[c]! |= LABEL_START | LABEL_CONT;
  }
  return t;
})();

export function isMetricStart(c: number): boolean {
  return c < 128 && (CHAR_CLASS[c]! & METRIC_START) !== 0;
}

/** Index just past the metric-name characters starting at p (legacy names: [a-zA-Z0-9_:]). */
export function scanMetricName(s: string, p: number): number {
  let c = s.charCodeAt(p);
  while (c < 128 && (CHAR_CLASS[c]! & METRIC_CONT) !== 0) c = s.charCodeAt(++p);
  return p;
}

function scanLabelName(s: string, p: number): number {
  let c = s.charCodeAt(p);
  while (c < 128 && (CHAR_CLASS[c]! & LABEL_CONT) !== 0) c = s.charCodeAt(++p);
  return p;
}

// ---------- floats ----------

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const TWO53 = 9007199254740992;

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Go's special(): [+-]inf, [+-]infinity, nan (no sign), any case. Returns the value or undefined. */
function special(s: string, p: number, end: number): number | undefined {
  let sign = 1;
  let c = s.charCodeAt(p);
  const signed = c === 43 || c === 45;
  if (signed) {
    if (c === 45) sign = -1;
    c = s.charCodeAt(++p);
  }
  const len = end - p;
  if (lower(c) === 105 /* i */) {
    if (len === 3 && lower(s.charCodeAt(p + 1)) === 110 && lower(s.charCodeAt(p + 2)) === 102) return sign * Infinity;
    if (len === 8 && s.slice(p, end).toLowerCase() === 'infinity') return sign * Infinity;
    return undefined;
  }
  if (!signed && lower(c) === 110 /* n */ && len === 3 && lower(s.charCodeAt(p + 1)) === 97 && lower(s.charCodeAt(p + 2)) === 110) return NaN;
  return undefined;
}

/**
 * Parses s[start, end) as Prometheus's parseFloat does (strconv.ParseFloat, decimal only), or
 * returns undefined when Prometheus would reject it (see floatError for why). Plain decimals with
 * up to 15 significant digits take the exact fast path (one IEEE multiply or divide, correctly
 * rounded, as Go's atof64exact); the rest go through Number() once the syntax is known to be Go's.
 */
export function parseGoFloat(s: string, start: number, end: number): number | undefined {
  if (start >= end) return undefined;
  let p = start;
  let c = s.charCodeAt(p);
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = s.charCodeAt(++p);
  }
  if (c > 57 || (c < 48 && c !== 46)) return special(s, start, end);
  let mant = 0;
  let digits = 0; // significant digits in mant
  let fracDigits = 0;
  let sawDigits = false;
  let sawDot = false;
  let exact = true;
  for (; p < end; c = s.charCodeAt(++p)) {
    if (c >= 48 && c <= 57) {
      sawDigits = true;
      if (mant === 0 && c === 48) {
        if (sawDot) fracDigits++;
        continue;
      }
      if (digits < 15) {
        mant = mant * 10 + (c - 48);
        digits++;
        if (sawDot) fracDigits++;
      } else {
        exact = false;
      }
    } else if (c === 46 && !sawDot) {
      sawDot = true;
    } else {
      break;
    }
  }
  if (!sawDigits) return undefined;
  let exp10 = 0;
  if (p < end) {
    if (lower(c) !== 101 /* e */) return undefined;
    c = s.charCodeAt(++p);
    let esign = 1;
    if (c === 43 || c === 45) {
      if (c === 45) esign = -1;
      c = s.charCodeAt(++p);
    }
    if (p >= end) return undefined;
    let e = 0;
    for (; p < end; c = s.charCodeAt(++p)) {
      if (c < 48 || c > 57) return undefined;
      if (e < 100000) e = e * 10 + (c - 48);
    }
    exp10 = esign * e;
  }
  const k = exp10 - fracDigits;
  if (exact && mant < TWO53) {
    if (mant === 0) return neg ? -0 : 0;
    if (k === 0) return neg ? -mant : mant;
    if (k < 0 && k >= -22) return neg ? -(mant / POW10[-k]!) : mant / POW10[-k]!;
    if (k > 0 && k <= 22) return neg ? -(mant * POW10[k]!) : mant * POW10[k]!;
  }
  const v = Number(s.slice(start, end));
  // Go reports overflow as an error (ErrRange); underflow silently becomes 0.
  if (v === Infinity || v === -Infinity) return undefined;
  return v;
}

/** Why parseGoFloat rejected a token, worded as Prometheus does. */
export function floatError(token: string): string {
  if (/[pP_]/.test(token)) return `unsupported character in float ${JSON.stringify(token)}`;
  // A token that failed only by overflowing is well-formed to Number() and not a special.
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return `parsing ${JSON.stringify(token)}: value out of range`;
  return `parsing ${JSON.stringify(token)}: invalid syntax`;
}

/**
 * Go's FormatOpenMetricsFloat: strconv 'g' with shortest digits (exponent form below 1e-4 and from
 * 1e6 on, two-digit signed exponent), plus ".0" when the result has neither "." nor "e".
 */
export function formatOpenMetricsFloat(f: number): string {
  if (f === 1) return '1.0';
  if (f === 0) return '0.0';
  if (f === -1) return '-1.0';
  if (f !== f) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const ex = Math.abs(f).toExponential(); // shortest round-trip digits, like Go's shortest mode
  const ePos = ex.indexOf('e');
  const digits = ex.charCodeAt(1) === 46 ? ex[0]! + ex.slice(2, ePos) : ex.slice(0, ePos);
  const x = Number(ex.slice(ePos + 1));
  const nd = digits.length;
  let out: string;
  if (x < -4 || x >= 6) {
    const ax = Math.abs(x);
    out = digits[0]! + (nd > 1 ? '.' + digits.slice(1) : '') + (x < 0 ? 'e-' : 'e+') + (ax < 10 ? '0' : '') + ax;
  } else {
    const dp = x + 1;
    if (dp <= 0) out = '0.' + '0'.repeat(-dp) + digits;
    else if (dp >= nd) out = digits + '0'.repeat(dp - nd);
    else out = digits.slice(0, dp) + '.' + digits.slice(dp);
    if (!out.includes('.')) out += '.0';
  }
  return f < 0 ? '-' + out : out;
}

/**
 * Prometheus's normalizeFloatsInLabelValues for "le" and "quantile": values that strconv.ParseFloat
 * accepts are rewritten in OpenMetrics form ("1" → "1.0"), so text and OpenMetrics scrapes of the
 * same histogram produce the same series. Go also accepts hex floats here; exporters never write
 * them in these labels, so they are left as they are.
 */
export function normalizeFloatLabel(v: string): string {
  const f = parseGoFloat(v, 0, v.length);
  return f === undefined ? v : formatOpenMetricsFloat(f);
}

/**
 * A copy of s that shares no memory with the scrape body. V8 represents a slice of 13 or more
 * characters as a view into its parent, so one label value kept in a series cache would keep the
 * whole body alive; a concatenation, flattened by the slice, is a real copy.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

// ---------- escapes ----------

/** Label values and quoted names: \\ \" \n are escapes; any other backslash stays as written. */
export function unescapeQuoted(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let p = start; p < end - 1; p++) {
    if (s.charCodeAt(p) !== BACKSLASH) continue;
    const n = s.charCodeAt(p + 1);
    if (n === BACKSLASH || n === QUOTE || n === 110) {
      out += s.slice(from, p) + (n === 110 ? '\n' : n === QUOTE ? '"' : '\\');
      from = p + 2;
      p++;
    }
  }
  return out + s.slice(from, end);
}

/** Text-format HELP: only \\ and \n are escapes. */
export function unescapeTextHelp(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let p = start; p < end - 1; p++) {
    if (s.charCodeAt(p) !== BACKSLASH) continue;
    const n = s.charCodeAt(p + 1);
    if (n === BACKSLASH || n === 110) {
      out += s.slice(from, p) + (n === 110 ? '\n' : '\\');
      from = p + 2;
      p++;
    }
  }
  return out + s.slice(from, end);
}

// ---------- shared parser state ----------

/** How a label block is read: the text format allows blanks, OpenMetrics does not. */
export const LABELS_TEXT = 0;
export const LABELS_OM = 1;
export const LABELS_EXEMPLAR = 2;

const NAME_ESC = 1;
const VALUE_ESC = 2;
const STRIDE = 5; // per label: name start, name end, value start, value end, escape flags

export abstract class ExpositionScanner implements ExpositionParser {
  abstract readonly format: ExpositionFormat;
  abstract next(): EntryKind;

  /** The body as scanned (the text format may add a final newline). */
  protected readonly s: string;
  /** Length of the body as received: positions at or past it are "end of input". */
  protected readonly inputEnd: number;
  protected pos = 0;
  protected kind: EntryKind = 'comment';
  protected failed: ParseError | null = null;

  protected entryStart = 0;
  protected seriesStart = 0;
  protected seriesEnd = 0;
  protected nameStart = -1;
  protected nameEnd = -1;
  protected nameEsc = false;
  /** Label offsets, STRIDE numbers per label, reused from entry to entry. */
  protected lab: number[] = [];
  protected nLab = 0;
  private nameLabelAt = -1; // where a "__name__" label is, if there is one
  protected val = 0;
  // The timestamp as a number and a flag rather than number | null: a field that only ever holds
  // numbers keeps them unboxed, where a nullable one allocates a heap number for every sample.
  protected ts = 0;
  protected hasTs = false;
  /** The last TYPE seen, as Prometheus keeps it (it is not reset per family). */
  protected mtype: MetricType = 'unknown';

  protected metaStart = 0;
  protected metaEnd = 0;
  protected metaEsc = false;
  protected textStart = 0;
  protected textEnd = 0;

  private labelsCache: Labels | null = null;
  private lineAt = 0; // lines counted up to this offset...
  private lineNo = 1; // ...give this line number there

  constructor(body: string, scanned: string) {
    this.s = scanned;
    this.inputEnd = body.length;
  }

  /** Resets what an entry caches; called by next() before scanning. */
  protected beginEntry(): void {
    this.labelsCache = null;
    this.nLab = 0;
    this.nameLabelAt = -1;
    this.nameStart = -1;
    this.nameEnd = -1;
    this.nameEsc = false;
    this.hasTs = false;
  }

  /** Where the number plainDecimal last read ends, or -1 when it was not a plain decimal. */
  protected plainEnd = -1;

  /**
   * The number at p when it is a plain decimal — an optional "-", digits with at most one ".", 15
   * digits at most — followed by a space or newline (or tab, with tabEnds); sets plainEnd to the
   * index after it, or to -1 (returning 0) for anything else, which the caller then reads with
   * parseGoFloat. Values and timestamps are nearly always this shape, and reading them in the
   * pass that finds their end halves the work. Bit for bit what parseGoFloat returns for the same
   * text: the digits form an exact integer below 2^53 and one correctly rounded division by an
   * exact power of ten scales it, as Go's atof64exact does.
   */
  protected plainDecimal(p: number, tabEnds: boolean): number {
    const s = this.s;
    let c = s.charCodeAt(p);
    const neg = c === 45;
    if (neg) c = s.charCodeAt(++p);
    let mant = 0;
    let digits = 0;
    let fracDigits = 0;
    let dot = false;
    for (;;) {
      if (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        digits++;
        if (dot) fracDigits++;
      } else if (c === 46 && !dot) {
        dot = true;
      } else {
        break;
      }
      c = s.charCodeAt(++p);
    }
    if (digits === 0 || digits > 15 || !(c === SPACE || c === NL || (tabEnds && c === TAB))) {
      this.plainEnd = -1;
      return 0;
    }
    this.plainEnd = p;
    const v = fracDigits === 0 ? mant : mant / POW10[fracDigits]!;
    return neg ? -v : v;
  }

  /** Moves the current series' label offsets by d, keeping what labels() built from them. */
  protected moveLabels(d: number): void {
    const lab = this.lab;
    for (let o = 0, end = this.nLab * STRIDE; o < end; o += STRIDE) {
      lab[o] = lab[o]! + d;
      lab[o + 1] = lab[o + 1]! + d;
      lab[o + 2] = lab[o + 2]! + d;
      lab[o + 3] = lab[o + 3]! + d;
    }
  }

  // seriesText() and metricName() are views into the body, cheap enough to call for every
  // sample; whoever keeps them beyond the scrape should detach() them. What labels(), the
  // metadata accessors and exemplar() return is detached already, since it is usually kept.

  seriesText(): string {
    return this.s.slice(this.seriesStart, this.seriesEnd);
  }

  metricName(): string {
    return this.nameEsc ? unescapeQuoted(this.s, this.nameStart, this.nameEnd) : this.s.slice(this.nameStart, this.nameEnd);
  }

  labels(): Labels {
    if (this.labelsCache !== null) return this.labelsCache;
    const s = this.s;
    const out: Label[] = [{ name: METRIC_NAME, value: detach(this.metricName()) }];
    const normalizeLe = this.mtype === 'histogram';
    const normalizeQuantile = this.mtype === 'summary';
    const lab = this.lab;
    for (let i = 0, o = 0; i < this.nLab; i++, o += STRIDE) {
      const flags = lab[o + 4]!;
      const name = detach(flags & NAME_ESC ? unescapeQuoted(s, lab[o]!, lab[o + 1]!) : s.slice(lab[o]!, lab[o + 1]!));
      let value = flags & VALUE_ESC ? unescapeQuoted(s, lab[o + 2]!, lab[o + 3]!) : s.slice(lab[o + 2]!, lab[o + 3]!);
      if (value === '') continue; // an empty value means "no such label", as Prometheus's labels.Builder has it
      value = (normalizeLe && name === 'le') || (normalizeQuantile && name === 'quantile') ? detach(normalizeFloatLabel(value)) : detach(value);
      // Insertion sort: label sets are small and usually exposed nearly sorted.
      const l = { name, value };
      let j = out.length;
      out.push(l);
      while (j > 0 && out[j - 1]!.name > name) {
        out[j] = out[j - 1]!;
        j--;
      }
      out[j] = l;
    }
    this.labelsCache = out;
    return out;
  }

  value(): number {
    return this.val;
  }

  timestamp(): number | null {
    return this.hasTs ? this.ts : null;
  }

  exemplar(): Exemplar | null {
    return null;
  }

  /** Unescaped for quoted names (Prometheus hands these out raw; unescaped they match labels()). */
  metaName(): string {
    return detach(this.metaEsc ? unescapeQuoted(this.s, this.metaStart, this.metaEnd) : this.s.slice(this.metaStart, this.metaEnd));
  }

  abstract help(): string;

  metaLineIs(line: string): boolean {
    return this.textEnd - this.entryStart === line.length && this.s.startsWith(line, this.entryStart);
  }

  metaLine(): string {
    return detach(this.s.slice(this.entryStart, Math.max(this.entryStart, this.textEnd)));
  }

  type(): MetricType {
    return this.mtype;
  }

  unit(): string {
    return '';
  }

  line(): number {
    return this.lineOf(this.entryStart);
  }

  // Not part of ExpositionParser: what check-metrics needs to judge an exposition as promtool does.

  /** The current series' labels as exposed: in order, unescaped, empty values and "le" as written. */
  labelPairs(): { name: string; value: string }[] {
    const s = this.s;
    const lab = this.lab;
    const out: { name: string; value: string }[] = [];
    for (let i = 0, o = 0; i < this.nLab; i++, o += STRIDE) {
      const flags = lab[o + 4]!;
      out.push({
        name: flags & NAME_ESC ? unescapeQuoted(s, lab[o]!, lab[o + 1]!) : s.slice(lab[o]!, lab[o + 1]!),
        value: flags & VALUE_ESC ? unescapeQuoted(s, lab[o + 2]!, lab[o + 3]!) : s.slice(lab[o + 2]!, lab[o + 3]!),
      });
    }
    return out;
  }

  /** For metadata entries: the raw rest of the line after the metric name (quotes excluded). */
  metaRest(): string {
    const after = this.metaEnd + (this.s.charCodeAt(this.metaStart - 1) === QUOTE ? 1 : 0);
    return this.s.slice(after, this.textEnd);
  }

  // ---------- positions and errors ----------

  /** Line of offset p, counting newlines forward from the last answer (entries come in order). */
  protected lineOf(p: number): number {
    if (p < this.lineAt) {
      this.lineAt = 0;
      this.lineNo = 1;
    }
    const s = this.s;
    let n = this.lineNo;
    for (let i = this.lineAt; i < p; i++) if (s.charCodeAt(i) === NL) n++;
    this.lineAt = p;
    this.lineNo = n;
    return n;
  }

  /** Throws (and remembers, so later next() calls rethrow) a ParseError at offset p. */
  protected fail(p: number, reason: string): never {
    const s = this.s;
    const line = this.lineOf(p);
    let ls = p;
    while (ls > 0 && s.charCodeAt(ls - 1) !== NL) ls--;
    // Columns count characters: the second half of a surrogate pair adds none.
    let column = 1;
    for (let i = ls; i < p; i++) {
      const c = s.charCodeAt(i);
      const secondHalf = c >= 0xdc00 && c <= 0xdfff && i > ls && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
      if (!secondHalf) column++;
    }
    this.failed = new ParseError(line, column, reason);
    throw this.failed;
  }

  /** `"x"` for what is at p, or "end of input"; words are shown whole, punctuation alone. */
  protected got(p: number): string {
    if (p >= this.inputEnd) return 'end of input';
    const s = this.s;
    let e = p + 1;
    if (isWordChar(s.charCodeAt(p))) while (e < this.inputEnd && e - p < 32 && isWordChar(s.charCodeAt(e))) e++;
    return JSON.stringify(s.slice(p, e));
  }

  protected expected(p: number, what: string): never {
    return this.fail(p, `${what}, got ${this.got(p)}`);
  }

  // ---------- shared scanning ----------

  /** Whether the quoted string scanQuoted last returned has a backslash in it. */
  protected quotedEsc = false;

  /**
   * Scans a quoted string whose opening quote is at p; returns the index of the closing quote. A
   * backslash escapes any character but a newline. Whether a raw newline may appear follows
   * Prometheus's lexers: anywhere in the text format; in OpenMetrics in quoted names but not in
   * label values or exemplars.
   */
  protected scanQuoted(p: number, allowNewline: boolean, what: string): number {
    const s = this.s;
    const end = this.inputEnd;
    let esc = false;
    for (let i = p + 1; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.quotedEsc = esc;
        return i;
      }
      if (c === BACKSLASH) {
        esc = true;
        const n = s.charCodeAt(++i);
        if (n === NL || i >= end) break;
      } else if (c === NL && !allowNewline) {
        break;
      }
    }
    return this.fail(p, `${what}, got unterminated quoted string`);
  }

  /**
   * Scans a label block whose "{" is at p; returns the index after "}". Records label offsets (or,
   * in exemplar mode, calls addExemplarLabel) and a quoted metric name found inside the braces.
   * The grammar is Prometheus's parseLVals: a quoted string followed by "," or "}" is the metric
   * name; "name=value" pairs; a trailing comma is fine. The text format also allows blanks between
   * tokens and pairs without a comma between them; OpenMetrics allows neither.
   */
  protected scanLabels(p: number, mode: number): number {
    if (mode !== LABELS_EXEMPLAR) {
      const e = this.scanPlainLabels(p, mode === LABELS_OM);
      if (e >= 0) return e;
    }
    const s = this.s;
    const blanks = mode === LABELS_TEXT;
    p++;
    for (;;) {
      let c = s.charCodeAt(p);
      if (blanks) while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
      if (c === RBRACE) return p + 1;
      let ns: number;
      let ne: number;
      let nameEsc = false;
      let quoted = false;
      if (c < 128 && (CHAR_CLASS[c]! & LABEL_START) !== 0) {
        ns = p;
        ne = p = scanLabelName(s, p + 1);
      } else if (c === QUOTE) {
        const q = this.scanQuoted(p, mode !== LABELS_EXEMPLAR, 'expected label name');
        ns = p + 1;
        ne = q;
        nameEsc = this.quotedEsc;
        quoted = true;
        p = q + 1;
      } else {
        return this.expected(p, 'expected label name');
      }
      c = s.charCodeAt(p);
      if (blanks) while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
      if (quoted && (c === COMMA || c === RBRACE)) {
        if (mode === LABELS_EXEMPLAR) return this.expected(p, 'expected label name');
        if (this.nameStart >= 0) return this.fail(ns - 1, 'metric name already set');
        this.nameStart = ns;
        this.nameEnd = ne;
        this.nameEsc = nameEsc;
        if (c === RBRACE) return p + 1;
        p++;
        continue;
      }
      if (c !== EQUAL) return this.expected(p, 'expected equal');
      c = s.charCodeAt(++p);
      if (blanks) while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
      if (c !== QUOTE) return this.expected(p, 'expected label value');
      const q = this.scanQuoted(p, blanks, 'expected label value');
      if (mode === LABELS_EXEMPLAR) {
        this.addExemplarLabel(ns, ne, nameEsc, p + 1, q, this.quotedEsc);
      } else {
        if (quoted && ns === ne) this.fail(ns - 1, 'invalid label name ""');
        this.addLabel(ns, ne, nameEsc, p + 1, q, this.quotedEsc);
      }
      p = q + 1;
      c = s.charCodeAt(p);
      if (blanks) {
        while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
        if (c === COMMA) p++;
      } else if (c === COMMA) {
        p++;
      } else if (c !== RBRACE) {
        return this.expected(p, 'expected comma or brace close');
      }
    }
  }

  /**
   * The label block as nearly every exporter writes it: `name="value"` pairs of plain names,
   * separated by single commas, no blanks, no backslashes (and, in OpenMetrics, no newline in a
   * value), no "__name__" label. Values are found with indexOf, which V8 runs as memchr, several
   * times faster than a charCodeAt loop. Anything else returns -1 having recorded nothing, and
   * scanLabels reads the block again in full, with its errors.
   */
  private scanPlainLabels(p: number, om: boolean): number {
    const s = this.s;
    const lab = this.lab;
    const n0 = this.nLab;
    let n = n0;
    let o = n * STRIDE;
    // Names exposed in ascending order are unique by that alone; only when a name is out of order
    // are all names before it compared.
    let sorted = true;
    let c = s.charCodeAt(++p);
    for (;;) {
      if (c === RBRACE) {
        this.nLab = n;
        return p + 1;
      }
      if (!(c < 128 && (CHAR_CLASS[c]! & LABEL_START) !== 0)) return -1;
      const ns = p;
      c = s.charCodeAt(++p);
      while (c < 128 && (CHAR_CLASS[c]! & LABEL_CONT) !== 0) c = s.charCodeAt(++p);
      const ne = p;
      if (c !== EQUAL || s.charCodeAt(p + 1) !== QUOTE) return -1;
      const vs = p + 2;
      const q = s.indexOf('"', vs);
      if (q < 0 || this.backslashFrom(vs) < q || (om && this.newlineFrom(vs) < q)) return -1;
      if (ne - ns === 8 && s.startsWith(METRIC_NAME, ns)) return -1;
      if (n > n0) {
        if (sorted) sorted = nameAfter(s, lab[o - STRIDE]!, lab[o - STRIDE + 1]!, ns, ne);
        if (!sorted) for (let j = n0 * STRIDE; j < o; j += STRIDE) if (sameChars(s, lab[j]!, lab[j + 1]!, ns, ne)) return -1;
      }
      lab[o] = ns;
      lab[o + 1] = ne;
      lab[o + 2] = vs;
      lab[o + 3] = q;
      lab[o + 4] = 0;
      o += STRIDE;
      n++;
      p = q + 1;
      c = s.charCodeAt(p);
      if (c === COMMA) c = s.charCodeAt(++p);
      else if (c !== RBRACE) return -1;
    }
  }

  // Where the next backslash and newline are, remembered between calls: there is none in
  // [bsFrom, bsAt). Entries are scanned in order, so each search picks up where the last one left
  // off and the body is searched once; indexOf alone, unbounded, would search to the end of the
  // body every time in one without backslashes.
  private bsFrom = 0;
  private bsAt = -1;
  private nlFrom = 0;
  private nlAt = -1;

  /** Offset of the first backslash at or after p, or the body's length when there is none. */
  protected backslashFrom(p: number): number {
    if (this.bsAt < p || p < this.bsFrom) {
      const i = this.s.indexOf('\\', p);
      this.bsFrom = p;
      this.bsAt = i < 0 ? this.s.length : i;
    }
    return this.bsAt;
  }

  /** Offset of the first newline at or after p, or the body's length when there is none. */
  protected newlineFrom(p: number): number {
    if (this.nlAt < p || p < this.nlFrom) {
      const i = this.s.indexOf('\n', p);
      this.nlFrom = p;
      this.nlAt = i < 0 ? this.s.length : i;
    }
    return this.nlAt;
  }

  protected addExemplarLabel(_ns: number, _ne: number, _nameEsc: boolean, _vs: number, _ve: number, _valueEsc: boolean): void {}

  /**
   * Records a label and rejects a name seen before in the same series: a series with a repeated
   * label name fails the whole scrape in Prometheus (the TSDB refuses it with `label name "x" is
   * not unique`), so it is a parse error here rather than a surprise later. A "__name__" label is
   * noted and judged once the metric name is known (checkName).
   */
  private addLabel(ns: number, ne: number, nameEsc: boolean, vs: number, ve: number, valueEsc: boolean): void {
    const s = this.s;
    const lab = this.lab;
    const len = ne - ns;
    const o = this.nLab * STRIDE;
    if ((len === 8 && s.startsWith(METRIC_NAME, ns) && !nameEsc) || (nameEsc && unescapeQuoted(s, ns, ne) === METRIC_NAME)) {
      if (this.nameLabelAt < 0) this.nameLabelAt = s.charCodeAt(ns - 1) === QUOTE ? ns - 1 : ns;
    }
    for (let j = 0; j < o; j += STRIDE) {
      const js = lab[j]!;
      if (lab[j + 1]! - js !== len && !nameEsc && !(lab[j + 4]! & NAME_ESC)) continue;
      if (this.sameName(js, lab[j + 1]!, (lab[j + 4]! & NAME_ESC) !== 0, ns, ne, nameEsc)) {
        const name = nameEsc ? unescapeQuoted(s, ns, ne) : s.slice(ns, ne);
        this.fail(s.charCodeAt(ns - 1) === QUOTE ? ns - 1 : ns, `label name ${JSON.stringify(name)} is not unique`);
      }
    }
    lab[o] = ns;
    lab[o + 1] = ne;
    lab[o + 2] = vs;
    lab[o + 3] = ve;
    lab[o + 4] = (nameEsc ? NAME_ESC : 0) | (valueEsc ? VALUE_ESC : 0);
    this.nLab++;
  }

  private sameName(as: number, ae: number, aEsc: boolean, bs: number, be: number, bEsc: boolean): boolean {
    const s = this.s;
    if (aEsc || bEsc) {
      const a = aEsc ? unescapeQuoted(s, as, ae) : s.slice(as, ae);
      const b = bEsc ? unescapeQuoted(s, bs, be) : s.slice(bs, be);
      return a === b;
    }
    for (let i = 0; i < ae - as; i++) if (s.charCodeAt(as + i) !== s.charCodeAt(bs + i)) return false;
    return true;
  }

  /** Rejects the metric names Prometheus's scrape would: none at all, or an empty quoted one. */
  protected checkName(p: number): void {
    if (this.nameStart < 0) this.fail(p, 'metric name not set');
    if (this.nameStart === this.nameEnd) this.fail(this.nameStart - 1, 'invalid metric name ""');
    if (this.nameLabelAt >= 0) this.fail(this.nameLabelAt, `label name "${METRIC_NAME}" is not unique`);
  }

  /** Scans a metadata name at p (plain or quoted) into metaStart/metaEnd; returns the index after it. */
  protected scanMetaName(p: number, keyword: string): number {
    const s = this.s;
    const c = s.charCodeAt(p);
    if (c === QUOTE) {
      const q = this.scanQuoted(p, true, `expected metric name after ${keyword}`);
      this.metaStart = p + 1;
      this.metaEnd = q;
      this.metaEsc = this.quotedEsc;
      return q + 1;
    }
    if (!isMetricStart(c)) return this.expected(p, `expected metric name after ${keyword}`);
    this.metaEsc = false;
    this.metaStart = p;
    this.metaEnd = scanMetricName(s, p + 1);
    return this.metaEnd;
  }
}

/** Whether s[bs, be) sorts after s[as, ae), comparing UTF-16 code units as < on strings does. */
function nameAfter(s: string, as: number, ae: number, bs: number, be: number): boolean {
  const al = ae - as;
  const bl = be - bs;
  const n = al < bl ? al : bl;
  for (let i = 0; i < n; i++) {
    const x = s.charCodeAt(as + i);
    const y = s.charCodeAt(bs + i);
    if (x !== y) return y > x;
  }
  return bl > al;
}

function sameChars(s: string, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (s.charCodeAt(as + i) !== s.charCodeAt(bs + i)) return false;
  return true;
}

function isWordChar(c: number): boolean {
  return c === c && c !== SPACE && c !== TAB && c !== NL && c !== LBRACE && c !== RBRACE && c !== EQUAL && c !== COMMA && c !== QUOTE && c !== HASH;
}
