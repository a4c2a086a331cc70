// The PromQL lexer, after Prometheus's promql/parser/lex.go (3.x). It is a mode machine rather than
// a table of regexes: what a character means depends on whether we are inside braces, inside a
// range/subquery bracket, or in plain expression text, exactly as in Go. Error texts are Go's,
// byte for byte, because the HTTP API and the test corpus compare them verbatim.
//
// Positions are UTF-16 offsets into the input (what JS strings index by). Prometheus counts bytes;
// the parser converts to byte columns only when rendering an error.

export enum ItemType {
  EOF,
  ERROR,
  IDENTIFIER,
  METRIC_IDENTIFIER,
  NUMBER,
  DURATION,
  STRING,
  LEFT_PAREN,
  RIGHT_PAREN,
  LEFT_BRACE,
  RIGHT_BRACE,
  LEFT_BRACKET,
  RIGHT_BRACKET,
  COMMA,
  EQL,
  COLON,

  // Operators.
  ADD,
  SUB,
  MUL,
  DIV,
  MOD,
  POW,
  EQLC,
  NEQ,
  LTE,
  LSS,
  GTE,
  GTR,
  TRIM_UPPER,
  TRIM_LOWER,
  EQL_REGEX,
  NEQ_REGEX,
  LAND,
  LOR,
  LUNLESS,
  ATAN2,
  AT,

  // Aggregators.
  AVG,
  BOTTOMK,
  COUNT,
  COUNT_VALUES,
  GROUP,
  MAX,
  MIN,
  QUANTILE,
  STDDEV,
  STDVAR,
  SUM,
  TOPK,
  LIMITK,
  LIMIT_RATIO,

  // Keywords.
  BOOL,
  BY,
  GROUP_LEFT,
  GROUP_RIGHT,
  FILL,
  FILL_LEFT,
  FILL_RIGHT,
  IGNORING,
  OFFSET,
  SMOOTHED,
  ANCHORED,
  ON,
  WITHOUT,

  // "Preprocessors": keywords that are also function names.
  START,
  END,
  STEP,
  RANGE,
  MAX_OF,
  MIN_OF,
}

export interface Item {
  type: ItemType;
  /** UTF-16 offset of the first character. */
  pos: number;
  /** The source text (for ERROR: the message). */
  val: string;
}

export const isOperator = (t: ItemType): boolean => t >= ItemType.ADD && t <= ItemType.AT;
export const isAggregator = (t: ItemType): boolean => t >= ItemType.AVG && t <= ItemType.LIMIT_RATIO;
export const isKeyword = (t: ItemType): boolean => t >= ItemType.BOOL && t <= ItemType.WITHOUT;
export const isAggregatorWithParam = (t: ItemType): boolean =>
  t === ItemType.TOPK || t === ItemType.BOTTOMK || t === ItemType.COUNT_VALUES || t === ItemType.QUANTILE || t === ItemType.LIMITK || t === ItemType.LIMIT_RATIO;
export const isComparisonOperator = (t: ItemType): boolean =>
  t === ItemType.EQLC || t === ItemType.NEQ || t === ItemType.LTE || t === ItemType.LSS || t === ItemType.GTE || t === ItemType.GTR;
export const isSetOperator = (t: ItemType): boolean => t === ItemType.LAND || t === ItemType.LOR || t === ItemType.LUNLESS;

