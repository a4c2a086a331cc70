// A hand-written PromQL parser with Prometheus 3.x semantics (promql/parser/generated_parser.y and
// parse.go). It is recursive descent, but it reproduces what the yacc grammar decides where that
// is not obvious: postfix modifiers ([…], offset, @, anchored, smoothed) bind tighter than any
// operator, unary minus binds like `*` (so -2 ^ 2 is -(2 ^ 2)), `offset` takes only one duration
// term unless it starts with "(", and errors name the innermost construct that has an error rule
// in the grammar ("in aggregation", "in offset", …) or none at all. Errors are collected in the
// order Prometheus collects them and the first one is reported, as ParseErrors.Error() does.
import { Matcher, type MatchType } from '../model/matchers.js';
import {
  type AggregateExpr,
  type AggregateOp,
  type AtModifier,
  type BinaryExpr,
  type BinaryOp,
  type Call,
  type Cardinality,
  type DurationExpr,
  type Expr,
  type MatrixSelector,
  type NumberLiteral,
  type PosRange,
  type SubqueryExpr,
  typeOf,
  type ValueType,
  type VectorSelector,
} from './ast.js';
import { getFunctionDef } from './function-defs.js';
import {
  describeItem,
  goQuote,
  isAggregator,
  isAggregatorWithParam,
  type Item,
  ItemType,
  Lexer,
  parseDurationSeconds,
  parseNumber,
  typeString,
  unquoteString,
} from './lexer.js';

const T = ItemType;

/** A PromQL syntax or type error. `message` is Prometheus's rendering: `1:3: parse error: …`. */
export class ParseError extends Error {
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(
    readonly positionRange: PosRange,
    detail: string,
    readonly query: string,
  ) {
    super(`${positionText(query, positionRange.start)}: parse error: ${detail}`);
    this.name = 'ParseError';
    this.detail = detail;
  }

  override toString(): string {
    return this.message;
  }
}

/** posrange.StartPosInput: 1-based line and byte column (Prometheus counts bytes, not characters). */
function positionText(query: string, pos: number): string {
  if (query === '') return 'unknown position';
  if (pos < 0 || pos > query.length) return 'invalid position';
  let line = 1;
  let col = 0;
  for (let i = 0; i < pos; i++) {
    const c = query.charCodeAt(i);
    if (c === 10) {
      line++;
      col = 0;
    } else if (c < 0x80) col++;
    else if (c < 0x800) col += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < pos) {
      col += 4;
      i++;
    } else col += 3;
  }
  return `${line}:${col + 1}`;
}

/** Parses a PromQL expression, type-checked as Prometheus does. Throws ParseError. */
export function parseExpr(input: string): Expr {
  return new Parser(input).parseExpression();
}

/** Parses a series selector such as `up{job="x"}` (the HTTP API's match[]). Throws ParseError. */
export function parseMetricSelector(input: string): Matcher[] {
  return new Parser(input).parseSelectorOnly();
}

/** A Prometheus duration string (`1h30m`, `5m`, `0`) in ms. Throws an Error with Go's message. */
export function parseDuration(s: string): number {
  const v = parseDurationSeconds(s);
  if (typeof v === 'string') throw new Error(v);
  return secondsToMs(v);
}

// Precedence levels of binary operators, lowest first, as the grammar's %left/%right lists.
const PREC_POW = 6;
function binaryPrecedence(t: ItemType): number {
  switch (t) {
    case T.LOR:
      return 1;
    case T.LAND:
    case T.LUNLESS:
      return 2;
    case T.EQLC:
    case T.NEQ:
    case T.LTE:
    case T.LSS:
    case T.GTE:
    case T.GTR:
    case T.TRIM_UPPER:
    case T.TRIM_LOWER:
      return 3;
    case T.ADD:
    case T.SUB:
      return 4;
    case T.MUL:
    case T.DIV:
    case T.MOD:
    case T.ATAN2:
      return 5;
    case T.POW:
      return PREC_POW;
    default:
      return 0;
  }
}

function durationPrecedence(t: ItemType): number {
  switch (t) {
    case T.ADD:
    case T.SUB:
      return 4;
    case T.MUL:
    case T.DIV:
    case T.MOD:
      return 5;
    case T.POW:
      return PREC_POW;
    default:
      return 0;
  }
}

/** Tokens that may name a metric (the grammar's metric_identifier): keywords are not reserved there. */
const METRIC_IDENTIFIER = new Set<ItemType>([
  T.AVG, T.BOTTOMK, T.BY, T.COUNT, T.COUNT_VALUES, T.FILL, T.FILL_LEFT, T.FILL_RIGHT, T.GROUP, T.IDENTIFIER, T.LAND, T.LOR, T.LUNLESS, T.MAX,
  T.METRIC_IDENTIFIER, T.MIN, T.OFFSET, T.QUANTILE, T.STDDEV, T.STDVAR, T.SUM, T.TOPK, T.WITHOUT, T.START, T.END, T.LIMITK, T.LIMIT_RATIO,
  T.STEP, T.RANGE, T.ANCHORED, T.SMOOTHED, T.MAX_OF, T.MIN_OF,
]); // prettier-ignore

