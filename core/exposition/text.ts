// The Prometheus text format 0.0.4 (and "1.0.0", the same grammar with quoted UTF-8 names), with
// the semantics of Prometheus's promparse.go: blanks are allowed between tokens, "# HELP"/"# TYPE"
// are metadata and every other "#" line is a comment, timestamps are integer milliseconds, and a
// NUL where a line would start ends the input (its lexer reads NUL as end of file).
import { type EntryKind, type MetricType } from './types.js';
import {
  detach,
  ExpositionScanner,
  floatError,
  HASH,
  isMetricStart,
  LABELS_TEXT,
  LBRACE,
  NL,
  parseGoFloat,
  scanMetricName,
  SPACE,
  TAB,
  unescapeTextHelp,
} from './lexer.js';

const INT64_MAX = 9223372036854775807n;

function textType(t: string): MetricType | undefined {
  switch (t) {
    case 'counter':
    case 'gauge':
    case 'histogram':
    case 'summary':
      return t;
    case 'untyped':
      return 'unknown';
  }
  return undefined;
}

export class TextParser extends ExpositionScanner {
  readonly format = 'text' as const;

  constructor(body: string) {
    // Prometheus appends a newline too, so a last line without one needs no special case.
    super(body, body.length === 0 || body.charCodeAt(body.length - 1) === NL ? body : body + '\n');
  }

  next(): EntryKind {
    if (this.failed !== null) throw this.failed;
    if (this.kind === 'eof') return 'eof';
    this.beginEntry();
    const s = this.s;
    const n = s.length;
    let p = this.pos;
    for (;;) {
      let c = s.charCodeAt(p);
      while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
      this.entryStart = p;
      if (c === NL) {
        p++;
        continue;
      }
      if (p >= n || c === 0) {
        this.pos = n;
        return (this.kind = 'eof');
      }
      if (c === HASH) return this.comment(p);
      if (c === LBRACE) {
        this.seriesStart = p;
        p = this.scanLabels(p, LABELS_TEXT);
      } else if (isMetricStart(c)) {
        this.seriesStart = this.nameStart = p;
        p = this.nameEnd = scanMetricName(s, p + 1);
        c = s.charCodeAt(p);
        while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
        if (c === LBRACE) p = this.scanLabels(p, LABELS_TEXT);
        else p = this.nameEnd;
      } else {
        return this.expected(p, 'expected a valid start token');
      }
      this.seriesEnd = p;
      this.checkName(this.seriesStart);
      return this.sampleRest(p);
    }
  }

  /** Value, optional timestamp, end of line; p is just after the name or label block. */
  private sampleRest(p: number): EntryKind {
    const s = this.s;
    let c = s.charCodeAt(p);
    while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
    const vs = p;
    const plain = this.plainDecimal(p, true);
    if (this.plainEnd >= 0) {
      this.val = plain;
      p = this.plainEnd;
      c = s.charCodeAt(p);
    } else {
      while (c !== SPACE && c !== TAB && c !== NL && c !== LBRACE && c !== 0) c = s.charCodeAt(++p);
      if (p === vs) return this.expected(p, 'expected value after metric');
      const v = parseGoFloat(s, vs, p);
      if (v === undefined) return this.fail(vs, floatError(s.slice(vs, p)));
      this.val = v;
    }
    while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
    if (c !== NL) {
      if (c < 48 || c > 57) return this.expected(p, 'expected timestamp or new record');
      const ts = p;
      let t = 0;
      while (c >= 48 && c <= 57) {
        t = t * 10 + (c - 48);
        c = s.charCodeAt(++p);
      }
      if (p - ts > 15) {
        // Beyond 2^53 a number is no longer exact: check the range as Go's ParseInt would.
        const big = BigInt(s.slice(ts, p));
        if (big > INT64_MAX) return this.fail(ts, `timestamp ${s.slice(ts, p)} out of range`);
        t = Number(big);
      }
      this.ts = t;
      this.hasTs = true;
      while (c === SPACE || c === TAB) c = s.charCodeAt(++p);
      if (c !== NL) return this.expected(p, 'expected next entry after timestamp');
    }
    this.pos = p + 1;
    return (this.kind = 'series');
  }

  /** A "#" line at p: HELP or TYPE metadata, or a comment. */
  private comment(p: number): EntryKind {
    const s = this.s;
    let q = p + 1;
    let c = s.charCodeAt(q);
    let keyword = '';
    if (c === SPACE || c === TAB) {
      while (c === SPACE || c === TAB) c = s.charCodeAt(++q);
      const after = s.charCodeAt(q + 4);
      if ((after === SPACE || after === TAB) && (s.startsWith('HELP', q) || s.startsWith('TYPE', q))) keyword = s.slice(q, q + 4);
    }
    const eol = s.indexOf('\n', q);
    if (keyword === '') {
      this.pos = eol + 1;
      return (this.kind = 'comment');
    }
    q += 5;
    c = s.charCodeAt(q);
    while (c === SPACE || c === TAB) c = s.charCodeAt(++q);
    q = this.scanMetaName(q, keyword);
    // The rest of the line minus its first character (the separating blank), or nothing when the
    // rest is only blanks: promlex's longest-match rules give exactly this.
    const restEnd = this.s.indexOf('\n', q);
    let blanksOnly = true;
    for (let i = q; i < restEnd && blanksOnly; i++) blanksOnly = s.charCodeAt(i) === SPACE || s.charCodeAt(i) === TAB;
    this.textStart = blanksOnly ? restEnd : q + 1;
    this.textEnd = restEnd;
    this.pos = restEnd + 1;
    if (keyword === 'HELP') return (this.kind = 'help');
    const t = textType(s.slice(this.textStart, this.textEnd));
    if (t === undefined) return this.fail(this.textStart, `invalid metric type ${JSON.stringify(s.slice(this.textStart, this.textEnd))}`);
    this.mtype = t;
    return (this.kind = 'type');
  }

  help(): string {
    const { s, textStart, textEnd } = this;
    return detach(this.backslashFrom(textStart) < textEnd - 1 ? unescapeTextHelp(s, textStart, textEnd) : s.slice(textStart, textEnd));
  }
}
