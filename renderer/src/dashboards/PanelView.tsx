// One panel of any kind: runs its queries and draws the result as a stat, gauge, time series or
// table, or says why there is nothing to draw (the error, or which metric has no series).
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { QueryData } from '../../../core/api/contract.js';
import { stackColumns } from '../explore/series.js';
import { toColumnar } from './columnar.js';
import { NoData } from './NoData.js';
import { usePanelQueries, type QueryWindow, type TargetResult } from './query.js';
import type { Panel, Threshold } from './schema.js';
import { cellText, filterRows, initialSort, sortRows, tableColumns, tableRows, type Row } from './table.js';
import { TimeSeries } from './TimeSeries.js';
import { hashQuery } from './useView.js';
import { interpolateLink } from './variables.js';
import { formatValue } from './units.js';

export type PanelPhase = 'loading' | 'ready' | 'nodata' | 'error';

interface Props {
  panel: Panel;
  window: QueryWindow | null;
  syncKey: string;
  onZoom(from: number, to: number): void;
  onPhase(id: string, phase: PanelPhase, key: string | null): void;
}

function hasSeries(d: QueryData): boolean {
  if (d.resultType === 'vector' || d.resultType === 'matrix') return d.result.length > 0;
  return true;
}

export function thresholdColor(thresholds: Threshold[] | undefined, v: number | null): string | undefined {
  if (!thresholds || v === null || Number.isNaN(v)) return undefined;
  let color: string | undefined;
  for (const t of thresholds) if (t.value === null || v >= t.value) color = t.color;
  return color;
}

/** The number an instant result shows: a scalar, or the first series' value. */
function instantValue(d: QueryData): number | null {
  if (d.resultType === 'scalar') return Number(d.result[1]);
  if (d.resultType === 'vector') {
    const s = d.result[0];
    if (s && 'value' in s) return Number(s.value[1]);
  }
  return null;
}

/** A text panel (no queries) or a panel that queries. */
export function PanelView(props: Props) {
  return props.panel.type === 'text' ? <TextPanel panel={props.panel} /> : <DataPanel {...props} />;
}

