// The generic dashboard renderer: a time-range bar (presets, zoom, refresh), the template
// variables' pickers and a 24-column grid of panels, each querying on its own. Range, refresh and
// variable values live in the URL hash.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { PanelView, type PanelPhase } from './PanelView.js';
import type { QueryWindow } from './query.js';
import './dashboards.css';
import { layoutDashboard } from './layout.js';
import type { Dashboard } from './schema.js';
import { anchorRange, chooseStep, parseDuration, PRESETS, REFRESHES, resolveRange, shiftRange, type Refresh, type TimeRange } from './timerange.js';
import { formatDateTimeInput, formatTime, parseDateTimeInput, setZone, useZone } from './timezone.js';
import { VariableBar } from './VariableBar.js';
import { interpolateVars, parseVarParams, varsSignature } from './variables.js';
import { useVariables } from './useVariables.js';
import { useHashQuery, useView } from './useView.js';
import { useElementWidth } from './useElementWidth.js';

const ROW_PX = 32;
/** Kubeglass's default scrape interval: no step below it. */
const MIN_STEP_MS = 15_000;

let hashTime = Date.now();
window.addEventListener('hashchange', () => {
  hashTime = Date.now();
});
const getHashTime = () => hashTime;
function subscribeHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export { interpolatePanel } from './layout.js';

function describe(r: TimeRange): string {
  if (r.kind === 'relative') return `Last ${r.span}`;
  return `${formatTime(r.from, 'short')} → ${formatTime(r.to, 'short')}`;
}

