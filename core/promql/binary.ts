// Binary operators for one evaluation step, after Prometheus's VectorBinop, VectorscalarBinop and
// the set operators: vector matching by signature, group_left/right, bool, fill modifiers, and
// its exact error texts for ambiguous matches.
import { compareStrings, getLabel, LABEL_SEP, labelsKey, LabelsBuilder, METRIC_NAME, type Labels } from '../model/labels.js';
import type { BinaryExpr, BinaryOp, ValueType, VectorMatching } from './ast.js';
import { type FloatHistogram, HistogramError } from '../model/histogram.js';
import { goAtan2, goMod, goPow } from './gomath.js';
import { goQuote } from './lexer.js';
import { QueryError, type Sample, type Vector } from './value.js';

/** Where a step's annotation goes (the evaluator), with the expression's position. */
export interface BinaryNotes {
  warn(msg: string, pos: { start: number }): void;
  info(msg: string, pos: { start: number }): void;
}

/**
 * What went wrong for one pair of samples, as Prometheus's vectorElemBinop reports it: an
 * annotation to show, or histograms whose bucket layouts cannot be combined.
 */
type ElemProblem = { level: 'warn' | 'info'; msg: string } | { level: 'layout' };

interface ElemResult {
  f: number;
  h?: FloatHistogram;
  keep: boolean;
  /** Reported, and the sample dropped. */
  err?: ElemProblem;
  /** Reported; the sample stays. */
  info?: ElemProblem;
}


function incompatibleTypes(op: BinaryOp, lt: string, rt: string): ElemResult {
  return { f: 0, keep: false, err: { level: 'info', msg: `incompatible sample types encountered for binary operator ${goQuote(op)}: ${lt} ${op} ${rt}` } };
}

/** Prometheus's vectorElemBinop: floats, histograms, or one of each. */
function elemBinop(op: BinaryOp, lf: number, rf: number, lh: FloatHistogram | undefined, rh: FloatHistogram | undefined): ElemResult {
  if (!lh && !rh) {
    if (op === '</' || op === '>/') return incompatibleTypes(op, 'float', 'float');
    const [f, keep] = elem(op, lf, rf);
    return { f, keep };
  }
  if (!lh) {
    if (op === '*') return { f: 0, h: rh!.copy().mul(lf).compact(0), keep: true };
    return incompatibleTypes(op, 'float', 'histogram');
  }
  if (!rh) {
    switch (op) {
      case '*':
        return { f: 0, h: lh.copy().mul(rf).compact(0), keep: true };
      case '/':
        return { f: 0, h: lh.copy().div(rf).compact(0), keep: true };
      case '</':
        return { f: 0, h: lh.copy().trimBuckets(rf, true), keep: true };
      case '>/':
        return { f: 0, h: lh.copy().trimBuckets(rf, false), keep: true };
      default:
        return incompatibleTypes(op, 'histogram', 'float');
    }
  }
  switch (op) {
    case '+':
    case '-': {
      const res = lh.copy();
      let r;
      try {
        r = op === '+' ? res.add(rh) : res.sub(rh);
      } catch (err) {
        if (err instanceof HistogramError) return { f: 0, keep: false, err: err.is('incompatibleSchema') ? { level: 'layout' } : undefined };
        throw err;
      }
      const operation = op === '+' ? 'addition' : 'subtraction';
      if (op === '-') res.counterResetHint = 'gauge';
      const out: ElemResult = { f: 0, h: res.compact(0), keep: true };
      if (r.nhcbBoundsReconciled) out.info = { level: 'info', msg: `mismatched custom buckets were reconciled during ${operation}` };
      if (r.counterResetCollision) out.err = { level: 'warn', msg: `conflicting counter resets during histogram ${operation}` };
      return out;
    }
    case '==':
      return { f: 0, h: lh, keep: lh.equals(rh) };
    case '!=':
      return { f: 0, h: lh, keep: !lh.equals(rh) };
    default:
      return incompatibleTypes(op, 'histogram', 'histogram');
  }
}

