import { useEffect, useMemo, useState } from 'react';
import type { TargetInfo, TargetsState } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';

const REFRESH_MS = 5000;

function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s ago` : `${Math.floor(s / 3600)}h ago`;
}

function LabelList({ labels }: { labels: Record<string, string> }) {
  return (
    <span className="labels">
      {Object.entries(labels).map(([k, v]) => (
        <span key={k} className="label">
          {k}="{v}"
        </span>
      ))}
    </span>
  );
}

function TargetRow({ t, now }: { t: TargetInfo; now: number }) {
  const health = t.unreachable ? 'down' : t.health;
  return (
    <tr data-health={health}>
      <td>
        <div>
          <code>{t.url}</code>
        </div>
        {t.via && <div className="muted">via {t.via}</div>}
      </td>
      <td>
        <span className={`health health-${health}`}>{health}</span>
        {(t.unreachable ?? t.lastError) && <div className="ctx-problem">{t.unreachable ?? t.lastError}</div>}
      </td>
      <td>
        <LabelList labels={t.labels} />
        <details>
          <summary className="muted">before relabeling</summary>
          <LabelList labels={t.discoveredLabels} />
        </details>
      </td>
      <td>{ago(t.lastScrape, now)}</td>
      <td>{t.lastScrape === null ? '—' : `${t.lastScrapeDurationMs.toFixed(0)} ms`}</td>
      <td>
        {t.samplesPostRelabeling}
        {t.samplesRejected > 0 && <div className="ctx-problem">{t.samplesRejected} rejected</div>}
      </td>
    </tr>
  );
}

export function TargetsPage() {
  const client = useClient();
  const [state, setState] = useState<TargetsState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [unhealthyOnly, setUnhealthyOnly] = useState(false);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      client.call('targets.list', {}, { signal: controller.signal }).then(
        (s) => {
          setState(s);
          setError(null);
          setNow(Date.now());
        },
        (err: Error) => {
          if (!controller.signal.aborted) setError(err.message);
        },
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [client]);

  const pools = useMemo(() => {
    if (!state) return [];
    const f = filter.trim().toLowerCase();
    const matches = (t: TargetInfo) =>
      (!unhealthyOnly || t.health !== 'up' || t.unreachable !== null) &&
      (f === '' || t.url.toLowerCase().includes(f) || Object.entries(t.labels).some(([k, v]) => `${k}="${v}"`.toLowerCase().includes(f)));
    return state.jobs.map((j) => {
      const all = state.active.filter((t) => t.scrapePool === j.scrapePool);
      return { job: j, all, shown: all.filter(matches), dropped: state.dropped.filter((d) => d.scrapePool === j.scrapePool).length };
    });
  }, [state, filter, unhealthyOnly]);

  if (error) return <div className="banner banner-error" role="alert">{error}</div>;
  if (!state) return <p className="muted">Loading…</p>;
  const up = state.active.filter((t) => t.health === 'up' && t.unreachable === null).length;
  return (
    <section className="page">
      <h1>Targets</h1>
      <p className="muted" data-testid="targets-summary">
        {state.state === 'running' ? `${state.message}: ${up} of ${state.active.length} targets up` : state.message}
      </p>
      {state.state === 'error' && (
        <div className="banner banner-error" role="alert">
          {state.message}
        </div>
      )}
      <div className="toolbar">
        <input type="search" placeholder="Filter by URL or label" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter targets" />
        <label>
          <input type="checkbox" checked={unhealthyOnly} onChange={(e) => setUnhealthyOnly(e.target.checked)} /> Unhealthy only
        </label>
      </div>
      {pools.map(({ job, all, shown, dropped }) => (
        <div key={job.scrapePool} className="pool" data-pool={job.scrapePool}>
          <h2>
            {job.scrapePool}{' '}
            <span className="muted">
              ({all.filter((t) => t.health === 'up' && t.unreachable === null).length}/{all.length} up{dropped > 0 ? `, ${dropped} dropped by relabeling` : ''}) · {job.origin}
            </span>
          </h2>
          {job.disabled && <p className="muted">Not scraped: {job.disabled}</p>}
          {job.discovery?.state === 'retrying' && <div className="ctx-problem">Discovery failing: {job.discovery.error}</div>}
          {job.discovery?.state === 'connecting' && <p className="muted">Discovering…</p>}
          {job.notes.map((n) => (
            <p key={n} className="muted">
              {n}
            </p>
          ))}
          {shown.length > 0 && (
            <table className="grid" aria-label={`Targets of ${job.scrapePool}`}>
              <thead>
                <tr>
                  <th>Endpoint</th>
                  <th>State</th>
                  <th>Labels</th>
                  <th>Last scrape</th>
                  <th>Duration</th>
                  <th>Samples</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((t) => (
                  <TargetRow key={`${t.url}|${JSON.stringify(t.labels)}`} t={t} now={now} />
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </section>
  );
}