export function DashboardView({ dashboard, route }: { dashboard: Dashboard; route: string }) {
  const [view, setView, setVars] = useView(route, dashboard.time);
  // Read so the range label and the absolute form follow a zone change.
  const zone = useZone();
  const hashQuery = useHashQuery();
  const grid = useRef<HTMLDivElement>(null);
  const width = useElementWidth(grid);
  const rangeKey = view.range.kind === 'relative' ? view.range.span : `${view.range.from}-${view.range.to}`;
  // "Now" is when the hash last changed (a new range, back/forward) or the last refresh.
  const hashTime = useSyncExternalStore(subscribeHash, getHashTime);
  const [tick, setTick] = useState(0);
  const now = Math.max(hashTime, tick);
  useEffect(() => {
    const ms = view.refresh === 'off' ? null : parseDuration(view.refresh);
    if (!ms || view.range.kind === 'absolute') return;
    const t = setInterval(() => setTick(Date.now()), ms);
    return () => clearInterval(t);
  }, [view.refresh, view.range.kind]);


  const { start: rawStart, end: rawEnd } = resolveRange(view.range, now);
  // A manual refresh also fetches the variables' options again (new nodes, namespaces).
  const [varEpoch, setVarEpoch] = useState(0);
  const vars = useVariables(dashboard.variables, hashQuery, rawStart, rawEnd, `${rangeKey}#${varEpoch}`);
  const varNames = useMemo(() => dashboard.variables.map((v) => v.name), [dashboard.variables]);
  const pending = useMemo(() => (vars.ready ? null : parseVarParams(hashQuery, varNames)), [vars.ready, hashQuery, varNames]);
  const sig = dashboard.variables.length > 0 ? `#${varsSignature(vars.values)}` : '';
  // Rows the user opened or closed (their ids), and the panels shown: rows, repeats, variables' values.
  const [toggled, setToggled] = useState<ReadonlySet<string>>(() => new Set());
  const sections = useMemo(() => layoutDashboard(dashboard, vars.values, toggled), [dashboard, vars.values, toggled]);
  // The panels that query (text panels do not), of rows that are open: "all drawn" waits for these.
  const dataIds = useMemo(() => sections.flatMap((s) => s.panels.filter((p) => p.type !== 'text').map((p) => p.id)), [sections]);

  // Time from a new range to every panel drawn, for the page and the e2e test.
  const phases = useRef(new Map<string, string>());
  const t0 = useRef({ key: '', at: 0 });
  // `ids`: the panels that were shown then (opening a row adds panels to wait for).
  const [loaded, setLoaded] = useState<{ key: string; ids: string; ms: number } | null>(null);
  const idsKey = dataIds.join('\n');
  const windowFor = useCallback(
    (w: number): QueryWindow | null => {
      // Panels wait for the variables their queries use.
      if (width === 0 || !vars.ready) return null;
      const step = chooseStep(rawEnd - rawStart, (width * w) / 24, MIN_STEP_MS);
      const { start, end } = anchorRange(rawStart, rawEnd, step);
      return { start, end, step, key: `${rangeKey}@${now}${sig}` };
    },
    [width, rawStart, rawEnd, rangeKey, now, sig, vars.ready],
  );
  const cycle = `${rangeKey}@${now}${sig}`;
  useLayoutEffect(() => {
    t0.current = { key: cycle, at: performance.now() };
  }, [cycle]);
  const checkDone = useCallback(() => {
    const done = dataIds.every((pid) => {
      const s = phases.current.get(pid);
      return s !== undefined && !s.startsWith('loading') && s.includes(`|${t0.current.key}|`);
    });
    if (done) setLoaded((l) => (l?.key === t0.current.key && l.ids === idsKey ? l : { key: t0.current.key, ids: idsKey, ms: Math.round(performance.now() - t0.current.at) }));
  }, [dataIds, idsKey]);
  const onPhase = useCallback(
    (id: string, phase: PanelPhase, key: string | null) => {
      phases.current.set(id, `${phase}|${key ?? ''}`);
      checkDone();
    },
    [checkDone],
  );
  // A row closed: the panels still shown may all be drawn already.
  useEffect(() => checkDone(), [checkDone]);

  const setRange = (range: TimeRange) => setView({ ...view, range });
  const [absolute, setAbsolute] = useState<{ from: string; to: string; error: string | null } | null>(null);
  const applyAbsolute = () => {
    if (!absolute) return;
    const from = parseDateTimeInput(absolute.from);
    const to = parseDateTimeInput(absolute.to);
    if (from === null || to === null) return setAbsolute({ ...absolute, error: 'Enter both times.' });
    if (to <= from) return setAbsolute({ ...absolute, error: 'The end must be after the start.' });
    setAbsolute(null);
    setRange({ kind: 'absolute', from, to });
  };
  // Grafana's keys: t then ← or → moves the range by half its span, t then z zooms out.
  const keys = useRef({ view, rawStart, rawEnd, armed: 0 });
  useEffect(() => {
    keys.current = { ...keys.current, view, rawStart, rawEnd };
  }, [view, rawStart, rawEnd]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (el && (el.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)))) return;
      const k = keys.current;
      if (e.key === 't') {
        k.armed = performance.now();
        return;
      }
      if (performance.now() - k.armed > 1500) return;
      k.armed = 0;
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        setView({ ...k.view, range: shiftRange(k.rawStart, k.rawEnd, e.key === 'ArrowLeft' ? -1 : 1, Date.now()) });
      } else if (e.key === 'z') {
        const span = k.rawEnd - k.rawStart;
        const to = Math.min(Date.now(), k.rawEnd + span / 2);
        setView({ ...k.view, range: { kind: 'absolute', from: to - span * 2, to } });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView]);
  const onZoom = useCallback((from: number, to: number) => setView({ ...view, range: { kind: 'absolute', from, to } }), [view, setView]);
  const zoomOut = () => {
    const span = rawEnd - rawStart;
    const to = Math.min(Date.now(), rawEnd + span / 2);
    setRange({ kind: 'absolute', from: to - span * 2, to });
  };
  const toggleRow = (id: string) =>
    setToggled((t) => {
      const n = new Set(t);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const allDrawn = loaded?.key === cycle && loaded.ids === idsKey;

  return (
    <section className="page dashboard" data-dashboard={dashboard.uid} data-loaded={allDrawn ? 'true' : 'false'} data-load-ms={allDrawn ? loaded.ms : ''}>
      <div className="page-head dashboard-head">
        <h1>{interpolateVars(dashboard.title, vars.values, 'text')}</h1>
        <div className="timebar" role="toolbar" aria-label="Time range">
          <span className="muted" data-testid="range-label">
            {describe(view.range)}
          </span>
          {PRESETS.map((p) => (
            <button
              type="button"
              key={p}
              aria-pressed={view.range.kind === 'relative' && view.range.span === p}
              onClick={() => setRange({ kind: 'relative', span: p })}
            >
              {p}
            </button>
          ))}
          <button type="button" onClick={zoomOut} title="Zoom out (twice the range; keys t z)">
            Zoom out
          </button>
          <button type="button" aria-pressed={zone === 'utc'} onClick={() => setZone(zone === 'utc' ? 'local' : 'utc')} title="Show times in UTC instead of local time (kept for next time)">
            UTC
          </button>
          <button
            type="button"
            aria-expanded={absolute !== null}
            title="An absolute range (keys t ← and t → move the range by half)"
            onClick={() => setAbsolute(absolute ? null : { from: formatDateTimeInput(rawStart), to: formatDateTimeInput(rawEnd), error: null })}
          >
            Absolute…
          </button>
          {absolute && (
            <form
              className="absolute-range"
              onSubmit={(e) => {
                e.preventDefault();
                applyAbsolute();
              }}
            >
              <label>
                From <input type="datetime-local" aria-label="Range start" value={absolute.from} onChange={(e) => setAbsolute({ ...absolute, from: e.target.value, error: null })} />
              </label>
              <label>
                To <input type="datetime-local" aria-label="Range end" value={absolute.to} onChange={(e) => setAbsolute({ ...absolute, to: e.target.value, error: null })} />
              </label>
              <button type="submit">Apply</button>
              {absolute.error && (
                <span className="error" role="alert">
                  {absolute.error}
                </span>
              )}
            </form>
          )}
          <label className="muted">
            Refresh{' '}
            <select value={view.refresh} onChange={(e) => setView({ ...view, refresh: e.target.value as Refresh })} aria-label="Auto-refresh">
              {REFRESHES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            onClick={() => {
              setTick(Date.now());
              setVarEpoch((e) => e + 1);
            }}
            aria-label="Refresh now"
          >
            ↻
          </button>
        </div>
      </div>
      {dashboard.description && <p className="muted dashboard-desc">{dashboard.description}</p>}
      <VariableBar states={vars.states} pending={pending} onChange={setVars} />
      <div className="dash-sections" ref={grid}>
        {sections.map((s) => (
          <div className="dash-section" key={s.key} data-row={s.row ? s.key : undefined}>
            {s.row && (
              <button type="button" className="dash-row" aria-expanded={!s.row.collapsed} onClick={() => toggleRow(s.row!.id)}>
                <span aria-hidden="true">{s.row.collapsed ? '▸' : '▾'}</span> {s.row.title || 'Row'}
              </button>
            )}
            {s.panels.length > 0 && (
              <div className="dash-grid" style={{ gridTemplateRows: `repeat(${s.height}, ${ROW_PX}px)` }}>
                {s.panels.map((p) => (
                  <PanelView key={p.id} panel={p} window={windowFor(p.gridPos.w)} syncKey={dashboard.uid} onZoom={onZoom} onPhase={onPhase} />
                ))}
              </div>
            )}
          </div>
        ))}
      </div>
      <p className="muted dashboard-foot" data-testid="load-time">
        {allDrawn ? `All ${dataIds.length} panels drawn in ${loaded.ms} ms.` : 'Loading panels…'} Drag across a chart to zoom; click a legend entry to hide or show
        its series.
      </p>
    </section>
  );
}