/** Markdown-ish text: headings, list items and paragraphs as plain text; HTML tags dropped. */
export function textBlocks(content: string): { kind: 'h' | 'li' | 'p'; text: string }[] {
  const plain = content
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h\d|li)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
  const out: { kind: 'h' | 'li' | 'p'; text: string }[] = [];
  for (const raw of plain.split('\n')) {
    const line = raw.trim().replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`]{1,3}([^*_`]+)[*_`]{1,3}/g, '$1');
    if (!line) continue;
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    const li = /^[-*+]\s+(.*)$/.exec(line);
    out.push(h ? { kind: 'h', text: h[1]! } : li ? { kind: 'li', text: li[1]! } : { kind: 'p', text: line });
  }
  return out;
}

function TextPanel({ panel }: { panel: Extract<Panel, { type: 'text' }> }) {
  const g = panel.gridPos;
  const blocks = useMemo(() => textBlocks(panel.content), [panel.content]);
  return (
    <section
      className="panel panel-text"
      style={{ gridColumn: `${g.x + 1} / span ${g.w}`, gridRow: `${g.y + 1} / span ${g.h}` }}
      data-panel-id={panel.id}
      data-state={panel.note ? 'unsupported' : 'text'}
      aria-label={panel.title}
    >
      <header className="panel-title" title={panel.description}>
        {panel.title}
      </header>
      <div className="panel-body panel-text-body">
        {panel.note && <div className="panel-message muted panel-unsupported">{panel.note}</div>}
        {blocks.map((b, i) => (b.kind === 'h' ? <h3 key={i}>{b.text}</h3> : b.kind === 'li' ? <div key={i}>• {b.text}</div> : <p key={i}>{b.text}</p>))}
      </div>
    </section>
  );
}

function DataPanel({ panel, window: w, syncKey, onZoom, onPhase }: Props) {
  const result = usePanelQueries(panel, w);
  const empty = result.status === 'ready' ? result.results.findIndex((r) => !hasSeries(r.data)) : -1;
  // A panel with several targets still has data when some of them do (a series can be absent, e.g. no limits).
  const allEmpty = result.status === 'ready' && result.results.every((r) => !hasSeries(r.data));
  const phase: PanelPhase =
    result.status === 'loading'
      ? 'loading'
      : result.status === 'error'
        ? 'error'
        : allEmpty || (panel.type !== 'timeseries' && panel.type !== 'table' && empty >= 0)
          ? 'nodata'
          : 'ready';
  const key = result.key;
  // Time series report 'ready' once uPlot has drawn (below); the rest as soon as their data is here.
  useEffect(() => {
    if (phase !== 'ready' || panel.type !== 'timeseries') onPhase(panel.id, phase, key);
  }, [phase, key, panel.id, panel.type, onPhase]);

  const g = panel.gridPos;
  let body: ReactNode;
  if (result.status === 'error') {
    body = (
      <div className="panel-message panel-error" role="alert">
        {result.message}
      </div>
    );
  } else if (result.status === 'loading' && !result.prev) {
    body = <div className="panel-message muted">Loading…</div>;
  } else if (phase === 'nodata' && result.status === 'ready') {
    const r = result.results[Math.max(0, empty)]!;
    body = <NoData expr={r.expr} hint={panel.noDataHint} start={w?.start ?? 0} end={w?.end ?? 0} />;
  } else {
    const results = result.status === 'ready' ? result.results : result.prev!;
    body = <PanelBody panel={panel} results={results} window={w} syncKey={syncKey} onZoom={onZoom} onDrawn={() => onPhase(panel.id, 'ready', key)} />;
  }
  return (
    <section
      className={`panel panel-${panel.type}`}
      style={{ gridColumn: `${g.x + 1} / span ${g.w}`, gridRow: `${g.y + 1} / span ${g.h}` }}
      data-panel-id={panel.id}
      data-state={phase}
      data-window={key ?? ''}
      aria-label={panel.title}
      aria-busy={result.status === 'loading'}
    >
      <header className="panel-title" title={panel.description}>
        {panel.title}
        {result.status === 'loading' && result.prev && <span className="panel-spinner" aria-hidden="true" />}
      </header>
      <div className="panel-body">{body}</div>
      {panel.note && (
        <div className="panel-note muted" data-testid="panel-import-note">
          {panel.note}
        </div>
      )}
    </section>
  );
}

function PanelBody({
  panel,
  results,
  window: w,
  syncKey,
  onZoom,
  onDrawn,
}: {
  panel: Panel;
  results: TargetResult[];
  window: QueryWindow | null;
  syncKey: string;
  onZoom(from: number, to: number): void;
  onDrawn(): void;
}) {
  switch (panel.type) {
    case 'stat':
      return <Stat panel={panel} results={results} time={w?.end ?? 0} />;
    case 'gauge':
      return <Gauge panel={panel} results={results} time={w?.end ?? 0} />;
    case 'table':
      return <Table panel={panel} results={results} time={w?.end ?? 0} />;
    case 'timeseries':
      return <Series panel={panel} results={results} window={w} syncKey={syncKey} onZoom={onZoom} onDrawn={onDrawn} />;
    case 'text':
      return null;
  }
}

function Stat({ panel, results, time }: { panel: Panel; results: TargetResult[]; time: number }) {
  return (
    <div className={`stat stat-n${Math.min(results.length, 3)}`}>
      {results.map((r, i) => {
        const v = instantValue(r.data);
        const t = panel.targets[i]!;
        const color = thresholdColor(panel.thresholds, v);
        return (
          <div className="stat-item" key={i}>
            {i > 0 && <span className="stat-sep">/</span>}
            <div>
              <div className={`stat-value${color ? ` tone-${color}` : ''}`} data-testid="stat-value" data-expr={r.expr} data-time={time} data-raw={v ?? ''}>
                {formatValue(v, t.unit ?? panel.unit, panel.decimals)}
              </div>
              {t.legend && <div className="stat-legend muted">{t.legend}</div>}
            </div>
          </div>
        );
      })}
    </div>
  );
}

function Gauge({ panel, results, time }: { panel: Extract<Panel, { type: 'gauge' }>; results: TargetResult[]; time: number }) {
  const r = results[0]!;
  const v = instantValue(r.data);
  const frac = v === null || Number.isNaN(v) ? 0 : Math.min(1, Math.max(0, (v - panel.min) / (panel.max - panel.min || 1)));
  const color = thresholdColor(panel.thresholds, v) ?? 'accent';
  // A 240° arc; its length is the value's share of min…max.
  const R = 40;
  const arc = (f: number) => {
    const a0 = (150 * Math.PI) / 180;
    const a = a0 + f * ((240 * Math.PI) / 180);
    return `M ${50 + R * Math.cos(a0)} ${50 + R * Math.sin(a0)} A ${R} ${R} 0 ${f * 240 > 180 ? 1 : 0} 1 ${50 + R * Math.cos(a)} ${50 + R * Math.sin(a)}`;
  };
  return (
    <div className="gauge">
      <svg viewBox="0 0 100 86" role="img" aria-label={`${panel.title}: ${formatValue(v, panel.unit, panel.decimals)}`}>
        <path d={arc(1)} className="gauge-track" />
        {frac > 0 && <path d={arc(frac)} className={`gauge-bar tone-${color}`} />}
        <text x="50" y="56" textAnchor="middle" className={`gauge-text tone-${color}`} data-testid="gauge-value" data-expr={r.expr} data-time={time} data-raw={v ?? ''}>
          {formatValue(v, panel.unit, panel.decimals)}
        </text>
      </svg>
    </div>
  );
}

function Table({ panel, results, time }: { panel: Extract<Panel, { type: 'table' }>; results: TargetResult[]; time: number }) {
  const columns = useMemo(() => tableColumns(panel), [panel]);
  const rows = useMemo(() => tableRows(panel.by, results.map((r) => r.data)), [results, panel.by]);
  const [sort, setSort] = useState(() => initialSort(columns, panel.sort));
  const [filter, setFilter] = useState('');
  const sortCol = columns.find((c) => c.id === sort?.id) ?? null;
  const shown = useMemo(() => sortRows(filterRows(rows, columns, filter), sortCol, sort?.desc ?? false), [rows, columns, filter, sortCol, sort?.desc]);
  const clickSort = (id: string, numeric: boolean) =>
    // First click: numbers largest first, labels A→Z; then the other way.
    setSort((s) => (s?.id === id ? { id, desc: !s.desc } : { id, desc: numeric }));
  const href = (row: Row) => {
    if (!panel.link) return undefined;
    const link = interpolateLink(panel.link, row.labels);
    // Links to another dashboard keep this one's time range.
    if (!link.startsWith('#/')) return link;
    const range = new URLSearchParams(hashQuery());
    const [path, q = ''] = link.split('?') as [string, string?];
    const p = new URLSearchParams(q);
    for (const k of ['range', 'from', 'to', 'refresh']) if (range.has(k) && !p.has(k)) p.set(k, range.get(k)!);
    const qs = p.toString();
    return qs ? `${path}?${qs}` : path;
  };
  return (
    <div className="panel-table-box">
      {panel.filter && (
        <div className="panel-table-tools">
          <input
            type="search"
            className="panel-table-filter"
            placeholder="Filter rows"
            aria-label={`Filter ${panel.title}`}
            data-testid="table-filter"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <span className="muted" data-testid="table-count">
            {shown.length === rows.length ? `${rows.length} rows` : `${shown.length} of ${rows.length} rows`}
          </span>
        </div>
      )}
      <div className="panel-table-wrap">
        <table className="grid panel-table" data-time={time}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th
                  key={c.id}
                  className={c.kind === 'value' ? 'num' : undefined}
                  aria-sort={sort?.id === c.id ? (sort.desc ? 'descending' : 'ascending') : undefined}
                  data-col={c.id}
                  data-expr={c.kind === 'value' ? results[c.target!]?.expr : undefined}
                >
                  <button type="button" className="th-sort" onClick={() => clickSort(c.id, c.kind === 'value')} title={`Sort by ${c.title}`}>
                    {c.title}
                    <span className="sort-mark" aria-hidden="true">
                      {sort?.id === c.id ? (sort.desc ? ' ▼' : ' ▲') : ''}
                    </span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const to = href(row);
              return (
                <tr
                  key={row.key}
                  data-row={row.key.split('\u0000').join('|')}
                  className={to ? 'row-link' : undefined}
                  onClick={to ? (e) => !(e.target as HTMLElement).closest('a') && (window.location.hash = to.replace(/^#/, '')) : undefined}
                >
                  {columns.map((c, ci) => {
                    const text = cellText(c, row);
                    if (c.kind !== 'value') {
                      const blank = (row.labels[c.label!] ?? '') === '';
                      return (
                        <td key={c.id} className={blank ? 'muted' : undefined} data-col={c.id}>
                          {to && ci === 0 ? <a href={to}>{text}</a> : text}
                        </td>
                      );
                    }
                    const v = row.values[c.target!] ?? null;
                    const tone = thresholdColor(c.thresholds, v);
                    return (
                      <td key={c.id} className={`num${tone ? ` tone-${tone}` : ''}`} data-col={c.id} data-raw={v ?? ''}>
                        {text}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Series({
  panel,
  results,
  window: w,
  syncKey,
  onZoom,
  onDrawn,
}: {
  panel: Extract<Panel, { type: 'timeseries' }>;
  results: TargetResult[];
  window: QueryWindow | null;
  syncKey: string;
  onZoom(from: number, to: number): void;
  onDrawn(): void;
}) {
  const columnar = useMemo(
    () =>
      toColumnar(
        results.map((r, i) => ({
          result: r.data.resultType === 'matrix' ? r.data.result : [],
          legend: panel.targets[i]!.legend,
        })),
      ),
    [results, panel.targets],
  );
  // Stacked panels draw running sums; the legend still shows each series' own values.
  const stacked = useMemo(() => (panel.stack ? { ...columnar, data: stackColumns(columnar.data) } : columnar), [columnar, panel.stack]);
  // Series names with no samples at all still get a legend entry; say which targets returned nothing.
  const missing = results.map((r, i) => (hasSeries(r.data) ? null : panel.targets[i]!.legend ?? r.expr)).filter((x): x is string => x !== null);
  return (
    <>
      <TimeSeries
        columnar={stacked}
        values={panel.stack ? columnar.data : undefined}
        unit={panel.unit}
        decimals={panel.decimals}
        min={panel.min}
        max={panel.max}
        start={w?.start ?? 0}
        end={w?.end ?? 0}
        syncKey={syncKey}
        onZoom={onZoom}
        onDrawn={onDrawn}
      />
      {missing.length > 0 && <div className="panel-note muted">No series for: {missing.join(', ')}</div>}
    </>
  );
}
