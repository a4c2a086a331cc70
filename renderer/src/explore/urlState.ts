// The Explore page's state in the URL hash, so a link reproduces the view:
// #/explore?q=rate(x[5m])&range=1h&view=graph&stacked=1 (or from=…&to=… in epoch ms after a zoom).
import { defaultRange, parseDuration, type TimeRange } from '../dashboards/timerange.js';

export type ExploreView = 'graph' | 'table';

export interface ExploreState {
  expr: string;
  range: TimeRange;
  view: ExploreView;
  stacked: boolean;
}

export const DEFAULT_SPAN = '1h';

export function parseExploreState(query: string): ExploreState {
  const p = new URLSearchParams(query);
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  let range: TimeRange = defaultRange(DEFAULT_SPAN);
  if (p.has('from') && p.has('to') && Number.isFinite(from) && Number.isFinite(to) && to > from) {
    range = { kind: 'absolute', from: Math.round(from), to: Math.round(to) };
  } else {
    const span = p.get('range');
    if (span && parseDuration(span) !== null) range = { kind: 'relative', span };
  }
  return {
    expr: p.get('q') ?? '',
    range,
    view: p.get('view') === 'table' ? 'table' : 'graph',
    stacked: p.get('stacked') === '1',
  };
}

/** The hash query for a state; the range and view are always written so a link is explicit. */
export function formatExploreState(s: ExploreState): string {
  const p = new URLSearchParams();
  if (s.expr !== '') p.set('q', s.expr);
  if (s.range.kind === 'absolute') {
    p.set('from', String(s.range.from));
    p.set('to', String(s.range.to));
  } else {
    p.set('range', s.range.span);
  }
  p.set('view', s.view);
  if (s.stacked) p.set('stacked', '1');
  return p.toString();
}

/** The full hash for a state: "#/explore?…". */
export function exploreHash(s: ExploreState): string {
  return `#/explore?${formatExploreState(s)}`;
}
