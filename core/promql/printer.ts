// Prometheus's canonical text of an expression (promql/parser/printer.go, Expr.String()): what
// /api/v1/format_query returns and what the test runner re-parses after adding `@` modifiers.
// Number and duration spellings follow Go's formatting (strconv 'f' -1, %v, model.Duration).
import type { Matcher } from '../model/matchers.js';
import type { AggregateExpr, AtModifier, BinaryExpr, DurationExpr, Expr, NumberLiteral, VectorSelector } from './ast.js';
import { goQuote } from './lexer.js';

export function formatExpr(e: Expr): string {
  switch (e.type) {
    case 'aggregate':
      return formatAggregate(e);
    case 'binary':
      return `${formatExpr(e.lhs)} ${e.op}${e.returnBool ? ' bool' : ''}${matchingString(e)} ${formatExpr(e.rhs)}`;
    case 'call':
      return `${e.func.name}(${e.args.map(formatExpr).join(', ')})`;
    case 'matrix': {
      const vs = e.vectorSelector;
      const range = e.rangeExpr !== null ? formatDurationExpr(e.rangeExpr) : formatDurationMs(e.range);
      const ext = vs.anchored ? ' anchored' : vs.smoothed ? ' smoothed' : '';
      return `${selectorString(vs)}[${range}]${ext}${atString(vs.at)}${offsetString(vs.offset, vs.offsetExpr)}`;
    }
    case 'subquery': {
      const range = e.rangeExpr !== null ? formatDurationExpr(e.rangeExpr) : formatDurationMs(e.range);
      const step = e.step !== 0 ? formatDurationMs(e.step) : e.stepExpr !== null ? formatDurationExpr(e.stepExpr) : '';
      return `${formatExpr(e.expr)}[${range}:${step}]${atString(e.at)}${offsetString(e.offset, e.offsetExpr)}`;
    }
    case 'number':
      return formatNumberLiteral(e);
    case 'string':
      return goQuote(e.val);
    case 'paren':
      return `(${formatExpr(e.expr)})`;
    case 'unary':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'vector': {
      const ext = e.anchored ? ' anchored' : e.smoothed ? ' smoothed' : '';
      return `${selectorString(e)}${atString(e.at)}${ext}${offsetString(e.offset, e.offsetExpr)}`;
    }
    case 'duration':
      return formatDurationExpr(e);
  }
}

function formatAggregate(e: AggregateExpr): string {
  let s: string = e.op;
  if (e.without) s += ` without (${labelList(e.grouping)}) `;
  else if (e.grouping.length > 0) s += ` by (${labelList(e.grouping)}) `;
  const param = e.param !== null ? `${formatExpr(e.param)}, ` : '';
  return `${s}(${param}${formatExpr(e.expr)})`;
}