/** Keywords, matched case-insensitively (`SUM`, `Offset` and `inf` all count). */
export const KEYWORDS: ReadonlyMap<string, ItemType> = new Map([
  ['and', ItemType.LAND],
  ['or', ItemType.LOR],
  ['unless', ItemType.LUNLESS],
  ['atan2', ItemType.ATAN2],
  ['sum', ItemType.SUM],
  ['avg', ItemType.AVG],
  ['count', ItemType.COUNT],
  ['min', ItemType.MIN],
  ['max', ItemType.MAX],
  ['group', ItemType.GROUP],
  ['stddev', ItemType.STDDEV],
  ['stdvar', ItemType.STDVAR],
  ['topk', ItemType.TOPK],
  ['bottomk', ItemType.BOTTOMK],
  ['count_values', ItemType.COUNT_VALUES],
  ['quantile', ItemType.QUANTILE],
  ['limitk', ItemType.LIMITK],
  ['limit_ratio', ItemType.LIMIT_RATIO],
  ['offset', ItemType.OFFSET],
  ['smoothed', ItemType.SMOOTHED],
  ['anchored', ItemType.ANCHORED],
  ['by', ItemType.BY],
  ['without', ItemType.WITHOUT],
  ['on', ItemType.ON],
  ['ignoring', ItemType.IGNORING],
  ['group_left', ItemType.GROUP_LEFT],
  ['group_right', ItemType.GROUP_RIGHT],
  ['fill', ItemType.FILL],
  ['fill_left', ItemType.FILL_LEFT],
  ['fill_right', ItemType.FILL_RIGHT],
  ['bool', ItemType.BOOL],
  ['start', ItemType.START],
  ['end', ItemType.END],
  ['step', ItemType.STEP],
  ['range', ItemType.RANGE],
  ['max_of', ItemType.MAX_OF],
  ['min_of', ItemType.MIN_OF],
  ['inf', ItemType.NUMBER],
  ['nan', ItemType.NUMBER],
]);

const DURATION_KEYWORDS: ReadonlyMap<string, ItemType> = new Map([
  ['step', ItemType.STEP],
  ['range', ItemType.RANGE],
  ['max_of', ItemType.MAX_OF],
  ['min_of', ItemType.MIN_OF],
]);

/** The fixed spelling of token types that have one (Go's ItemTypeStr). */
const TYPE_STR = new Map<ItemType, string>([
  [ItemType.LEFT_PAREN, '('],
  [ItemType.RIGHT_PAREN, ')'],
  [ItemType.LEFT_BRACE, '{'],
  [ItemType.RIGHT_BRACE, '}'],
  [ItemType.LEFT_BRACKET, '['],
  [ItemType.RIGHT_BRACKET, ']'],
  [ItemType.COMMA, ','],
  [ItemType.EQL, '='],
  [ItemType.COLON, ':'],
  [ItemType.SUB, '-'],
  [ItemType.ADD, '+'],
  [ItemType.MUL, '*'],
  [ItemType.MOD, '%'],
  [ItemType.DIV, '/'],
  [ItemType.EQLC, '=='],
  [ItemType.NEQ, '!='],
  [ItemType.LTE, '<='],
  [ItemType.LSS, '<'],
  [ItemType.GTE, '>='],
  [ItemType.GTR, '>'],
  [ItemType.TRIM_UPPER, '</'],
  [ItemType.TRIM_LOWER, '>/'],
  [ItemType.EQL_REGEX, '=~'],
  [ItemType.NEQ_REGEX, '!~'],
  [ItemType.POW, '^'],
  [ItemType.AT, '@'],
]);
for (const [s, t] of KEYWORDS) if (t !== ItemType.NUMBER) TYPE_STR.set(t, s);

/** The canonical spelling of an operator or keyword type ("+", "and", "sum", "by"). */
export function typeString(t: ItemType): string {
  return TYPE_STR.get(t) ?? `<Item ${t}>`;
}

/** How Go's Item.desc() names a token in "unexpected …" messages. */
export function describeItem(it: Item): string {
  if (TYPE_STR.has(it.type)) return itemString(it);
  switch (it.type) {
    case ItemType.EOF:
      return 'end of input';
    case ItemType.ERROR:
      return `error ${it.val}`;
    case ItemType.IDENTIFIER:
      return `identifier ${itemString(it)}`;
    case ItemType.METRIC_IDENTIFIER:
      return `metric identifier ${itemString(it)}`;
    case ItemType.STRING:
      return `string ${itemString(it)}`;
    case ItemType.NUMBER:
      return `number ${itemString(it)}`;
    case ItemType.DURATION:
      return `duration ${itemString(it)}`;
  }
  return `${goQuote(typeString(it.type))} ${itemString(it)}`;
}

