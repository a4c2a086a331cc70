// The PromQL syntax tree, after Prometheus's promql/parser/ast.go. The parser builds it and knows
// nothing of evaluation; the engine walks it. Positions are 0-based offsets into the query text.
import type { Matcher } from '../model/matchers.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string' | 'none';

export interface PosRange {
  start: number;
  end: number;
}

export type AggregateOp = 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'count_values' | 'quantile' | 'limitk' | 'limit_ratio';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
/** Native-histogram trim operators (Prometheus 3.x): `h </ x` drops observations above x, `>/` below. */
export type TrimOp = '</' | '>/';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;

/** A function's signature, as the parser checks calls against it. */
export interface FunctionDef {
  name: string;
  argTypes: ValueType[];
  /** 0: exactly argTypes.length args; n > 0: up to n more of the last type; -1: unlimited. */
  variadic: number;
  returnType: ValueType;
  experimental?: boolean;
}

export type Expr =
  | AggregateExpr
  | BinaryExpr
  | Call
  | MatrixSelector
  | SubqueryExpr
  | NumberLiteral
  | StringLiteral
  | ParenExpr
  | UnaryExpr
  | VectorSelector
  | DurationExpr;

export interface AggregateExpr {
  type: 'aggregate';
  op: AggregateOp;
  expr: Expr;
  /** topk/bottomk/limitk/limit_ratio/quantile/count_values parameter. */
  param: Expr | null;
  grouping: string[];
  /** `without (...)`; false for `by (...)` or no clause. */
  without: boolean;
  pos: PosRange;
}

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** Labels of on()/ignoring(). */
  matchingLabels: string[];
  /** on() rather than ignoring(). */
  on: boolean;
  /** group_left/group_right extra labels. */
  include: string[];
}

export interface BinaryExpr {
  type: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** Null between scalars and where no vector matching applies. */
  matching: VectorMatching | null;
  /** The `bool` modifier of comparisons. */
  returnBool: boolean;
  /** fill()/fill_left()/fill_right() modifiers: the value for a missing side, or null. */
  fillLeft: number | null;
  fillRight: number | null;
  pos: PosRange;
}

export interface Call {
  type: 'call';
  func: FunctionDef;
  args: Expr[];
  pos: PosRange;
}

/** `@` modifier: a fixed time in ms, or start()/end() resolved by the engine. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface VectorSelector {
  type: 'vector';
  /** The metric name if given as `name{...}` (also present as a __name__ matcher). */
  name: string;
  matchers: Matcher[];
  /** Offset in ms (negative allowed); `offsetExpr` when given as a duration expression. */
  offset: number;
  offsetExpr: DurationExpr | null;
  at: AtModifier | null;
  /** Extended range selectors (`x[5m] anchored`, `x smoothed`); absent means false. */
  anchored?: boolean;
  smoothed?: boolean;
  pos: PosRange;
}

export interface MatrixSelector {
  type: 'matrix';
  vectorSelector: VectorSelector;
  /** Range in ms; `rangeExpr` when given as a duration expression such as [5m+step()]. */
  range: number;
  rangeExpr: DurationExpr | null;
  pos: PosRange;
}

export interface SubqueryExpr {
  type: 'subquery';
  expr: Expr;
  range: number;
  rangeExpr: DurationExpr | null;
  /** 0 = the default evaluation interval. */
  step: number;
  stepExpr: DurationExpr | null;
  offset: number;
  offsetExpr: DurationExpr | null;
  at: AtModifier | null;
  pos: PosRange;
}

export interface NumberLiteral {
  type: 'number';
  val: number;
  /** Written as a duration (`5m`): printed back as one. Absent means false. */
  duration?: boolean;
  /** Parenthesised inside a duration expression (`[(5m)+1m]`): printed back with parentheses. */
  wrapped?: boolean;
  pos: PosRange;
}

export interface StringLiteral {
  type: 'string';
  val: string;
  pos: PosRange;
}

export interface ParenExpr {
  type: 'paren';
  expr: Expr;
  pos: PosRange;
}

export interface UnaryExpr {
  type: 'unary';
  op: '+' | '-';
  expr: Expr;
  pos: PosRange;
}

/**
 * A duration expression (Prometheus 3.x): arithmetic over durations and numbers inside `[...]`,
 * after `offset`, and as subquery steps; `step()`, `range()`, `min_of()`, `max_of()` among others.
 * Leaves are NumberLiteral (seconds, durations already converted) or these nodes; the engine
 * resolves it to ms at evaluation time (step() and range() depend on the query).
 */
export interface DurationExpr {
  type: 'duration';
  /** Binary: '+', '-', '*', '/', '%', '^'; unary minus: 'neg'; functions: their name. */
  op: string;
  args: (DurationExpr | NumberLiteral)[];
  /** Written in parentheses (affects how Prometheus prints it back). */
  wrapped: boolean;
  pos: PosRange;
}

/** The type an expression evaluates to (Prometheus's Expr.Type()). */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'aggregate':
    case 'vector':
      return 'vector';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'call':
      return e.func.returnType;
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'number':
    case 'duration':
      return 'scalar';
    case 'string':
      return 'string';
    case 'paren':
    case 'unary':
      return typeOf(e.expr);
  }
}

/** The child expressions of a node, in evaluation order. */
export function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'aggregate':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'binary':
      return [e.lhs, e.rhs];
    case 'call':
      return e.args;
    case 'matrix':
      return [e.vectorSelector];
    case 'subquery':
    case 'paren':
    case 'unary':
      return [e.expr];
    default:
      return [];
  }
}

/**
 * Selectors whose histograms are only ever read for their count and sum (Prometheus's
 * detectHistogramStatsDecoding): under histogram_count/sum/avg with no subquery, bucket-reading
 * function or trim operator in between. Those read histograms without buckets, and with counter
 * resets detected as they are read.
 */
export function histogramStatsSelectors(root: Expr): Set<VectorSelector> {
  const out = new Set<VectorSelector>();
  const visit = (e: Expr, path: Expr[]) => {
    if (e.type === 'vector') {
      let skip = false;
      for (let i = path.length - 1; i >= 0; i--) {
        const p = path[i]!;
        if (p.type === 'subquery') {
          skip = false;
          break;
        }
        if (p.type === 'call') {
          const name = p.func.name;
          if (name === 'histogram_count' || name === 'histogram_sum' || name === 'histogram_avg') skip = true;
          else if (name === 'histogram_quantile' || name === 'histogram_quantiles' || name === 'histogram_fraction') {
            skip = false;
            break;
          }
        }
        if (p.type === 'binary' && (p.op === '</' || p.op === '>/')) {
          skip = false;
          break;
        }
      }
      if (skip) out.add(e);
      return;
    }
    path.push(e);
    for (const c of children(e)) visit(c, path);
    path.pop();
  };
  visit(root, []);
  return out;
}
