// Range-query results (Prometheus's matrix shape) → uPlot's columnar data: one shared, sorted
// x array in seconds and one y array per series, null where a series has no sample at that time.
import type { QueryData } from '../../../core/api/contract.js';
import { legendName } from './legend.js';

export interface SeriesInfo {
  name: string;
  metric: Record<string, string>;
  /** Which target (expression) of the panel it came from. */
  target: number;
}

export interface Columnar {
  /** [x, y1, y2, …] as uPlot.AlignedData wants it. */
  data: [number[], ...(number | null)[][]];
  series: SeriesInfo[];
}

type Matrix = Extract<QueryData, { resultType: 'matrix' }>['result'];

/** Merges several targets' matrices; `legends[i]` is target i's legend template. */
export function toColumnar(results: { result: Matrix; legend?: string | undefined }[]): Columnar {
  const times = new Set<number>();
  for (const r of results) for (const s of r.result) for (const [t] of s.values ?? []) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((t, i) => index.set(t, i));
  const ys: (number | null)[][] = [];
  const series: SeriesInfo[] = [];
  results.forEach((r, target) => {
    for (const s of r.result) {
      const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
      for (const [t, v] of s.values ?? []) {
        const n = Number(v);
        col[index.get(t)!] = Number.isFinite(n) ? n : null;
      }
      ys.push(col);
      series.push({ name: legendName(r.legend, s.metric, `series ${series.length + 1}`), metric: s.metric, target });
    }
  });
  return { data: [xs, ...ys], series };
}