function itemString(it: Item): string {
  const t = it.type;
  if (t === ItemType.EOF) return 'EOF';
  if (t === ItemType.ERROR) return it.val;
  if (t === ItemType.IDENTIFIER || t === ItemType.METRIC_IDENTIFIER) return goQuote(it.val);
  if (isKeyword(t)) return `<${it.val}>`;
  if (isOperator(t)) return `<op:${it.val}>`;
  if (isAggregator(t)) return `<aggr:${it.val}>`;
  const runes = Array.from(it.val);
  if (runes.length > 10) return `${goQuote(runes.slice(0, 10).join(''))}...`;
  return goQuote(it.val);
}

const EOF = -1;

const enum Mode {
  Statements,
  InsideBraces,
  DurationExpr,
  Done,
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isAlphaNumeric = (c: number): boolean => isAlpha(c) || isDigit(c);
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isEndOfLine = (c: number): boolean => c === 13 || c === 10;
// The first letters of step, range, max_of, min_of (compared case-insensitively).
const isDurationKeywordStart = (c: number): boolean => {
  const l = c | 0x20;
  return l === 115 || l === 114 || l === 109;
};

/**
 * Splits a query into tokens, one per next() call. Comments are skipped. The first ERROR ends the
 * stream: after it, and after EOF, next() keeps returning EOF.
 */
export class Lexer {
  private pos = 0;
  private start = 0;
  /** Width (in UTF-16 units) of the last character read, for backup(); 0 at the end. */
  private width = 0;
  private mode = Mode.Statements;
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;
  private gotDuration = false;

  constructor(readonly input: string) {}

  /** Every token up to and including the first EOF or ERROR. */
  static tokenize(input: string): Item[] {
    const l = new Lexer(input);
    const out: Item[] = [];
    for (;;) {
      const it = l.next();
      out.push(it);
      if (it.type === ItemType.EOF || it.type === ItemType.ERROR) return out;
    }
  }

  next(): Item {
    for (;;) {
      let it: Item | null;
      switch (this.mode) {
        case Mode.Done:
          return { type: ItemType.EOF, pos: this.input.length, val: '' };
        case Mode.InsideBraces:
          it = this.lexInsideBraces();
          break;
        case Mode.DurationExpr:
          it = this.lexDurationExpr();
          break;
        default:
          it = this.braceOpen ? this.lexInsideBraces() : this.lexStatements();
      }
      if (it !== null) {
        if (it.type === ItemType.ERROR || it.type === ItemType.EOF) this.mode = Mode.Done;
        return it;
      }
    }
  }

  // --- character access (Go's next/peek/backup) ---

  private nextChar(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const c = this.input.codePointAt(this.pos)!;
    this.width = c > 0xffff ? 2 : 1;
    this.pos += this.width;
    return c;
  }

  private peek(): number {
    return this.pos < this.input.length ? this.input.charCodeAt(this.pos) : EOF;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private accept(pred: (c: number) => boolean): boolean {
    if (pred(this.nextChar())) return true;
    this.backup();
    return false;
  }

  private acceptChar(a: number, b = a): boolean {
    const c = this.peek();
    if (c === a || c === b) {
      this.pos++;
      this.width = 1;
      return true;
    }
    return false;
  }

  private emit(type: ItemType): Item {
    const it = { type, pos: this.start, val: this.input.slice(this.start, this.pos) };
    this.start = this.pos;
    return it;
  }

  private errorf(msg: string): Item {
    return { type: ItemType.ERROR, pos: this.start, val: msg };
  }

  private skipSpaces(): void {
    while (isSpace(this.peek())) this.pos++;
    this.start = this.pos;
  }

  private lexComment(): void {
    this.pos++;
    while (this.pos < this.input.length && !isEndOfLine(this.input.charCodeAt(this.pos))) this.pos++;
    this.start = this.pos;
  }

  // --- states ---

  private lexStatements(): Item | null {
    if (this.peek() === 35 /* # */) {
      this.lexComment();
      return null;
    }
    const r = this.nextChar();
    switch (r) {
      case EOF:
        if (this.parenDepth !== 0) return this.errorf('unclosed left parenthesis');
        if (this.bracketOpen) return this.errorf('unclosed left bracket');
        return this.emit(ItemType.EOF);
      case 44:
        return this.emit(ItemType.COMMA);
      case 42:
        return this.emit(ItemType.MUL);
      case 47:
        return this.emit(ItemType.DIV);
      case 37:
        return this.emit(ItemType.MOD);
      case 43:
        return this.emit(ItemType.ADD);
      case 45:
        return this.emit(ItemType.SUB);
      case 94:
        return this.emit(ItemType.POW);
      case 61 /* = */: {
        const t = this.peek();
        if (t === 61) {
          this.pos++;
          return this.emit(ItemType.EQLC);
        }
        if (t === 126) return this.errorf(`unexpected character after '=': ${goQuoteRune(t)}`);
        return this.emit(ItemType.EQL);
      }
      case 33 /* ! */: {
        const t = this.nextChar();
        if (t !== 61) return this.errorf(`unexpected character after '!': ${goQuoteRune(t)}`);
        return this.emit(ItemType.NEQ);
      }
      case 60 /* < */:
        if (this.acceptChar(61)) return this.emit(ItemType.LTE);
        if (this.acceptChar(47)) return this.emit(ItemType.TRIM_UPPER);
        return this.emit(ItemType.LSS);
      case 62 /* > */:
        if (this.acceptChar(61)) return this.emit(ItemType.GTE);
        if (this.acceptChar(47)) return this.emit(ItemType.TRIM_LOWER);
        return this.emit(ItemType.GTR);
      case 34:
      case 39:
        return this.lexString(r);
      case 96:
        return this.lexRawString();
      case 40:
        this.parenDepth++;
        return this.emit(ItemType.LEFT_PAREN);
      case 41: {
        const it = this.emit(ItemType.RIGHT_PAREN);
        if (--this.parenDepth < 0) return this.errorf(`unexpected right parenthesis ')'`);
        return it;
      }
      case 123:
        this.braceOpen = true;
        this.mode = Mode.InsideBraces;
        return this.emit(ItemType.LEFT_BRACE);
      case 91: {
        if (this.bracketOpen) return this.errorf(`unexpected left bracket '['`);
        this.gotColon = false;
        const it = this.emit(ItemType.LEFT_BRACKET);
        this.skipSpaces();
        this.bracketOpen = true;
        this.mode = Mode.DurationExpr;
        return it;
      }
      case 93:
        if (!this.bracketOpen) return this.errorf(`unexpected right bracket ']'`);
        this.bracketOpen = false;
        return this.emit(ItemType.RIGHT_BRACKET);
      case 64:
        return this.emit(ItemType.AT);
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return null;
    }
    if (isDigit(r) || (r === 46 && isDigit(this.peek()))) {
      this.backup();
      return this.lexNumberOrDuration();
    }
    if (isAlpha(r) || r === 58) {
      if (!this.bracketOpen) {
        this.backup();
        return this.lexKeywordOrIdentifier();
      }
      if (r === 58) {
        if (this.gotColon) return this.errorf(`unexpected colon ':'`);
        this.gotColon = true;
        return this.emit(ItemType.COLON);
      }
      if (isDurationKeywordStart(r)) {
        const kw = this.scanDurationKeyword();
        if (kw !== null) return kw;
      }
      return this.errorf(`unexpected character: ${goQuoteRune(r)}, expected ':'`);
    }
    return this.errorf(`unexpected character: ${goQuoteRune(r)}`);
  }

  private lexInsideBraces(): Item | null {
    if (this.peek() === 35) {
      this.lexComment();
      return null;
    }
    const r = this.nextChar();
    switch (r) {
      case EOF:
        return this.errorf('unexpected end of input inside braces');
      case 44:
        return this.emit(ItemType.COMMA);
      case 34:
      case 39:
        return this.lexString(r);
      case 96:
        return this.lexRawString();
      case 61:
        if (this.acceptChar(126)) return this.emit(ItemType.EQL_REGEX);
        return this.emit(ItemType.EQL);
      case 33: {
        const nr = this.nextChar();
        if (nr === 126) return this.emit(ItemType.NEQ_REGEX);
        if (nr === 61) return this.emit(ItemType.NEQ);
        return this.errorf(`unexpected character after '!' inside braces: ${goQuoteRune(nr)}`);
      }
      case 123:
        return this.errorf(`unexpected left brace '{'`);
      case 125:
        this.braceOpen = false;
        this.mode = Mode.Statements;
        return this.emit(ItemType.RIGHT_BRACE);
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return null;
    }
    if (isAlpha(r)) {
      while (isAlphaNumeric(this.peek())) this.pos++;
      return this.emit(ItemType.IDENTIFIER);
    }
    return this.errorf(`unexpected character inside braces: ${goQuoteRune(r)}`);
  }

  /** Right after `[`: numbers, durations, operators, parentheses, step()/range()/min_of/max_of. */
  private lexDurationExpr(): Item | null {
    const r = this.nextChar();
    switch (r) {
      case EOF:
        return this.errorf('unexpected end of input in duration expression');
      case 93: {
        this.bracketOpen = false;
        this.gotColon = false;
        this.mode = Mode.Statements;
        return this.emit(ItemType.RIGHT_BRACKET);
      }
      case 58: {
        const it = this.emit(ItemType.COLON);
        if (!this.gotDuration) return this.errorf('unexpected colon before duration in duration expression');
        if (this.gotColon) return this.errorf('unexpected repeated colon in duration expression');
        this.gotColon = true;
        return it;
      }
      case 40:
        this.parenDepth++;
        return this.emit(ItemType.LEFT_PAREN);
      case 41: {
        const it = this.emit(ItemType.RIGHT_PAREN);
        if (--this.parenDepth < 0) return this.errorf(`unexpected right parenthesis ')'`);
        return it;
      }
      case 43:
        return this.emit(ItemType.ADD);
      case 45:
        return this.emit(ItemType.SUB);
      case 42:
        return this.emit(ItemType.MUL);
      case 47:
        return this.emit(ItemType.DIV);
      case 37:
        return this.emit(ItemType.MOD);
      case 94:
        return this.emit(ItemType.POW);
      case 44:
        return this.emit(ItemType.COMMA);
    }
    if (isSpace(r)) {
      this.skipSpaces();
      return null;
    }
    if (isDurationKeywordStart(r)) {
      const kw = this.scanDurationKeyword();
      if (kw !== null) return kw;
      return this.errorf(`unexpected character in duration expression: ${goQuoteRune(r)}`);
    }
    if (isDigit(r) || (r === 46 && isDigit(this.peek()))) {
      this.backup();
      this.gotDuration = true;
      this.mode = Mode.Statements;
      return this.lexNumberOrDuration();
    }
    return this.errorf(`unexpected character in duration expression: ${goQuoteRune(r)}`);
  }

  private scanDurationKeyword(): Item | null {
    while (isAlpha(this.peek())) this.pos++;
    const kw = DURATION_KEYWORDS.get(this.input.slice(this.start, this.pos).toLowerCase());
    return kw === undefined ? null : this.emit(kw);
  }

  private lexKeywordOrIdentifier(): Item {
    let c = this.peek();
    while (isAlphaNumeric(c) || c === 58) c = this.input.charCodeAt(++this.pos);
    const word = this.input.slice(this.start, this.pos);
    const kw = KEYWORDS.get(word.toLowerCase());
    if (kw !== undefined) {
      // fill/fill_left/fill_right are keywords only right before "(", so existing metrics
      // named "fill" keep working.
      if ((kw === ItemType.FILL || kw === ItemType.FILL_LEFT || kw === ItemType.FILL_RIGHT) && !this.followedByLeftParen()) {
        return this.emit(ItemType.IDENTIFIER);
      }
      return this.emit(kw);
    }
    return this.emit(word.includes(':') ? ItemType.METRIC_IDENTIFIER : ItemType.IDENTIFIER);
  }

  private followedByLeftParen(): boolean {
    for (let p = this.pos; p < this.input.length; p++) {
      const c = this.input.charCodeAt(p);
      if (!isSpace(c)) return c === 40;
    }
    return false;
  }

  private lexNumberOrDuration(): Item {
    if (this.scanNumber()) return this.emit(ItemType.NUMBER);
    if (this.acceptRemainingDuration()) {
      this.backup();
      return this.emit(ItemType.DURATION);
    }
    return this.errorf(`bad number or duration syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
  }

  private acceptRemainingDuration(): boolean {
    if (!this.accept(isUnit)) return false;
    this.acceptChar(115); // "ms"; bad units like "hs" are left to parseDuration
    while (this.accept(isDigit)) {
      while (this.accept(isDigit)) {
        /* absorb */
      }
      if (!this.accept(isUnitNoYear)) return false;
      this.acceptChar(115);
    }
    return !isAlphaNumeric(this.nextChar());
  }

  /** Go's scanNumber: accepts a superset of valid numbers; the parser rejects the rest. */
  private scanNumber(): boolean {
    const initial = this.pos;
    let digit = isDigit;
    let hex = false;
    if (this.acceptChar(48) && this.acceptChar(120, 88)) {
      this.acceptChar(95);
      digit = isHexDigit;
      hex = true;
    }
    this.acceptChar(46);
    this.accept(digit);
    let dotConsumed = false;
    let expConsumed = false;
    for (;;) {
      const c = this.peek();
      const isDot = c === 46;
      const isExp = c === 101 || c === 69;
      const isUnderscore = c === 95;
      if (!(digit(c) || isDot || isUnderscore || isExp)) break;
      if (isDot && dotConsumed) {
        this.pos++;
        return false;
      }
      if (isExp && expConsumed) {
        this.pos++;
        return false;
      }
      if (isDot) {
        this.pos++;
        dotConsumed = true;
        if (this.acceptChar(95, 46)) return false;
        if (hex) return false;
        continue;
      }
      if (isExp) {
        this.pos++;
        expConsumed = true;
        this.acceptChar(43, 45);
        if (this.acceptAny4(46, 95, 101, 69) || this.peek() === EOF) return false;
        continue;
      }
      if (isUnderscore) {
        this.pos++;
        if (this.acceptAny4(46, 95, 101, 69) || this.peek() === EOF) return false;
        continue;
      }
      while (digit(this.peek())) this.pos++;
    }
    if (this.pos === initial) return false;
    return !isAlphaNumeric(this.peek());
  }

  private acceptAny4(a: number, b: number, c: number, d: number): boolean {
    const x = this.peek();
    if (x === a || x === b || x === c || x === d) {
      this.pos++;
      this.width = 1;
      return true;
    }
    return false;
  }

  private lexString(quote: number): Item {
    for (;;) {
      const c = this.nextChar();
      if (c === 92 /* \ */) {
        const err = this.lexEscape(quote);
        if (err !== null) return this.errorf(err);
        continue;
      }
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) return this.errorf('invalid UTF-8 rune');
      if (c === EOF || c === 10) return this.errorf('unterminated quoted string');
      if (c === quote) return this.emit(ItemType.STRING);
    }
  }

  private lexRawString(): Item {
    for (;;) {
      const c = this.nextChar();
      if (c === 0xfffd || (c >= 0xd800 && c <= 0xdfff)) return this.errorf('invalid UTF-8 rune');
      if (c === EOF) return this.errorf('unterminated raw string');
      if (c === 96) return this.emit(ItemType.STRING);
    }
  }

  /** Validates one escape (the backslash is consumed); returns an error text or null. */
  private lexEscape(quote: number): string | null {
    let ch = this.nextChar();
    let n: number;
    let base: number;
    let max: number;
    switch (ch) {
      case 97:
      case 98:
      case 102:
      case 110:
      case 114:
      case 116:
      case 118:
      case 92:
      case quote:
        return null;
      case 120:
        ch = this.nextChar();
        [n, base, max] = [2, 16, 255];
        break;
      case 117:
        ch = this.nextChar();
        [n, base, max] = [4, 16, 0x10ffff];
        break;
      case 85:
        ch = this.nextChar();
        [n, base, max] = [8, 16, 0x10ffff];
        break;
      case EOF:
        return 'escape sequence not terminated';
      default:
        if (ch >= 48 && ch <= 55) {
          [n, base, max] = [3, 8, 255];
          break;
        }
        return `unknown escape sequence ${goSharpU(ch)}`;
    }
    let x = 0;
    while (n > 0) {
      const d = digitVal(ch);
      if (d >= base) {
        if (ch === EOF) return 'escape sequence not terminated';
        return `illegal character ${goSharpU(ch)} in escape sequence`;
      }
      x = x * base + d;
      n--;
      if (n > 0) ch = this.nextChar();
    }
    if (x > max || (x >= 0xd800 && x < 0xe000)) return 'escape sequence is an invalid Unicode code point';
    return null;
  }
}

const isUnit = (c: number): boolean => c === 115 || c === 109 || c === 104 || c === 100 || c === 119 || c === 121;
const isUnitNoYear = (c: number): boolean => c === 115 || c === 109 || c === 104 || c === 100 || c === 119;

function digitVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 97 + 10;
  if (c >= 65 && c <= 70) return c - 65 + 10;
  return 16;
}

// --- Go string formatting (%q, %#U), for messages and the printer ---

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function escapeRune(cp: number, quote: number): string {
  if (cp === quote || cp === 92) return '\\' + String.fromCharCode(cp);
  // U+FFFD stands for bytes that were not UTF-8 (a "\xff" escape); spelled raw, the lexer would
  // reject it as an invalid rune, so it is escaped to keep printed queries parseable.
  if (cp === 0xfffd) return '\\ufffd';
  if (isGoPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + cp.toString(16).padStart(2, '0');
  // A byte that was not UTF-8 (see decodeUtf8Escaping) prints as itself.
  if (cp >= 0xdc80 && cp <= 0xdcff) return '\\x' + (cp - 0xdc00).toString(16).padStart(2, '0');
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** strconv.Quote / %q of a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 34 && c !== 92) {
      out += s[i];
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    out += escapeRune(cp, 34);
  }
  return out + '"';
}

/** %q of a rune. */
export function goQuoteRune(cp: number): string {
  if (cp < 0 || cp > 0x10ffff) cp = 0xfffd;
  return `'${escapeRune(cp, 39)}'`;
}

/** %#U of a rune: U+0063 'c'. */
function goSharpU(cp: number): string {
  if (cp < 0) cp = 0xfffd;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return isGoPrint(cp) ? `${hex} '${String.fromCodePoint(cp)}'` : hex;
}

// --- literal decoding ---

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/**
 * The value of a STRING token (Prometheus's strutil.Unquote, for strings the lexer accepted).
 * \x and octal escapes are bytes, so a string can spell UTF-8 byte by byte ("\xe2\x82\xac").
 */
export function unquoteString(raw: string): string {
  const quote = raw.charCodeAt(0);
  const body = raw.slice(1, -1);
  if (quote === 96 || !body.includes('\\')) return body;
  const bytes: number[] = [];
  const pushRune = (cp: number): void => {
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  };
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 92) {
      const cp = body.codePointAt(i)!;
      if (cp > 0xffff) i++;
      pushRune(cp);
      continue;
    }
    const e = body[++i]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
      continue;
    }
    switch (e) {
      case 'x':
        bytes.push(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        pushRune(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        pushRune(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        if (e >= '0' && e <= '7') {
          bytes.push(parseInt(body.slice(i, i + 3), 8));
          i += 2;
        } else {
          pushRune(e.charCodeAt(0)); // \\, \" or \'
        }
    }
  }
  return decodeUtf8Escaping(bytes);
}

/**
 * UTF-8 to a JS string, keeping invalid bytes (possible via \x escapes): each becomes the lone
 * surrogate U+DC80+(byte-0x80), as Python's "surrogateescape" does, so the string stays distinct
 * from any valid one and goQuote prints the byte back as \xNN, as Go's %q does.
 */
function decodeUtf8Escaping(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    const need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let ok = need > 0 && i + need < bytes.length;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either.
    if (ok && ((need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

const DECIMAL_FLOAT = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The value of a NUMBER token, as Prometheus computes it: strconv.ParseInt(s, 0, 64) first (so
 * 0x1f is hex and 010 is octal), then strconv.ParseFloat. Returns an error text on failure.
 */
export function parseNumber(s: string): number | string {
  const lower = s.toLowerCase();
  if (lower === 'inf') return Infinity;
  if (lower === 'nan') return NaN;
  const t = s.includes('_') ? s.replace(/_/g, '') : s;
  const int = parseGoInt(t);
  if (int !== null) return int;
  const floatErr = (why: string): string => `strconv.ParseFloat: parsing ${goQuote(s)}: ${why}`;
  if (t.length > 1 && t[0] === '0' && (t[1] === 'x' || t[1] === 'X')) return floatErr('invalid syntax'); // a hex float needs a p exponent
  if (!DECIMAL_FLOAT.test(t)) return floatErr('invalid syntax');
  const v = Number(t);
  if (!Number.isFinite(v)) return floatErr('value out of range');
  return v;
}

const INT64_MAX = (1n << 63n) - 1n;

/** strconv.ParseInt(s, 0, 64) for unsigned input; null where Go would fail (and fall back). */
function parseGoInt(s: string): number | null {
  let digits = s;
  let radix = 10;
  if (s.length > 1 && s[0] === '0') {
    if (s[1] === 'x' || s[1] === 'X') {
      radix = 16;
      digits = s.slice(2);
    } else {
      radix = 8;
      digits = s.slice(1);
    }
  }
  if (digits === '' && radix !== 8) return null;
  for (let i = 0; i < digits.length; i++) {
    const d = digitVal(digits.charCodeAt(i));
    if (d >= radix) return null;
  }
  if (digits === '') return 0;
  if (digits.length < 15 && radix === 10) return Number(digits);
  const big = radix === 16 ? BigInt('0x' + digits) : radix === 8 ? BigInt('0o' + digits) : BigInt(digits);
  if (big > INT64_MAX) return null;
  return Number(big);
}

const NS_PER_UNIT: Record<string, [number, bigint]> = {
  ms: [7, 1_000_000n],
  s: [6, 1_000_000_000n],
  m: [5, 60_000_000_000n],
  h: [4, 3_600_000_000_000n],
  d: [3, 86_400_000_000_000n],
  w: [2, 604_800_000_000_000n],
  y: [1, 31_536_000_000_000_000n],
};

/**
 * A Prometheus duration string (model.ParseDuration: units y w d h m s ms, each at most once, in
 * that order) as seconds, or an error text. Nanosecond-exact, like Go's time.Duration.
 */
export function parseDurationSeconds(s: string): number | string {
  if (s === '0') return 0;
  if (s === '') return 'empty duration string';
  const bad = `not a valid duration string: ${goQuote(s)}`;
  let dur = 0n;
  let lastUnit = 0;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && isDigit(s.charCodeAt(j))) j++;
    if (j === i) return bad;
    const v = BigInt(s.slice(i, j));
    if (v > 0xffffffffffffffffn) return bad;
    let k = j;
    while (k < s.length && !isDigit(s.charCodeAt(k))) k++;
    if (k === j) return bad;
    const u = s.slice(j, k);
    const unit = NS_PER_UNIT[u];
    if (unit === undefined) return `unknown unit ${goQuote(u)} in duration ${goQuote(s)}`;
    if (unit[0] <= lastUnit) return bad;
    lastUnit = unit[0];
    if (v > (1n << 63n) / unit[1]) return 'duration out of range';
    dur += v * unit[1];
    if (dur > INT64_MAX) return 'duration out of range';
    i = k;
  }
  // time.Duration.Seconds(): whole seconds plus the fraction, each converted separately.
  return Number(dur / 1_000_000_000n) + Number(dur % 1_000_000_000n) / 1e9;
}
