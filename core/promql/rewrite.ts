// Rewrites of a parsed query that keep its meaning, for the conformance runner's step-invariance
// check (Prometheus's promqltest adds `@ T` to every selector and subquery and expects the same
// answer at any evaluation time).
import type { Expr } from './ast.js';
import { parseExpr } from './parser.js';
import { formatExpr } from './printer.js';

// Functions whose value depends on the evaluation time itself, not only on the data selected.
const TIME_DEPENDENT = new Set(['time', 'timestamp', 'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year', 'predict_linear', 'start', 'end', 'range', 'step']);

function usesTime(e: Expr): boolean {
  switch (e.type) {
    case 'call':
      return TIME_DEPENDENT.has(e.func.name) || e.args.some(usesTime);
    case 'aggregate':
      return usesTime(e.expr) || (e.param !== null && usesTime(e.param));
    case 'binary':
      return usesTime(e.lhs) || usesTime(e.rhs);
    case 'paren':
    case 'unary':
    case 'subquery':
      return usesTime(e.expr);
    case 'duration':
      return e.op === 'step' || e.op === 'range' || e.args.some((a) => a.type === 'duration' && usesTime(a));
    case 'matrix':
      return (e.rangeExpr !== null && usesTime(e.rangeExpr)) || (e.vectorSelector.offsetExpr !== null && usesTime(e.vectorSelector.offsetExpr));
    case 'vector':
      return e.offsetExpr !== null && usesTime(e.offsetExpr);
    default:
      return false;
  }
}

function pinAt(e: Expr, ms: number): void {
  switch (e.type) {
    case 'vector':
      e.at ??= { kind: 'time', ms };
      return;
    case 'matrix':
      e.vectorSelector.at ??= { kind: 'time', ms };
      return;
    case 'subquery':
      // Selectors inside a subquery keep following its steps (as in Prometheus's runner).
      e.at ??= { kind: 'time', ms };
      return;
    case 'call':
      for (const a of e.args) pinAt(a, ms);
      return;
    case 'aggregate':
      pinAt(e.expr, ms);
      if (e.param) pinAt(e.param, ms);
      return;
    case 'binary':
      pinAt(e.lhs, ms);
      pinAt(e.rhs, ms);
      return;
    case 'paren':
    case 'unary':
      pinAt(e.expr, ms);
      return;
    default:
      return;
  }
}

/** The query with `@ <t>` on every selector and subquery lacking one, or null where time matters. */
export function pinToTime(query: string, ms: number): string | null {
  const e = parseExpr(query);
  if (usesTime(e)) return null;
  pinAt(e, ms);
  return formatExpr(e);
}