function matchingString(e: BinaryExpr): string {
  let s = '';
  const m = e.matching;
  if (m !== null) {
    const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
    if (m.matchingLabels.length > 0 || m.on || grouped) s += ` ${m.on ? 'on' : 'ignoring'} (${labelList(m.matchingLabels)})`;
    if (grouped) s += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${labelList(m.include)})`;
  }
  if (e.fillLeft !== null && e.fillRight !== null && Object.is(e.fillLeft, e.fillRight)) {
    s += ` fill (${formatGoV(e.fillLeft)})`;
  } else {
    if (e.fillLeft !== null) s += ` fill_left (${formatGoV(e.fillLeft)})`;
    if (e.fillRight !== null) s += ` fill_right (${formatGoV(e.fillRight)})`;
  }
  return s;
}

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelList(names: readonly string[]): string {
  return names.map((n) => (LEGACY_NAME.test(n) ? n : goQuote(n))).join(', ');
}

/** The selector without modifiers: name{sorted matchers}, the name matcher folded into the name. */
function selectorString(vs: VectorSelector): string {
  const parts: string[] = [];
  for (const m of vs.matchers) {
    if (m.name === '__name__' && m.type === '=' && m.value === vs.name && m.value !== '') continue;
    parts.push(matcherString(m));
  }
  if (parts.length === 0) return vs.name;
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `${vs.name}{${parts.join(',')}}`;
}

/** labels.Matcher.String(): names that are not legacy identifiers are quoted. */
export function matcherString(m: Matcher): string {
  const name = LEGACY_NAME.test(m.name) ? m.name : goQuote(m.name);
  return `${name}${m.type}${goQuote(m.value)}`;
}

function atString(at: AtModifier | null): string {
  if (at === null) return '';
  if (at.kind === 'start') return ' @ start()';
  if (at.kind === 'end') return ' @ end()';
  return ` @ ${(at.ms / 1000).toFixed(3)}`;
}

function offsetString(ms: number, expr: DurationExpr | null): string {
  if (expr !== null) return ` offset ${formatDurationExpr(expr)}`;
  if (ms > 0) return ` offset ${formatDurationMs(ms)}`;
  if (ms < 0) return ` offset -${formatDurationMs(-ms)}`;
  return '';
}

function formatDurationExpr(e: DurationExpr | NumberLiteral): string {
  if (e.type === 'number') return formatNumberLiteral(e);
  let s: string;
  switch (e.op) {
    case 'step':
    case 'range':
      s = `${e.op}()`;
      break;
    case 'min_of':
    case 'max_of':
      s = `${e.op}(${formatDurationExpr(e.args[0]!)}, ${formatDurationExpr(e.args[1]!)})`;
      break;
    case 'neg':
      s = `-${formatDurationExpr(e.args[0]!)}`;
      break;
    default:
      s = `${formatDurationExpr(e.args[0]!)} ${e.op} ${formatDurationExpr(e.args[1]!)}`;
  }
  return e.wrapped ? `(${s})` : s;
}

function formatNumberLiteral(e: NumberLiteral): string {
  let s: string;
  if (e.duration) {
    // model.Duration(val * 1e9): seconds to int64 nanoseconds (truncating), printed to the ms.
    const neg = e.val < 0;
    const ns = BigInt(Math.trunc(Math.abs(e.val) * 1e9));
    s = (neg ? '-' : '') + formatDurationMs(Number(ns / 1_000_000n));
  } else {
    s = formatGoFloat(e.val);
  }
  return e.wrapped ? `(${s})` : s;
}

const DURATION_UNITS: [string, number, boolean][] = [
  ['y', 365 * 24 * 3600 * 1000, true],
  ['w', 7 * 24 * 3600 * 1000, true],
  ['d', 24 * 3600 * 1000, false],
  ['h', 3600 * 1000, false],
  ['m', 60 * 1000, false],
  ['s', 1000, false],
  ['ms', 1, false],
];

/**
 * model.Duration.String(): "1h30m", "5m", "0s". Years and weeks only when they divide exactly,
 * because 90d reads better than 12w6d.
 */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let sign = '';
  if (ms < 0) {
    sign = '-';
    ms = -ms;
  }
  let s = '';
  for (const [unit, mult, exact] of DURATION_UNITS) {
    if (exact && ms % mult !== 0) continue;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      s += `${v}${unit}`;
      ms -= v * mult;
    }
  }
  return sign + s;
}

/** strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!s.includes('e')) return s;
  if (Number.isInteger(v)) return BigInt(v).toString();
  // Tiny numbers: JS writes 1.5e-7, Go 0.00000015.
  const [mant, exp] = s.split('e') as [string, string];
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const zeros = -Number(exp) - 1;
  return `${neg ? '-' : ''}0.${'0'.repeat(zeros)}${digits}`;
}

/** fmt's %v of a float64: %g with the shortest digits, so an exponent below 1e-4 and from 1e6 on. */
export function formatGoV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return formatGoFloat(v);
}