function report(notes: BinaryNotes, e: BinaryExpr, p: ElemProblem | undefined): void {
  if (!p) return;
  if (p.level === 'layout') notes.warn(`incompatible bucket layout encountered for binary operator ${e.op}`, e.pos);
  else if (p.level === 'warn') notes.warn(p.msg, e.pos);
  else notes.info(p.msg, e.pos);
}

const NO_LABELS: Labels = [];
const ARITHMETIC = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);
const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

/** The value of `a op b` and whether a comparison holds. */
function elem(op: BinaryOp, a: number, b: number): [number, boolean] {
  switch (op) {
    case '+':
      return [a + b, true];
    case '-':
      return [a - b, true];
    case '*':
      return [a * b, true];
    case '/':
      return [a / b, true];
    case '%':
      return [goMod(a, b), true];
    case '^':
      return [goPow(a, b), true];
    case 'atan2':
      return [goAtan2(a, b), true];
    case '==':
      return [a, a === b];
    case '!=':
      return [a, a !== b];
    case '>':
      return [a, a > b];
    case '<':
      return [a, a < b];
    case '>=':
      return [a, a >= b];
    case '<=':
      return [a, a <= b];
    default:
      throw new QueryError('execution', `operator "${op}" not allowed for scalar operations`);
  }
}

export function scalarBinary(op: BinaryOp, a: number, b: number, returnBool: boolean): number {
  const [v, keep] = elem(op, a, b);
  if (COMPARISON.has(op)) return returnBool ? (keep ? 1 : 0) : keep ? v : NaN;
  return v;
}

// One default matching object per expression, so the memoization above can key on it.
const defaults = new WeakMap<BinaryExpr, VectorMatching>();
function defaultMatching(e: BinaryExpr): VectorMatching {
  let m = defaults.get(e);
  if (!m) defaults.set(e, (m = { card: 'one-to-one', matchingLabels: [], on: false, include: [] }));
  return m;
}

export function binaryOp(e: BinaryExpr, l: Vector | number, r: Vector | number, lt: ValueType, rt: ValueType, notes: BinaryNotes): Vector {
  if (lt === 'scalar') return vectorScalar(e, r as Vector, l as number, true, notes);
  if (rt === 'scalar') return vectorScalar(e, l as Vector, r as number, false, notes);
  const lhs = l as Vector;
  const rhs = r as Vector;
  const matching = e.matching ?? defaultMatching(e);
  switch (e.op) {
    case 'and':
      return setAnd(lhs, rhs, matching);
    case 'or':
      return setOr(lhs, rhs, matching);
    case 'unless':
      return setUnless(lhs, rhs, matching);
    default:
      return vectorBinop(e, lhs, rhs, matching, notes);
  }
}

