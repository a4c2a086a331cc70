// Explore: a PromQL editor (completion, highlighting and linting from codemirror-promql, fed by
// our own API through the contract), run with Ctrl/Cmd+Enter or Run, drawn as a graph (range
// query, stacked or not, legend toggling) or a table (instant query). The query, range and view
// live in the URL hash, so the address is a shareable link that runs the same query when opened.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { QueryResponse } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';
import { toColumnar, type Columnar } from '../dashboards/columnar.js';
import { formatTime } from '../dashboards/timezone.js';
import { anchorRange, chooseStep, PRESETS, resolveRange, type TimeRange } from '../dashboards/timerange.js';
import { TimeSeries } from '../dashboards/TimeSeries.js';
import { useHashQuery } from '../dashboards/useView.js';
import { PromQLEditor } from '../explore/Editor.js';
import { loadHistory, remember } from '../explore/history.js';
import { ContractPrometheusClient } from '../explore/promClient.js';
import { describeStep, legendClick, sortTable, stackColumns, tableRows, type Sort, type TableRow } from '../explore/series.js';
import { exploreHash, parseExploreState, type ExploreState } from '../explore/urlState.js';
import { useElementWidth } from '../dashboards/useElementWidth.js';

/** Kubeglass's default scrape interval: no step below it. */
const MIN_STEP_MS = 15_000;

type Done =
  | { status: 'error'; key: string; message: string }
  | { status: 'graph'; key: string; columnar: Columnar; start: number; end: number; step: number; warnings: string[]; infos: string[]; ms: number }
  | { status: 'table'; key: string; rows: TableRow[]; time: number; warnings: string[]; infos: string[]; ms: number };
type Outcome = { status: 'idle' } | { status: 'loading'; key: string } | Done;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function describeRange(r: TimeRange): string {
  if (r.kind === 'relative') return `Last ${r.span}`;
  const f = (t: number) => formatTime(t, 'short');
  return `${f(r.from)} → ${f(r.to)}`;
}

