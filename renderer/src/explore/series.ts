// Pure helpers for the Explore page's chart and table: legend toggling and isolating, stacking,
// and the instant-query table (labels and value, sortable).
import type { QueryData } from '../../../core/api/contract.js';
import type { Columnar } from '../dashboards/columnar.js';

/**
 * The hidden flags after a legend click on series `i`: a plain click hides or shows it; a
 * shift/ctrl/cmd click shows only it, or everything again when it already was the only one shown.
 */
export function legendClick(hidden: readonly boolean[], i: number, isolate: boolean): boolean[] {
  const next = hidden.slice();
  if (!isolate) {
    next[i] = !next[i];
    return next;
  }
  const onlyThis = hidden.every((h, j) => (j === i ? !h : h));
  return hidden.map((_h, j) => (onlyThis ? false : j !== i));
}

/**
 * Stacked columns: each visible series drawn on top of the visible ones before it (nulls count
 * as 0 below a point, but a series stays null where it has no sample). Hidden series are not
 * stacked and are left as they are.
 */
export function stackColumns(data: Columnar['data'], hidden: readonly boolean[] = []): Columnar['data'] {
  const [xs, ...ys] = data;
  const base = new Array<number>(xs.length).fill(0);
  const out: (number | null)[][] = ys.map((col, s) => {
    if (hidden[s]) return col.slice();
    return col.map((v, k) => {
      if (v === null || v === undefined) return null;
      base[k]! += v;
      return base[k]!;
    });
  });
  return [xs, ...out];
}

export interface TableRow {
  /** The series as PromQL prints it: name{a="b", …}; "" for a scalar or string. */
  series: string;
  labels: Record<string, string>;
  value: number | null;
  /** The value as the API gave it (keeps NaN, ±Inf, histograms' count). */
  text: string;
}

function seriesText(metric: Record<string, string>): string {
  const name = metric['__name__'] ?? '';
  const rest = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${metric[k]}"`);
  return rest.length === 0 ? name || '{}' : `${name}{${rest.join(', ')}}`;
}

/** The table rows of an instant query's answer. */
export function tableRows(d: QueryData): TableRow[] {
  switch (d.resultType) {
    case 'scalar':
      return [{ series: 'scalar', labels: {}, value: Number(d.result[1]), text: d.result[1] }];
    case 'string':
      return [{ series: 'string', labels: {}, value: null, text: d.result[1] }];
    case 'vector':
      return d.result.map((s) => {
        if ('value' in s) return { series: seriesText(s.metric), labels: s.metric, value: Number(s.value[1]), text: s.value[1] };
        const h = s.histogram[1];
        return { series: seriesText(s.metric), labels: s.metric, value: Number(h.count), text: `histogram: count ${h.count}, sum ${h.sum}` };
      });
    case 'matrix':
      return d.result.map((s) => {
        const last = s.values?.[s.values.length - 1];
        return { series: seriesText(s.metric), labels: s.metric, value: last ? Number(last[1]) : null, text: last ? last[1] : '' };
      });
  }
}

export type SortKey = 'series' | 'value';
export interface Sort {
  key: SortKey;
  desc: boolean;
}

/** Rows sorted by series (natural order: node-2 before node-10) or value; NaN and missing values last. */
export function sortTable(rows: readonly TableRow[], sort: Sort): TableRow[] {
  const dir = sort.desc ? -1 : 1;
  const collator = new Intl.Collator(undefined, { numeric: true });
  return rows.slice().sort((a, b) => {
    if (sort.key === 'series') return dir * collator.compare(a.series, b.series);
    const av = a.value;
    const bv = b.value;
    const aBad = av === null || Number.isNaN(av);
    const bBad = bv === null || Number.isNaN(bv);
    if (aBad || bBad) return aBad === bBad ? 0 : aBad ? 1 : -1;
    return av === bv ? 0 : dir * (av < bv ? -1 : 1);
  });
}

/** "1m" for a step of 60000 ms, with the number of points per series the range gives. */
export function describeStep(stepMs: number, rangeMs: number): string {
  const s = stepMs / 1000;
  const step = s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
  return `step ${step} · ${Math.floor(rangeMs / stepMs) + 1} points per series`;
}