/** Tokens accepted as a label name in by/without/on/ignoring/group_x lists (the grammar's maybe_label). */
const MAYBE_LABEL = new Set<ItemType>([
  T.AVG, T.BOOL, T.BOTTOMK, T.BY, T.COUNT, T.COUNT_VALUES, T.GROUP, T.GROUP_LEFT, T.GROUP_RIGHT, T.FILL, T.FILL_LEFT, T.FILL_RIGHT,
  T.IDENTIFIER, T.IGNORING, T.LAND, T.LOR, T.LUNLESS, T.MAX, T.METRIC_IDENTIFIER, T.MIN, T.OFFSET, T.ON, T.QUANTILE, T.STDDEV, T.STDVAR,
  T.SUM, T.TOPK, T.START, T.END, T.ATAN2, T.LIMITK, T.LIMIT_RATIO, T.STEP, T.RANGE, T.ANCHORED, T.SMOOTHED, T.MAX_OF, T.MIN_OF,
]); // prettier-ignore

const MATCH_OPS = new Map<ItemType, MatchType>([
  [T.EQL, '='],
  [T.NEQ, '!='],
  [T.EQL_REGEX, '=~'],
  [T.NEQ_REGEX, '!~'],
]);

/** An error rule of the grammar: where it applies, how `unexpected …` messages name the place. */
interface ErrorContext {
  context: string;
  expected: string;
}
const CTX_AGGREGATION: ErrorContext = { context: 'aggregation', expected: '' };
const CTX_OFFSET: ErrorContext = { context: 'offset', expected: 'number, duration, step(), or range()' };
const CTX_AT: ErrorContext = { context: '@', expected: 'timestamp' };
const CTX_RANGE: ErrorContext = { context: 'subquery or range selector', expected: 'number, duration, step(), or range()' };
const CTX_SUBQUERY_STEP: ErrorContext = { context: 'subquery selector', expected: 'number, duration, step(), range(), or "]"' };

/** Thrown to unwind after a syntax error; the first collected error is what the caller sees. */
class Abort {}

// 2^63 / 1e9: the largest duration in seconds a time.Duration holds.
const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;
const durationOutOfRange = (v: number): boolean => v > MAX_DURATION_SECONDS || v < -MAX_DURATION_SECONDS;

/** Seconds to ms as Prometheus does: rounded to ns (time.Duration), then truncated to ms. */
function secondsToMs(v: number): number {
  const ns = Math.sign(v) * Math.round(Math.abs(v) * 1e9);
  return Math.trunc(ns / 1e6) + 0;
}

const ws = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

class Parser {
  private readonly toks: Item[];
  private i = 0;
  /** End offset of the last consumed token. */
  private lastEnd = 0;
  private readonly errors: { range: PosRange; msg: string }[] = [];
  private readonly contexts: ErrorContext[] = [];
  /** info()'s second argument may select by labels only, without a metric name. */
  private readonly bypassEmptyMatcherCheck = new Set<VectorSelector>();

  constructor(private readonly input: string) {
    this.toks = Lexer.tokenize(input);
  }

  parseExpression(): Expr {
    let expr: Expr | null = null;
    try {
      if (this.peek().type === T.EOF) {
        this.addError({ start: 0, end: 0 }, 'no expression found in input');
      } else {
        expr = this.parseBinary(1);
        const t = this.peek();
        if (t.type !== T.EOF) this.unexpected(t);
      }
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
    if (this.errors.length === 0 && expr !== null) this.check(expr);
    if (this.errors.length > 0 || expr === null) throw this.firstError();
    return expr;
  }

  parseSelectorOnly(): Matcher[] {
    let vs: VectorSelector | null = null;
    try {
      const t = this.peek();
      if (t.type === T.LEFT_BRACE) vs = this.parseVectorSelector(null);
      else if (METRIC_IDENTIFIER.has(t.type)) vs = this.parseVectorSelector(this.consume());
      else this.unexpected(t);
      const end = this.peek();
      if (end.type !== T.EOF) this.unexpected(end);
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
    }
    if (this.errors.length > 0 || vs === null) throw this.firstError();
    return vs.matchers;
  }

  // --- tokens and errors ---

  private peek(): Item {
    const t = this.toks[this.i]!;
    if (t.type === T.ERROR) {
      this.addError({ start: t.pos, end: this.input.length }, t.val);
      throw new Abort();
    }
    return t;
  }

  /** The type k tokens ahead, without reporting a lexer error there yet. */
  private peekType(k: number): ItemType {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!.type;
  }

  private consume(): Item {
    const t = this.peek();
    if (t.type !== T.EOF) this.i++;
    this.lastEnd = t.pos + t.val.length;
    return t;
  }

  private expect(type: ItemType): Item {
    const t = this.peek();
    if (t.type !== type) this.unexpected(t);
    return this.consume();
  }

  private addError(range: PosRange, msg: string): void {
    this.errors.push({ range, msg });
  }

  private firstError(): ParseError {
    const e = this.errors[0] ?? { range: { start: 0, end: 0 }, msg: 'unexpected error' };
    return new ParseError(e.range, e.msg, this.input);
  }

  /** A syntax error at token t, worded by the innermost error context unless one is given. */
  private unexpected(t: Item, ctx: ErrorContext | undefined = this.contexts[this.contexts.length - 1]): never {
    let msg = `unexpected ${describeItem(t)}`;
    if (ctx !== undefined) {
      msg += ` in ${ctx.context}`;
      if (ctx.expected !== '') msg += `, expected ${ctx.expected}`;
    }
    this.addError({ start: t.pos, end: t.pos + t.val.length }, msg);
    throw new Abort();
  }

  private within<R>(ctx: ErrorContext, f: () => R): R {
    this.contexts.push(ctx);
    const r = f();
    this.contexts.pop();
    return r;
  }

  // --- expressions ---

  private parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const opTok = this.peek();
      const prec = binaryPrecedence(opTok.type);
      if (prec === 0 || prec < minPrec) return lhs;
      this.consume();
      const mods = this.parseBinModifiers();
      const rhs = this.parseBinary(opTok.type === T.POW ? prec : prec + 1);
      lhs = {
        type: 'binary',
        op: typeString(opTok.type) as BinaryOp,
        lhs,
        rhs,
        matching: { card: mods.card, matchingLabels: mods.labels, on: mods.on, include: mods.include },
        returnBool: mods.returnBool,
        fillLeft: mods.fillLeft,
        fillRight: mods.fillRight,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
    }
  }

