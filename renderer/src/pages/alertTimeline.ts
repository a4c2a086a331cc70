// The Alerts page's timeline: each alert's pending and firing stretches from an ALERTS range query
// (one series per alert and state; a gap longer than 1.5 steps ends a stretch).
import type { QueryData } from '../../../core/api/contract.js';

export interface Bar {
  key: string;
  label: string;
  /** [start, end, state] in ms */
  segments: [number, number, 'pending' | 'firing'][];
}

/**
 * Bars of alert state per alert from ALERTS over [start, end] at step. Each bar is labelled with
 * its alert name and the labels that tell it apart from the other alerts of that name.
 */
export function timelineBars(data: QueryData | null, stepMs: number): Bar[] {
  if (!data || data.resultType !== 'matrix') return [];
  const byAlert = new Map<string, Bar & { name: string; labels: Record<string, string> }>();
  for (const s of data.result) {
    const { __name__: _n, alertstate, alertname, ...rest } = s.metric;
    const key = JSON.stringify([alertname, rest]);
    let bar = byAlert.get(key);
    if (!bar) byAlert.set(key, (bar = { key, label: '', name: alertname ?? '', labels: rest, segments: [] }));
    const state = alertstate === 'firing' ? 'firing' : 'pending';
    let open: [number, number, 'pending' | 'firing'] | null = null;
    for (const [t] of s.values ?? []) {
      const ms = t * 1000;
      if (open && ms - open[1] <= stepMs * 1.5) open[1] = ms;
      else {
        open = [ms, ms, state];
        bar.segments.push(open);
      }
    }
  }
  const bars = [...byAlert.values()];
  for (const bar of bars) {
    const same = bars.filter((b) => b.name === bar.name);
    const differing = Object.entries(bar.labels).filter(([k, v]) => same.some((o) => o.labels[k] !== v));
    bar.label = `${bar.name} ${differing.map(([k, v]) => `${k}=${v}`).join(' ')}`.trim();
  }
  return bars.map(({ key, label, segments }) => ({ key, label, segments })).sort((a, b) => a.label.localeCompare(b.label));
}