export function ExplorePage() {
  const api = useClient();
  const hashQuery = useHashQuery();
  const state = useMemo(() => parseExploreState(hashQuery), [hashQuery]);
  const [draft, setDraft] = useState(state.expr);
  const [history, setHistory] = useState(() => loadHistory(storage()));
  const [runSeq, setRunSeq] = useState(0);
  const [done, setDone] = useState<Done | null>(null);
  const [hiddenBy, setHiddenBy] = useState<{ key: string; hidden: boolean[] }>({ key: '', hidden: [] });
  const [sort, setSort] = useState<Sort>({ key: 'series', desc: false });
  const [copied, setCopied] = useState<string | null>(null);
  const body = useRef<HTMLDivElement>(null);
  const width = useElementWidth(body);

  const [completionError, setCompletionError] = useState<string | null>(null);
  const promClient = useMemo(
    () => new ContractPrometheusClient(api, { onError: (err) => setCompletionError(err instanceof Error ? err.message : String(err)) }),
    [api],
  );
  useEffect(() => () => promClient.destroy(), [promClient]);

  // A query from the address (a link, back/forward, history) replaces the editor's text.
  const [seenExpr, setSeenExpr] = useState(state.expr);
  if (seenExpr !== state.expr) {
    setSeenExpr(state.expr);
    setDraft(state.expr);
  }


  const navigate = useCallback(
    (next: ExploreState) => {
      const hash = exploreHash(next);
      if (window.location.hash !== hash) window.location.hash = hash;
      else setRunSeq((n) => n + 1);
    },
    [],
  );

  const run = useCallback(() => {
    const expr = draft.trim();
    if (expr === '') return;
    setHistory(remember(storage(), expr));
    navigate({ ...state, expr });
  }, [draft, state, navigate]);

  // Runs the address's query: a range query for the graph, an instant one for the table.
  const rangeKey = state.range.kind === 'relative' ? state.range.span : `${state.range.from}-${state.range.to}`;
  const widthBucket = Math.round(width / 50) * 50;
  const key = state.expr === '' || widthBucket === 0 ? null : `${state.expr}|${rangeKey}|${state.view}|${runSeq}|${widthBucket}`;
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    const { signal } = controller;
    const t0 = performance.now();
    const { start: rawStart, end: rawEnd } = resolveRange(state.range, Date.now());
    const fail = (err: { message?: string }) => {
      if (!signal.aborted) setDone({ status: 'error', key, message: err.message ?? String(err) });
    };
    if (state.view === 'table') {
      api.call('promql.query', { query: state.expr, time: rawEnd }, { signal }).then((r: QueryResponse) => {
        if (signal.aborted) return;
        setDone({ status: 'table', key, rows: tableRows(r.data), time: rawEnd, warnings: r.warnings, infos: r.infos, ms: performance.now() - t0 });
      }, fail);
    } else {
      const step = chooseStep(rawEnd - rawStart, widthBucket, MIN_STEP_MS);
      const { start, end } = anchorRange(rawStart, rawEnd, step);
      api.call('promql.queryRange', { query: state.expr, start, end, step }, { signal }).then((r: QueryResponse) => {
        if (signal.aborted) return;
        const columnar = r.data.resultType === 'matrix' ? toColumnar([{ result: r.data.result }]) : toColumnar([]);
        setDone({ status: 'graph', key, columnar, start, end, step, warnings: r.warnings, infos: r.infos, ms: performance.now() - t0 });
      }, fail);
    }
    return () => controller.abort();
    // key describes the run completely (query, range, view, width, run number).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);
  const outcome = useMemo((): Outcome => (key === null ? { status: 'idle' } : done?.key === key ? done : { status: 'loading', key }), [key, done]);

  const seriesKey = outcome.status === 'graph' ? outcome.columnar.series.map((s) => s.name).join('\u0000') : '';
  const hidden = useMemo(() => (hiddenBy.key === seriesKey ? hiddenBy.hidden : []), [hiddenBy, seriesKey]);

  const drawn = useMemo(() => {
    if (outcome.status !== 'graph') return null;
    if (!state.stacked) return { columnar: outcome.columnar, values: undefined };
    return { columnar: { ...outcome.columnar, data: stackColumns(outcome.columnar.data, hidden) }, values: outcome.columnar.data };
  }, [outcome, state.stacked, hidden]);

  const setRange = (range: TimeRange) => navigate({ ...state, range });
  const onZoom = useCallback((from: number, to: number) => navigate({ ...state, range: { kind: 'absolute', from, to } }), [navigate, state]);
  const seriesCount = outcome.status === 'graph' ? outcome.columnar.series.length : 0;
  const onLegendClick = useCallback(
    (i: number, isolate: boolean) =>
      setHiddenBy((prev) => {
        const current = prev.key === seriesKey && prev.hidden.length === seriesCount ? prev.hidden : new Array<boolean>(seriesCount).fill(false);
        return { key: seriesKey, hidden: legendClick(current, i, isolate) };
      }),
    [seriesKey, seriesCount],
  );
  const copyLink = () => {
    const link = window.location.href;
    navigator.clipboard.writeText(link).then(
      () => setCopied('Link copied'),
      () => setCopied(link),
    );
  };

  const rows = useMemo(() => (outcome.status === 'table' ? sortTable(outcome.rows, sort) : []), [outcome, sort]);
  const sortBy = (key: Sort['key']) => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key === 'value' }));
  const arrow = (key: Sort['key']) => (sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : '');
  const visible = hidden.filter((h) => !h).length;

  return (
    <section className="page explore" data-state={outcome.status} data-view={state.view}>
      <div className="page-head dashboard-head">
        <h1>Explore</h1>
        <div className="timebar" role="toolbar" aria-label="Time range">
          <span className="muted" data-testid="range-label">
            {describeRange(state.range)}
          </span>
          {PRESETS.map((p) => (
            <button type="button" key={p} aria-pressed={state.range.kind === 'relative' && state.range.span === p} onClick={() => setRange({ kind: 'relative', span: p })}>
              {p}
            </button>
          ))}
          <button type="button" onClick={copyLink} title="Copy a link that opens this query, range and view">
            Copy link
          </button>
          {copied && (
            <span className="muted explore-copied" data-testid="copied">
              {copied}
            </span>
          )}
        </div>
      </div>

      <div className="explore-editor-row">
        <PromQLEditor value={draft} onChange={setDraft} onRun={run} client={promClient} />
        <button type="button" className="explore-run" onClick={run} disabled={draft.trim() === ''} title="Run (Ctrl/Cmd+Enter)">
          Run
        </button>
      </div>
      {completionError && <p className="muted explore-note">Completion unavailable: {completionError}</p>}
      {outcome.status === 'error' && (
        <div className="explore-error" role="alert" data-testid="query-error">
          {outcome.message}
        </div>
      )}
      {(outcome.status === 'graph' || outcome.status === 'table') &&
        [...outcome.warnings.map((w) => ['warning', w] as const), ...outcome.infos.map((i) => ['info', i] as const)].map(([kind, text], i) => (
          <div key={i} className={`explore-annotation explore-${kind}`} data-testid={`query-${kind}`}>
            <strong>{kind === 'warning' ? 'Warning' : 'Info'}:</strong> {text}
          </div>
        ))}

      <div className="explore-tabs" role="tablist" aria-label="View">
        <button type="button" role="tab" aria-selected={state.view === 'graph'} onClick={() => navigate({ ...state, view: 'graph' })}>
          Graph
        </button>
        <button type="button" role="tab" aria-selected={state.view === 'table'} onClick={() => navigate({ ...state, view: 'table' })}>
          Table
        </button>
        {state.view === 'graph' && (
          <label className="explore-stacked">
            <input type="checkbox" checked={state.stacked} onChange={(e) => navigate({ ...state, stacked: e.target.checked })} /> Stacked
          </label>
        )}
        <span className="muted explore-meta" data-testid="query-meta">
          {outcome.status === 'graph' &&
            `${describeStep(outcome.step, outcome.end - outcome.start)} · ${outcome.columnar.series.length} series${hidden.some(Boolean) ? ` (${visible} shown)` : ''} · ${Math.round(outcome.ms)} ms`}
          {outcome.status === 'table' && `instant query at ${formatTime(outcome.time)} · ${outcome.rows.length} rows · ${Math.round(outcome.ms)} ms`}
          {outcome.status === 'loading' && 'Running…'}
        </span>
      </div>

      <div className="explore-body" ref={body}>
        {outcome.status === 'idle' && <p className="muted">Type a PromQL expression and press Run (or Ctrl/Cmd+Enter).</p>}
        {outcome.status === 'graph' && drawn && outcome.columnar.series.length === 0 && <p className="muted" data-testid="no-data">The query returned no series in this range.</p>}
        {outcome.status === 'graph' && drawn && outcome.columnar.series.length > 0 && (
          <div className="explore-chart" data-testid="explore-chart">
            <TimeSeries
              columnar={drawn.columnar}
              values={drawn.values}
              unit="short"
              start={outcome.start}
              end={outcome.end}
              syncKey="explore"
              onZoom={onZoom}
              hidden={hidden}
              onLegendClick={onLegendClick}
            />
          </div>
        )}
        {outcome.status === 'graph' && outcome.columnar.series.length > 0 && (
          <p className="muted explore-note">Click a legend entry to hide or show it; shift- or ctrl-click to show only it. Drag across the chart to zoom.</p>
        )}
        {outcome.status === 'table' && (
          <table className="explore-table" data-testid="explore-table">
            <thead>
              <tr>
                <th aria-sort={sort.key === 'series' ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" onClick={() => sortBy('series')}>
                    Series{arrow('series')}
                  </button>
                </th>
                <th aria-sort={sort.key === 'value' ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" onClick={() => sortBy('value')}>
                    Value{arrow('value')}
                  </button>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={2} className="muted">
                    No series at this time.
                  </td>
                </tr>
              )}
              {rows.map((r, i) => (
                <tr key={`${r.series}#${i}`}>
                  <td className="explore-series">{r.series}</td>
                  <td className="num" title={r.text}>
                    {r.text}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <details className="explore-history" open={history.length > 0}>
        <summary>History ({history.length})</summary>
        <ul data-testid="query-history">
          {history.map((q) => (
            <li key={q}>
              <button
                type="button"
                title="Run this query again"
                onClick={() => {
                  setDraft(q);
                  setHistory(remember(storage(), q));
                  navigate({ ...state, expr: q });
                }}
              >
                <code>{q}</code>
              </button>
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