  private parseBinModifiers(): {
    returnBool: boolean;
    card: Cardinality;
    labels: string[];
    on: boolean;
    include: string[];
    fillLeft: number | null;
    fillRight: number | null;
  } {
    let returnBool = false;
    let card: Cardinality = 'one-to-one';
    let labels: string[] = [];
    let on = false;
    let include: string[] = [];
    let fillLeft: number | null = null;
    let fillRight: number | null = null;
    if (this.peek().type === T.BOOL) {
      this.consume();
      returnBool = true;
    }
    let t = this.peek();
    if (t.type === T.ON || t.type === T.IGNORING) {
      this.consume();
      on = t.type === T.ON;
      labels = this.parseGroupingLabels();
      t = this.peek();
      if (t.type === T.GROUP_LEFT || t.type === T.GROUP_RIGHT) {
        this.consume();
        card = t.type === T.GROUP_LEFT ? 'many-to-one' : 'one-to-many';
        if (this.peek().type === T.LEFT_PAREN) include = this.parseGroupingLabels();
      }
    }
    t = this.peek();
    if (t.type === T.FILL) {
      this.consume();
      fillLeft = fillRight = this.parseFillValue();
    } else if (t.type === T.FILL_LEFT) {
      this.consume();
      fillLeft = this.parseFillValue();
      if (this.peek().type === T.FILL_RIGHT) {
        this.consume();
        fillRight = this.parseFillValue();
      }
    } else if (t.type === T.FILL_RIGHT) {
      this.consume();
      fillRight = this.parseFillValue();
      if (this.peek().type === T.FILL_LEFT) {
        this.consume();
        fillLeft = this.parseFillValue();
      }
    }
    return { returnBool, card, labels, on, include, fillLeft, fillRight };
  }