function vectorScalar(e: BinaryExpr, vec: Vector, scalar: number, swap: boolean, notes: BinaryNotes): Vector {
  const out: Vector = [];
  const cmp = COMPARISON.has(e.op);
  const drop = e.returnBool || ARITHMETIC.has(e.op);
  let last: ElemProblem | undefined;
  for (const s of vec) {
    const lv = swap ? scalar : s.f;
    const rv = swap ? s.f : scalar;
    let v: number;
    let h: FloatHistogram | undefined;
    let keep: boolean;
    if (s.h) {
      const r = swap ? elemBinop(e.op, lv, rv, undefined, s.h) : elemBinop(e.op, lv, rv, s.h, undefined);
      // Prometheus drops the sample on an error here, but lets warnings pass unreported.
      if (r.err && r.err.level !== 'warn') {
        last = r.err;
        continue;
      }
      ({ f: v, h, keep } = r);
    } else {
      [v, keep] = elem(e.op, lv, rv);
      if (e.op === '</' || e.op === '>/') {
        last = incompatibleTypes(e.op, 'float', 'float').err;
        continue;
      }
    }
    // A comparison keeps the vector's value even when the scalar is on the left.
    if (cmp && swap) {
      v = rv;
      h = s.h;
    }
    if (e.returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push(h ? { metric: s.metric, t: s.t, f: 0, h, dropName: drop || s.dropName } : { metric: s.metric, t: s.t, f: v, dropName: drop || s.dropName });
  }
  report(notes, e, last);
  return out;
}

// A binary expression runs once per step over mostly the same series: signatures and result label
// sets are memoized per label-set object for the life of the query (keyed by the AST node).
const signatures = new WeakMap<VectorMatching, (m: Labels) => string>();
const results = new WeakMap<VectorMatching, Map<Labels, Map<Labels, Labels>>>();

function signature(matching: VectorMatching): (m: Labels) => string {
  let f = signatures.get(matching);
  if (!f) {
    const compute = signatureOf(matching);
    const memo = new Map<Labels, string>();
    f = (m) => {
      let k = memo.get(m);
      if (k === undefined) memo.set(m, (k = compute(m)));
      return k;
    };
    signatures.set(matching, f);
  }
  return f;
}

function cachedResultMetric(lhs: Labels, rhs: Labels, matching: VectorMatching): Labels {
  let byLhs = results.get(matching);
  if (!byLhs) results.set(matching, (byLhs = new Map()));
  let byRhs = byLhs.get(lhs);
  if (!byRhs) byLhs.set(lhs, (byRhs = new Map()));
  let m = byRhs.get(rhs);
  if (!m) byRhs.set(rhs, (m = resultMetric(lhs, rhs, matching)));
  return m;
}

/** The signature two samples match on: the on() labels, or all but the ignoring() labels and the name. */
function signatureOf(matching: VectorMatching): (m: Labels) => string {
  if (matching.on) {
    const names = [...matching.matchingLabels].sort();
    return (m) => {
      let s = '';
      for (const n of names) s += `${n}${LABEL_SEP}${getLabel(m, n)}${LABEL_SEP}`;
      return s;
    };
  }
  const ignored = new Set([...matching.matchingLabels, METRIC_NAME]);
  return (m) => {
    let s = '';
    for (const l of m) if (!ignored.has(l.name)) s += `${l.name}${LABEL_SEP}${l.value}${LABEL_SEP}`;
    return s;
  };
}

function setAnd(lhs: Vector, rhs: Vector, matching: VectorMatching): Vector {
  const sig = signature(matching);
  const right = new Set(rhs.map((s) => sig(s.metric)));
  return lhs.filter((s) => right.has(sig(s.metric)));
}

function setOr(lhs: Vector, rhs: Vector, matching: VectorMatching): Vector {
  const sig = signature(matching);
  const left = new Set(lhs.map((s) => sig(s.metric)));
  return [...lhs, ...rhs.filter((s) => !left.has(sig(s.metric)))];
}

function setUnless(lhs: Vector, rhs: Vector, matching: VectorMatching): Vector {
  const sig = signature(matching);
  const right = new Set(rhs.map((s) => sig(s.metric)));
  return lhs.filter((s) => !right.has(sig(s.metric)));
}

/** Prometheus's labels.MatchLabels(on, names): the labels two sides match on. */
function matchGroupLabels(m: Labels, matching: VectorMatching): Labels {
  return matching.on ? m.filter((l) => matching.matchingLabels.includes(l.name)) : m.filter((l) => !matching.matchingLabels.includes(l.name) && l.name !== METRIC_NAME);
}

function labelString(m: Labels): string {
  return `{${m.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

function vectorBinop(e: BinaryExpr, lhsIn: Vector, rhsIn: Vector, matching: VectorMatching, notes: BinaryNotes): Vector {
  if (matching.card === 'many-to-many') throw new QueryError('execution', 'many-to-many only allowed for set operators');
  const fillL = e.fillLeft;
  const fillR = e.fillRight;
  if ((lhsIn.length === 0 || rhsIn.length === 0) && fillL === null && fillR === null) return [];
  const swapped = matching.card === 'one-to-many';
  // The "one" side goes right; values are swapped back when computed.
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const sig = signature(matching);
  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const key = sig(rs.metric);
    const dup = rightSigs.get(key);
    if (dup) {
      throw new QueryError(
        'execution',
        `found duplicate series for the match group ${labelString(matchGroupLabels(rs.metric, matching))} on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${[labelString(rs.metric), labelString(dup.metric)].sort(compareStrings).join(', ')}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(key, rs);
  }
  const drop = e.returnBool || ARITHMETIC.has(e.op);
  const matched = new Map<string, Set<string> | null>();
  const usedRight = new Set<string>();
  const out: Vector = [];
  // Fill values apply to the sides as matched, after group_right's swap: fill_left stands in
  // for a missing (internal) left sample, fill_right for a missing right one.
  // Prometheus reports only the last problem of a step.
  let last: ElemProblem | undefined;
  const emit = (ls: Sample | null, rs: Sample | null, key: string) => {
    const lv = ls ? ls.f : fillL!;
    const rv = rs ? rs.f : fillR!;
    const lh = ls?.h;
    const rh = rs?.h;
    let v: number;
    let h: FloatHistogram | undefined;
    let keep: boolean;
    if (lh || rh || e.op === '</' || e.op === '>/') {
      const r = swapped ? elemBinop(e.op, rv, lv, rh, lh) : elemBinop(e.op, lv, rv, lh, rh);
      if (r.err) {
        last = r.err;
        return;
      }
      if (r.info) last = r.info;
      ({ f: v, h, keep } = r);
    } else {
      const [a, b] = swapped ? [rv, lv] : [lv, rv];
      [v, keep] = elem(e.op, a, b);
    }
    if (e.returnBool) {
      v = keep ? 1 : 0;
      h = undefined;
      keep = true;
    }
    // A result with no left sample is named by its match group alone.
    const metric = ls ? cachedResultMetric(ls.metric, rs?.metric ?? NO_LABELS, matching) : matchGroupLabels(rs!.metric, matching);
    const inserted = matched.get(key);
    if (matching.card === 'one-to-one') {
      if (inserted !== undefined) throw new QueryError('execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(key, null);
    } else {
      const mk = labelsKey(metric);
      if (inserted === undefined) matched.set(key, new Set([mk]));
      else if (inserted!.has(mk)) throw new QueryError('execution', 'multiple matches for labels: grouping labels must ensure unique results');
      else inserted!.add(mk);
    }
    // Matches count even where a comparison then drops the sample, as in Prometheus.
    if (!keep) return;
    const dropName = drop || (ls ?? rs)!.dropName;
    out.push(h ? { metric, t: 0, f: 0, h, dropName } : { metric, t: 0, f: v, dropName });
  };
  for (const ls of lhs) {
    const key = sig(ls.metric);
    const rs = rightSigs.get(key);
    if (!rs) {
      if (fillR !== null) emit(ls, null, key);
      continue;
    }
    usedRight.add(key);
    emit(ls, rs, key);
  }
  if (fillL !== null) {
    for (const [key, rs] of rightSigs) if (!usedRight.has(key)) emit(null, rs, key);
  }
  report(notes, e, last);
  return out;
}

function resultMetric(lhs: Labels, rhs: Labels, matching: VectorMatching): Labels {
  const b = new LabelsBuilder(lhs);
  if (matching.card === 'one-to-one') {
    if (matching.on) {
      const keep = new Set(matching.matchingLabels);
      for (const n of b.names()) if (!keep.has(n)) b.del(n);
    } else {
      for (const n of matching.matchingLabels) b.del(n);
    }
  }
  for (const n of matching.include) {
    const v = getLabel(rhs, n);
    if (v !== '') b.set(n, v);
    else b.del(n);
  }
  return b.labels();
}
