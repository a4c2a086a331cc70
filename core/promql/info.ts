// info(v [, data-label-selector]): Prometheus 3's join of series with the data labels of their
// info metrics (target_info by default), matched on the identifying labels instance and job, as
// promql/info.go does it.
import { compareStrings, getLabel, labelsKey, METRIC_NAME, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matchers.js';
import { children, type AtModifier, type Call, type Expr, type VectorSelector } from './ast.js';
import type { Evaluator } from './engine.js';
import { QueryError, type Matrix, type Point, type Series } from './value.js';

const TARGET_INFO = 'target_info';
const IDENTIFYING = ['instance', 'job'];

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** With no "=" or "=~" name matcher, info metrics are those named *_info (or target_info when none is given). */
function effectiveNameMatchers(matchers: Matcher[]): Matcher[] {
  if (matchers.some((m) => m.type === '=' || m.type === '=~')) return matchers;
  if (matchers.length > 0) return [new Matcher('=~', METRIC_NAME, '.+_info'), ...matchers];
  return [new Matcher('=', METRIC_NAME, TARGET_INFO)];
}

/** The @ and offset of the first selector of the base expression, through enclosing subqueries. */
function selectTimeOf(expr: Expr): { at: AtModifier | null; offset: number } {
  let found: { at: AtModifier | null; offset: number } | null = null;
  const visit = (e: Expr, path: Expr[]) => {
    if (found) return;
    if (e.type === 'vector') {
      let at = e.at;
      let offset = e.offset;
      for (let i = path.length - 1; at === null && i >= 0; i--) {
        const p = path[i]!;
        if (p.type === 'subquery') {
          offset += p.offset;
          at = p.at;
        }
      }
      found = { at, offset };
      return;
    }
    path.push(e);
    for (const c of children(e)) visit(c, path);
    path.pop();
  };
  visit(expr, []);
  return found ?? { at: null, offset: 0 };
}

export async function evalInfo(ev: Evaluator, call: Call): Promise<Matrix> {
  const base = await ev.eval(call.args[0]!);
  const dataMatchers = new Map<string, Matcher[]>();
  let nameMatchers: Matcher[] = [];
  const selector = call.args[1];
  if (selector) {
    if (selector.type !== 'vector') throw new QueryError('bad_data', 'expected a label selector as the second argument of info()');
    for (const m of selector.matchers) {
      dataMatchers.set(m.name, [...(dataMatchers.get(m.name) ?? []), m]);
      if (m.name === METRIC_NAME) nameMatchers.push(m);
    }
  } else {
    nameMatchers = [new Matcher('=', METRIC_NAME, TARGET_INFO)];
  }
  // Info series among the input pass through as they are.
  const effective = effectiveNameMatchers(nameMatchers);
  const ignored = new Set<Series>(base.filter((s) => effective.every((m) => m.matches(getLabel(s.metric, METRIC_NAME)))));

  const idValues = new Map<string, Set<string>>();
  for (const s of base) {
    if (ignored.has(s)) continue;
    for (const l of IDENTIFYING) {
      const v = getLabel(s.metric, l);
      if (v === '') continue;
      let set = idValues.get(l);
      if (!set) idValues.set(l, (set = new Set()));
      set.add(v);
    }
  }
  const infoNameMatchers: Matcher[] = [];
  const selectMatchers: Matcher[] = [];
  for (const ms of dataMatchers.values()) for (const m of ms) (m.name === METRIC_NAME ? infoNameMatchers : selectMatchers).push(m);
  dataMatchers.delete(METRIC_NAME);

  let info: Matrix = [];
  if (idValues.size > 0) {
    const matchers = [...[...idValues].map(([name, vals]) => new Matcher('=~', name, [...vals].map(quoteMeta).join('|'))), ...selectMatchers, ...effectiveNameMatchers(infoNameMatchers)];
    const { at, offset } = selectTimeOf(call.args[0]!);
    const vs: VectorSelector = { type: 'vector', name: '', matchers, offset, offsetExpr: null, at, pos: call.pos };
    // Each point's value is its sample's own time: the newest info series wins a clash.
    info = await ev.evalVectorSelector(vs, true, true);
  }
  return combine(ev, base, info, ignored, dataMatchers);
}

function signature(name: string, metric: Labels): string {
  let s = name;
  for (const l of IDENTIFYING) {
    const v = getLabel(metric, l);
    if (v !== '') s += `\u0000${l}\u0000${v}`;
  }
  return s;
}

function combine(ev: Evaluator, base: Matrix, info: Matrix, ignored: Set<Series>, dataMatchers: Map<string, Matcher[]>): Matrix {
  const infoNames = [...new Set(info.map((s) => getLabel(s.metric, METRIC_NAME)))];
  const infoSigs = new Map(info.map((s) => [s, signature(getLabel(s.metric, METRIC_NAME), s.metric)]));
  const allMatchEmpty = [...dataMatchers.values()].every((ms) => ms.every((m) => m.matches('')));
  const cursors = { base: new Int32Array(base.length), info: new Int32Array(info.length) };
  const out = new Map<string, Series & { lastT: number }>();
  for (let step = 0; step < ev.steps; step++) {
    const ts = ev.stepTime(step);
    // The info sample per signature at this step: the newest one; two of the same age clash.
    const bySig = new Map<string, { metric: Labels; origT: number }>();
    info.forEach((s, i) => {
      const p = pointAt(s.points, cursors.info, i, ts);
      if (!p) return;
      if (p.h) throw new QueryError('execution', 'info sample should be float');
      const origT = Math.round(p.f * 1000);
      const sig = infoSigs.get(s)!;
      const existing = bySig.get(sig);
      if (!existing || existing.origT < origT) bySig.set(sig, { metric: s.metric, origT });
      else if (existing.origT === origT) {
        throw new QueryError('execution', `found duplicate series for info metric: existing ${labelsText(existing.metric)} @ ${existing.origT}, new ${labelsText(s.metric)} @ ${origT}`);
      }
    });
    base.forEach((s, i) => {
      const p = pointAt(s.points, cursors.base, i, ts);
      if (!p) return;
      let metric = s.metric;
      if (!ignored.has(s)) {
        const added = new Map<string, string>();
        let seen = 0;
        for (const name of infoNames) {
          const is = bySig.get(signature(name, s.metric));
          if (!is) continue;
          seen++;
          for (const l of is.metric) {
            if (l.name === METRIC_NAME) continue;
            if (dataMatchers.size > 0 && !dataMatchers.has(l.name)) continue;
            const prev = added.get(l.name);
            if (prev !== undefined && prev !== l.value) throw new QueryError('execution', `conflicting label: ${l.name}`);
            if (getLabel(s.metric, l.name) !== '') continue;
            added.set(l.name, l.value);
          }
        }
        if (seen === 0 && !allMatchEmpty) return;
        if (added.size > 0) metric = [...s.metric, ...[...added].map(([name, value]) => ({ name, value }))].sort((a, b) => compareStrings(a.name, b.name));
      }
      const key = labelsKey(metric);
      let series = out.get(key);
      if (series && series.lastT === ts) throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
      if (!series) out.set(key, (series = { metric, points: [], dropName: s.dropName, lastT: ts }));
      series.lastT = ts;
      series.points.push(p.h ? { t: ts, f: 0, h: p.h } : { t: ts, f: p.f });
    });
  }
  const result: Matrix = [];
  for (const { lastT: _lastT, ...s } of out.values()) result.push(s);
  ev.addSamples(result.reduce((n, s) => n + s.points.length, 0));
  return result;
}

/** The point of a series at step time ts, moving the series' cursor forward. */
function pointAt(points: Point[], cursors: Int32Array, i: number, ts: number): Point | null {
  let c = cursors[i]!;
  while (c < points.length && points[c]!.t < ts) c++;
  cursors[i] = c;
  return c < points.length && points[c]!.t === ts ? points[c]! : null;
}

function labelsText(m: Labels): string {
  return `{${m.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}