  private parseFillValue(): number {
    this.expect(T.LEFT_PAREN);
    let neg = false;
    let t = this.peek();
    if (t.type === T.ADD || t.type === T.SUB) {
      neg = t.type === T.SUB;
      this.consume();
      t = this.peek();
    }
    if (t.type !== T.NUMBER && t.type !== T.DURATION) this.unexpected(t);
    const v = this.numberLiteral(this.consume()).val;
    this.expect(T.RIGHT_PAREN);
    return neg ? -v : v;
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.type !== T.ADD && t.type !== T.SUB) return this.parsePostfix(this.parsePrimary());
    this.consume();
    const operand = this.parseBinary(PREC_POW);
    if (operand.type === 'number') {
      if (t.type === T.SUB) operand.val = -operand.val;
      operand.pos = { start: t.pos, end: operand.pos.end };
      return operand;
    }
    return { type: 'unary', op: t.type === T.SUB ? '-' : '+', expr: operand, pos: { start: t.pos, end: operand.pos.end } };
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case T.NUMBER:
      case T.DURATION:
        return this.numberLiteral(this.consume());
      case T.STRING:
        this.consume();
        return { type: 'string', val: unquoteString(t.val), pos: { start: t.pos, end: t.pos + t.val.length } };
      case T.LEFT_PAREN: {
        this.consume();
        const e = this.parseBinary(1);
        this.expect(T.RIGHT_PAREN);
        return { type: 'paren', expr: e, pos: { start: t.pos, end: this.lastEnd } };
      }
      case T.LEFT_BRACE:
        return this.parseVectorSelector(null);
      case T.IDENTIFIER:
      case T.START:
      case T.END:
      case T.STEP:
      case T.RANGE:
      case T.MIN_OF:
      case T.MAX_OF:
        if (this.peekType(1) === T.LEFT_PAREN) return this.parseCall();
        return this.parseVectorSelector(this.consume());
    }
    if (isAggregator(t.type)) {
      const next = this.peekType(1);
      if (next === T.LEFT_PAREN || next === T.BY || next === T.WITHOUT) return this.parseAggregate();
    }
    if (METRIC_IDENTIFIER.has(t.type)) return this.parseVectorSelector(this.consume());
    this.unexpected(t);
  }

  private numberLiteral(t: Item): NumberLiteral {
    const pos = { start: t.pos, end: t.pos + t.val.length };
    if (t.type === T.DURATION) {
      const v = parseDurationSeconds(t.val);
      if (typeof v === 'string') {
        this.addError(pos, v);
        return { type: 'number', val: 0, duration: true, pos };
      }
      return { type: 'number', val: v, duration: true, pos };
    }
    const v = parseNumber(t.val);
    if (typeof v === 'string') {
      this.addError(pos, `error parsing number: ${v}`);
      return { type: 'number', val: 0, pos };
    }
    return { type: 'number', val: v, pos };
  }

  private parseCall(): Call {
    const nameTok = this.consume();
    const args = this.parseCallBody();
    const func = getFunctionDef(nameTok.val);
    const pos = { start: nameTok.pos, end: this.lastEnd };
    if (func === undefined) {
      this.addError({ start: nameTok.pos, end: nameTok.pos + nameTok.val.length }, `unknown function with name ${goQuote(nameTok.val)}`);
      return { type: 'call', func: { name: nameTok.val, argTypes: [], variadic: -1, returnType: 'none' }, args, pos };
    }
    return { type: 'call', func, args, pos };
  }

  private parseCallBody(): Expr[] {
    this.expect(T.LEFT_PAREN);
    const args: Expr[] = [];
    if (this.peek().type === T.RIGHT_PAREN) {
      this.consume();
      return args;
    }
    args.push(this.parseBinary(1));
    for (;;) {
      const t = this.peek();
      if (t.type === T.RIGHT_PAREN) {
        this.consume();
        return args;
      }
      if (t.type !== T.COMMA) this.unexpected(t);
      this.consume();
      const next = this.peek().type;
      if (next === T.RIGHT_PAREN || next === T.COMMA) {
        this.addError({ start: t.pos, end: t.pos + 1 }, 'trailing commas not allowed in function call args');
        continue;
      }
      args.push(this.parseBinary(1));
    }
  }

  private parseAggregate(): Expr {
    const opTok = this.consume();
    const op = typeString(opTok.type) as AggregateOp;
    let grouping: string[] = [];
    let without = false;
    let modifierFirst = false;
    this.contexts.push(CTX_AGGREGATION);
    let t = this.peek();
    if (t.type === T.BY || t.type === T.WITHOUT) {
      this.consume();
      grouping = this.parseGroupingLabels();
      without = t.type === T.WITHOUT;
      modifierFirst = true;
    }
    t = this.peek();
    if (t.type !== T.LEFT_PAREN) this.unexpected(t);
    const args = this.parseCallBody();
    this.contexts.pop();
    if (!modifierFirst) {
      const t = this.peek();
      if (t.type === T.BY || t.type === T.WITHOUT) {
        this.consume();
        grouping = this.parseGroupingLabels();
        without = t.type === T.WITHOUT;
      }
    }
    const pos = { start: opTok.pos, end: this.lastEnd };
    const agg: AggregateExpr = { type: 'aggregate', op, expr: args[0]!, param: null, grouping, without, pos };
    if (args.length === 0) {
      this.addError(pos, 'no arguments for aggregate expression provided');
      return agg;
    }
    let want = 1;
    if (isAggregatorWithParam(opTok.type)) {
      want = 2;
      agg.param = args[0]!;
    }
    if (args.length !== want) {
      this.addError(pos, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
      return agg;
    }
    agg.expr = args[want - 1]!;
    return agg;
  }

  private parseGroupingLabels(): string[] {
    let t = this.peek();
    if (t.type !== T.LEFT_PAREN) this.unexpected(t, { context: 'grouping opts', expected: '"("' });
    this.consume();
    const labels: string[] = [];
    if (this.peek().type === T.RIGHT_PAREN) {
      this.consume();
      return labels;
    }
    for (;;) {
      t = this.peek();
      if (t.type === T.STRING) {
        const name = unquoteString(t.val);
        if (name === '') this.addError({ start: t.pos, end: t.pos + t.val.length }, `invalid label name for grouping: ${goQuote(name)}`);
        labels.push(name);
      } else if (MAYBE_LABEL.has(t.type)) {
        labels.push(t.val);
      } else {
        this.unexpected(t, { context: 'grouping opts', expected: 'label' });
      }
      this.consume();
      t = this.peek();
      if (t.type === T.COMMA) {
        this.consume();
        if (this.peek().type === T.RIGHT_PAREN) {
          this.consume();
          return labels;
        }
        continue;
      }
      if (t.type === T.RIGHT_PAREN) {
        this.consume();
        return labels;
      }
      this.unexpected(t, { context: 'grouping opts', expected: '"," or ")"' });
    }
  }

  /** A selector; nameTok is the metric identifier before the braces, if any. */
  private parseVectorSelector(nameTok: Item | null): VectorSelector {
    const matchers: Matcher[] = [];
    const start = nameTok !== null ? nameTok.pos : this.peek().pos;
    if (nameTok === null || this.peek().type === T.LEFT_BRACE) this.parseLabelMatchers(matchers);
    const name = nameTok !== null ? nameTok.val : '';
    if (name !== '') matchers.push(new Matcher('=', '__name__', name));
    return { type: 'vector', name, matchers, offset: 0, offsetExpr: null, at: null, pos: { start, end: this.lastEnd } };
  }

  private parseLabelMatchers(out: Matcher[]): void {
    this.expect(T.LEFT_BRACE);
    const ctx = (expected: string): ErrorContext => ({ context: 'label matching', expected });
    if (this.peek().type === T.RIGHT_BRACE) {
      this.consume();
      return;
    }
    for (;;) {
      const nameTok = this.peek();
      if (nameTok.type !== T.IDENTIFIER && nameTok.type !== T.STRING) this.unexpected(nameTok, ctx('identifier or "}"'));
      this.consume();
      const name = nameTok.type === T.STRING ? unquoteString(nameTok.val) : nameTok.val;
      const opTok = this.peek();
      const op = MATCH_OPS.get(opTok.type);
      if (op === undefined) {
        if (nameTok.type === T.IDENTIFIER) this.unexpected(opTok, ctx('label matching operator'));
        out.push(new Matcher('=', '__name__', name)); // {"metric.name"}
      } else {
        this.consume();
        const valTok = this.peek();
        if (valTok.type !== T.STRING) this.unexpected(valTok, ctx('string'));
        this.consume();
        try {
          out.push(new Matcher(op, name, unquoteString(valTok.val)));
        } catch (e) {
          this.addError({ start: nameTok.pos, end: valTok.pos + valTok.val.length }, e instanceof Error ? e.message : String(e));
        }
      }
      const t = this.peek();
      if (t.type === T.COMMA) {
        this.consume();
        if (this.peek().type === T.RIGHT_BRACE) {
          this.consume();
          return;
        }
        continue;
      }
      if (t.type === T.RIGHT_BRACE) {
        this.consume();
        return;
      }
      this.unexpected(t, ctx('"," or "}"'));
    }
  }

  // --- postfix modifiers: [range], [range:step], offset, @, anchored, smoothed ---

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      switch (t.type) {
        case T.LEFT_BRACKET:
          e = this.parseRangeOrSubquery(e);
          break;
        case T.OFFSET:
          e = this.parseOffset(e);
          break;
        case T.AT:
          e = this.parseAt(e);
          break;
        case T.ANCHORED:
        case T.SMOOTHED:
          this.consume();
          this.setExtended(e, t.type === T.ANCHORED ? 'anchored' : 'smoothed');
          break;
        default:
          return e;
      }
    }
  }

  private parseRangeOrSubquery(e: Expr): Expr {
    const lb = this.consume();
    const range = this.within(CTX_RANGE, () => this.parseDurationExpr(1));
    let t = this.peek();
    this.checkPositive(range);
    if (t.type === T.RIGHT_BRACKET) {
      this.consume();
      let err = '';
      if (e.type !== 'vector') err = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0 || e.offsetExpr !== null) err = 'no offset modifiers allowed before range';
      else if (e.at !== null) err = 'no @ modifiers allowed before range';
      if (err !== '') this.addError({ start: lb.pos, end: this.lastEnd }, err);
      if (e.type !== 'vector') return e;
      const [ms, expr] = durationValue(range);
      const m: MatrixSelector = { type: 'matrix', vectorSelector: e, range: ms, rangeExpr: expr, pos: { start: e.pos.start, end: this.lastEnd } };
      return m;
    }
    if (t.type !== T.COLON) this.unexpected(t, { context: 'subquery or range', expected: '":" or "]"' });
    this.consume();
    let step: DurationExpr | NumberLiteral | null = null;
    t = this.peek();
    if (t.type !== T.RIGHT_BRACKET) {
      step = this.within(CTX_SUBQUERY_STEP, () => this.parseDurationExpr(1));
      t = this.peek();
      this.checkPositive(step);
      if (t.type !== T.RIGHT_BRACKET) this.unexpected(t, { context: 'subquery selector', expected: '"]"' });
    }
    this.consume();
    const [rangeMs, rangeExpr] = durationValue(range);
    const [stepMs, stepExpr] = step === null ? [0, null] : durationValue(step);
    const sq: SubqueryExpr = {
      type: 'subquery',
      expr: e,
      range: rangeMs,
      rangeExpr,
      step: stepMs,
      stepExpr,
      offset: 0,
      offsetExpr: null,
      at: null,
      pos: { start: e.pos.start, end: this.lastEnd },
    };
    return sq;
  }

  private checkPositive(d: DurationExpr | NumberLiteral): void {
    if (d.type === 'number' && !d.wrapped && d.val <= 0) this.addError(d.pos, 'duration must be greater than 0');
  }

  private parseOffset(e: Expr): Expr {
    this.consume();
    const d = this.within(CTX_OFFSET, () => this.parseOffsetDuration());
    let target: VectorSelector | SubqueryExpr;
    if (e.type === 'vector' || e.type === 'subquery') target = e;
    else if (e.type === 'matrix') target = e.vectorSelector;
    else {
      this.addError(e.pos, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return e;
    }
    if (target.offset !== 0 || target.offsetExpr !== null) {
      this.addError(e.pos, 'offset may not be set multiple times');
    } else {
      const [ms, expr] = durationValue(d);
      target.offset = ms;
      target.offsetExpr = expr;
    }
    e.pos = { start: e.pos.start, end: this.lastEnd };
    return e;
  }

  /**
   * The grammar's offset_duration_expr: a single term (literal, step(), range(), min_of/max_of,
   * each optionally signed, or a signed parenthesis), so `x offset 5m + 1` adds 1 to the
   * selector; only a leading "(" lets duration arithmetic continue after it.
   */
  private parseOffsetDuration(): DurationExpr | NumberLiteral {
    const t = this.peek();
    if (t.type === T.ADD || t.type === T.SUB) {
      const next = this.peekType(1);
      if (next === T.NUMBER || next === T.DURATION) {
        this.consume();
        const lit = this.numberLiteral(this.consume());
        if (t.type === T.SUB) lit.val = -lit.val;
        if (durationOutOfRange(lit.val)) {
          this.addError({ start: t.pos, end: t.pos + 1 }, 'duration out of range');
          lit.val = 0;
        }
        lit.pos = { start: t.pos, end: lit.pos.end };
        return lit;
      }
      if (next === T.STEP || next === T.RANGE || next === T.MIN_OF || next === T.MAX_OF) {
        this.consume();
        return this.applyUnary(t, this.parseDurationPrimary(), false);
      }
      if (next === T.LEFT_PAREN) {
        this.consume();
        this.consume();
        const inner = this.parseDurationExpr(1);
        this.expect(T.RIGHT_PAREN);
        return this.applyUnary(t, inner, true);
      }
      this.consume();
      const operand = this.parseDurationExpr(PREC_POW);
      return this.continueDurationExpr(this.applyUnary(t, operand, false), 1);
    }
    if (t.type === T.LEFT_PAREN) return this.continueDurationExpr(this.parseDurationPrimary(), 1);
    return this.parseDurationPrimary();
  }

  private parseDurationExpr(minPrec: number): DurationExpr | NumberLiteral {
    const t = this.peek();
    if (t.type === T.ADD || t.type === T.SUB) {
      this.consume();
      const operand = this.parseDurationExpr(PREC_POW);
      return this.continueDurationExpr(this.applyUnary(t, operand, false), minPrec);
    }
    return this.continueDurationExpr(this.parseDurationPrimary(), minPrec);
  }

  private continueDurationExpr(lhs: DurationExpr | NumberLiteral, minPrec: number): DurationExpr | NumberLiteral {
    for (;;) {
      const opTok = this.peek();
      const prec = durationPrecedence(opTok.type);
      if (prec === 0 || prec < minPrec) return lhs;
      this.consume();
      const rhs = this.parseDurationExpr(opTok.type === T.POW ? prec : prec + 1);
      const isZero = rhs.type === 'number' && !rhs.wrapped && rhs.val === 0;
      if (isZero && (opTok.type === T.DIV || opTok.type === T.MOD)) {
        this.addError({ start: opTok.pos, end: opTok.pos + 1 }, opTok.type === T.DIV ? 'division by zero' : 'modulo by zero');
        lhs = { type: 'number', val: 0, pos: { start: lhs.pos.start, end: rhs.pos.end } };
        continue;
      }
      lhs = { type: 'duration', op: opTok.val, args: [lhs, rhs], wrapped: false, pos: { start: lhs.pos.start, end: rhs.pos.end } };
    }
  }

  private parseDurationPrimary(): DurationExpr | NumberLiteral {
    const t = this.peek();
    switch (t.type) {
      case T.NUMBER:
      case T.DURATION: {
        const lit = this.numberLiteral(this.consume());
        if (durationOutOfRange(lit.val)) {
          this.addError(lit.pos, 'duration out of range');
          lit.val = 0;
        }
        return lit;
      }
      case T.STEP:
      case T.RANGE: {
        this.consume();
        this.expect(T.LEFT_PAREN);
        this.expect(T.RIGHT_PAREN);
        return { type: 'duration', op: t.type === T.STEP ? 'step' : 'range', args: [], wrapped: false, pos: { start: t.pos, end: this.lastEnd } };
      }
      case T.MIN_OF:
      case T.MAX_OF: {
        this.consume();
        this.expect(T.LEFT_PAREN);
        const a = this.parseDurationExpr(1);
        this.expect(T.COMMA);
        const b = this.parseDurationExpr(1);
        this.expect(T.RIGHT_PAREN);
        return { type: 'duration', op: t.type === T.MIN_OF ? 'min_of' : 'max_of', args: [a, b], wrapped: false, pos: { start: t.pos, end: this.lastEnd } };
      }
      case T.LEFT_PAREN: {
        this.consume();
        const inner = this.parseDurationExpr(1);
        this.expect(T.RIGHT_PAREN);
        inner.wrapped = true;
        return inner;
      }
    }
    this.unexpected(t);
  }

  /** Unary +/- on a duration term: folded into a plain literal, else a 'neg' node. */
  private applyUnary(op: Item, e: DurationExpr | NumberLiteral, wrapped: boolean): DurationExpr | NumberLiteral {
    if (wrapped) e.wrapped = true;
    if (e.type === 'duration' || e.wrapped) {
      if (op.type === T.ADD) return e;
      return { type: 'duration', op: 'neg', args: [e], wrapped: false, pos: { start: op.pos, end: e.pos.end } };
    }
    if (op.type === T.SUB) e.val = -e.val;
    if (durationOutOfRange(e.val)) {
      this.addError({ start: op.pos, end: op.pos + 1 }, 'duration out of range');
      return { type: 'number', val: 0, pos: e.pos };
    }
    e.pos = { start: op.pos, end: e.pos.end };
    return e;
  }

  private parseAt(e: Expr): Expr {
    this.consume();
    let at: AtModifier;
    let ts: number | null = null;
    this.contexts.push(CTX_AT);
    const t = this.peek();
    if (t.type === T.START || t.type === T.END) {
      this.consume();
      this.expect(T.LEFT_PAREN);
      this.expect(T.RIGHT_PAREN);
      at = { kind: t.type === T.START ? 'start' : 'end' };
    } else {
      let neg = false;
      let n = t;
      if (t.type === T.ADD || t.type === T.SUB) {
        this.consume();
        neg = t.type === T.SUB;
        n = this.peek();
      }
      if (n.type !== T.NUMBER && n.type !== T.DURATION) this.unexpected(n);
      const v = this.numberLiteral(this.consume()).val;
      ts = neg ? -v : v;
      at = { kind: 'time', ms: Math.sign(ts) * Math.round(Math.abs(ts) * 1000) + 0 };
    }
    this.contexts.pop();
    // float64(MaxInt64) is 2^63: anything at or beyond it does not fit an int64 of ms.
    if (ts !== null && (!Number.isFinite(ts) || ts >= 2 ** 63 || ts <= -(2 ** 63))) {
      this.addError(e.pos, `timestamp out of bounds for @ modifier: ${formatGoFloatF6(ts)}`);
    }
    let target: VectorSelector | SubqueryExpr;
    if (e.type === 'vector' || e.type === 'subquery') target = e;
    else if (e.type === 'matrix') target = e.vectorSelector;
    else {
      this.addError(e.pos, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      return e;
    }
    if (target.at !== null) {
      this.addError(e.pos, '@ <timestamp> may not be set multiple times');
      return e;
    }
    target.at = at;
    e.pos = { start: e.pos.start, end: this.lastEnd };
    return e;
  }

  private setExtended(e: Expr, which: 'anchored' | 'smoothed'): void {
    const other = which === 'anchored' ? 'smoothed' : 'anchored';
    let vs: VectorSelector;
    if (e.type === 'vector') vs = e;
    else if (e.type === 'matrix') vs = e.vectorSelector;
    else if (e.type === 'subquery') {
      this.addError(e.pos, `${which} modifier is not supported for subqueries`);
      return;
    } else {
      this.addError(e.pos, `${which} modifier not implemented`);
      return;
    }
    vs[which] = true;
    if (vs[other]) this.addError(e.pos, 'anchored and smoothed modifiers cannot be used together');
  }

  // --- type checks after parsing (Prometheus's checkAST) ---

  private check(node: Expr): ValueType {
    const typ = typeOf(node);
    switch (node.type) {
      case 'aggregate':
        this.expectType(node.expr, 'vector', 'aggregation expression');
        if (node.op === 'topk' || node.op === 'bottomk' || node.op === 'quantile' || node.op === 'limitk' || node.op === 'limit_ratio') {
          this.expectType(node.param!, 'scalar', 'aggregation parameter');
        }
        if (node.op === 'count_values') this.expectType(node.param!, 'string', 'aggregation parameter');
        break;
      case 'binary':
        this.checkBinary(node);
        break;
      case 'call':
        this.checkCall(node);
        break;
      case 'paren':
        this.check(node.expr);
        break;
      case 'unary': {
        const t = this.check(node.expr);
        if (t !== 'scalar' && t !== 'vector') {
          this.addError(node.pos, `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`);
        }
        break;
      }
      case 'subquery': {
        const t = this.check(node.expr);
        if (t !== 'vector') this.addError(node.pos, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case 'matrix':
        this.check(node.vectorSelector);
        break;
      case 'vector':
        this.checkVectorSelector(node);
        break;
    }
    return typ;
  }

  private expectType(node: Expr, want: ValueType, context: string): void {
    const t = this.check(node);
    if (t !== want) this.addError(node.pos, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
  }

  private checkBinary(n: BinaryExpr): void {
    const lt = this.check(n.lhs);
    const rt = this.check(n.rhs);
    const opRange = (): PosRange => {
      let start = n.lhs.pos.end;
      while (start < this.input.length && ws(this.input.charCodeAt(start))) start++;
      let end = n.rhs.pos.start - 1;
      while (end > 0 && ws(this.input.charCodeAt(end))) end--;
      return { start, end };
    };
    const comparison = n.op === '==' || n.op === '!=' || n.op === '<' || n.op === '<=' || n.op === '>' || n.op === '>=';
    const setOp = n.op === 'and' || n.op === 'or' || n.op === 'unless';
    const m = n.matching!;
    if (n.returnBool && !comparison) this.addError(opRange(), 'bool modifier can only be used on comparison operators');
    if (comparison && !n.returnBool && typeOf(n.rhs) === 'scalar' && typeOf(n.lhs) === 'scalar') {
      this.addError(opRange(), 'comparisons between scalars must use BOOL modifier');
    }
    if (setOp && m.card === 'one-to-one') m.card = 'many-to-many';
    if (m.on) {
      for (const l1 of m.matchingLabels) {
        for (const l2 of m.include) {
          if (l1 === l2) this.addError(opRange(), `label ${goQuote(l1)} must not occur in ON and GROUP clause at once`);
        }
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') this.addError(n.lhs.pos, 'binary expression must contain only scalar and instant vector types');
    if (rt !== 'scalar' && rt !== 'vector') this.addError(n.rhs.pos, 'binary expression must contain only scalar and instant vector types');
    const filled = n.fillLeft !== null || n.fillRight !== null;
    if (lt !== 'vector' || rt !== 'vector') {
      if (m.matchingLabels.length > 0) this.addError(n.pos, 'vector matching only allowed between instant vectors');
      if (filled) this.addError(n.pos, 'filling in missing series only allowed between instant vectors');
      n.matching = null;
    } else if (setOp) {
      if (m.card === 'one-to-many' || m.card === 'many-to-one') this.addError(n.pos, `no grouping allowed for ${goQuote(n.op)} operation`);
      if (m.card !== 'many-to-many') this.addError(n.pos, 'set operations must always be many-to-many');
      if (filled) this.addError(n.pos, 'filling in missing series not allowed for set operators');
    }
    if ((lt === 'scalar' || rt === 'scalar') && setOp) this.addError(n.pos, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
  }

  private checkCall(n: Call): void {
    const f = n.func;
    const nargs = f.argTypes.length;
    if (f.variadic === 0) {
      if (nargs !== n.args.length) this.addError(n.pos, `expected ${nargs} argument(s) in call to ${goQuote(f.name)}, got ${n.args.length}`);
    } else {
      const na = nargs - 1;
      if (na > n.args.length) {
        this.addError(n.pos, `expected at least ${na} argument(s) in call to ${goQuote(f.name)}, got ${n.args.length}`);
      } else if (f.variadic > 0 && na + f.variadic < n.args.length) {
        this.addError(n.pos, `expected at most ${na + f.variadic} argument(s) in call to ${goQuote(f.name)}, got ${n.args.length}`);
      }
    }
    if (f.name === 'info' && n.args.length > 1) {
      const a = n.args[1]!;
      const t = typeOf(a);
      if (t !== 'vector') this.addError(n.pos, `expected type instant vector in call to function "info", got ${documentedType(t)}`);
      if (a.type === 'vector' && a.name !== '') this.addError(a.pos, 'expected label selectors only, got vector selector instead');
      else if (a.type === 'vector') this.bypassEmptyMatcherCheck.add(a);
      else this.addError(a.pos, 'expected label selectors only');
    }
    for (let i = 0; i < n.args.length; i++) {
      let j = i;
      if (i >= nargs) {
        if (f.variadic === 0) break;
        j = nargs - 1;
      }
      const arg = n.args[i]!;
      const t = this.check(arg);
      const want = f.argTypes[j]!;
      if (t !== want) this.addError(arg.pos, `expected type ${documentedType(want)} in call to function ${goQuote(f.name)}, got ${documentedType(t)}`);
    }
  }

  private checkVectorSelector(n: VectorSelector): void {
    if (n.name !== '') {
      // The last matcher is the one for the name outside the braces.
      for (let i = 0; i < n.matchers.length - 1; i++) {
        const m = n.matchers[i]!;
        if (m.name === '__name__') this.addError(n.pos, `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`);
      }
      return;
    }
    if (this.bypassEmptyMatcherCheck.has(n)) return;
    // An implicit selection of every series (a typo such as {job=~".*"}) is refused.
    if (!n.matchers.some((m) => !m.matches(''))) this.addError(n.pos, 'vector selector must contain at least one non-empty matcher');
  }
}

function documentedType(t: ValueType): string {
  if (t === 'vector') return 'instant vector';
  if (t === 'matrix') return 'range vector';
  return t;
}

/** A range/offset/step as parsed: a fixed number of ms, or an expression resolved per query. */
function durationValue(d: DurationExpr | NumberLiteral): [number, DurationExpr | null] {
  return d.type === 'number' ? [secondsToMs(d.val), null] : [0, d];
}

/** Go's %f (six decimals), including its spelling of infinities. */
function formatGoFloatF6(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return `${BigInt(v).toString()}.000000`;
}
