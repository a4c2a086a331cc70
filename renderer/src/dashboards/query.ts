// Runs one panel's queries: all targets in parallel, cancelled (AbortSignal) when the panel
// unmounts or its range changes; a failure stays in this panel.
import { useEffect, useState } from 'react';
import type { QueryData } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';
import type { Panel } from './schema.js';
import { interpolate } from './timerange.js';

export interface QueryWindow {
  start: number;
  end: number;
  step: number;
  /** Changes on every refresh so a refresh runs the queries again. */
  key: string;
}

export type PanelResult =
  | { status: 'loading'; key: string | null; prev: TargetResult[] | null }
  | { status: 'error'; key: string; message: string }
  | { status: 'ready'; key: string; results: TargetResult[]; ms: number };

export interface TargetResult {
  expr: string;
  data: QueryData;
  warnings: string[];
}

/** $__rate_interval assumes a 30 s scrape (Kubeglass's default, and kube-prometheus's monitors'): rates span at least 2 minutes. */
const RATE_SCRAPE_MS = 30_000;

export function panelExprs(panel: Panel, w: QueryWindow): string[] {
  return panel.targets.map((t) => interpolate(t.expr, { stepMs: w.step, rangeMs: w.end - w.start, scrapeMs: RATE_SCRAPE_MS }));
}

type Done = { status: 'error'; key: string; message: string } | { status: 'ready'; key: string; results: TargetResult[]; ms: number };

export function usePanelQueries(panel: Panel, w: QueryWindow | null): PanelResult {
  const client = useClient();
  // The last finished run and the last good results (shown, dimmed, while the next run loads).
  const [done, setDone] = useState<{ last: Done | null; good: TargetResult[] | null }>({ last: null, good: null });
  const instant = panel.type !== 'timeseries';
  const wkey = w ? `${w.key}|${w.step}` : null;
  useEffect(() => {
    if (!w || !wkey) return;
    const controller = new AbortController();
    const { signal } = controller;
    const t0 = performance.now();
    const exprs = panelExprs(panel, w);
    Promise.all(
      exprs.map((query) =>
        (instant
          ? client.call('promql.query', { query, time: w.end }, { signal })
          : client.call('promql.queryRange', { query, start: w.start, end: w.end, step: w.step }, { signal })
        ).then((r) => ({ expr: query, data: r.data, warnings: r.warnings })),
      ),
    ).then(
      (results) => {
        if (!signal.aborted) setDone({ last: { status: 'ready', key: wkey, results, ms: performance.now() - t0 }, good: results });
      },
      (err: { message?: string }) => {
        if (!signal.aborted) setDone((d) => ({ last: { status: 'error', key: wkey, message: err.message ?? String(err) }, good: d.good }));
      },
    );
    return () => controller.abort();
    // w is described completely by wkey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, panel, wkey, instant]);
  if (done.last && done.last.key === wkey) return done.last;
  return { status: 'loading', key: wkey, prev: done.good };
}
