// The Alerts page (#/alerts): firing and pending alerts of every watched context (silence in one
// click), a timeline of alert states from the ALERTS series, every rule with its state, health and
// last evaluation grouped by context, file and group, silences, mutes and do-not-disturb, and the
// browser's permission for desktop notifications. `#/alerts?alert=FP` highlights one alert (what a
// notification click opens).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AlertInfo, AlertSettings, AlertsState, QueryData, RuleGroupInfo, RulesState, SilenceInfo } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';
import { getCaptureSpan, PRESETS, parseDuration } from '../dashboards/timerange.js';
import './alerts.css';
import { timelineBars } from './alertTimeline.js';

const REFRESH_MS = 2000;

function since(t: number, now: number): string {
  const s = Math.max(0, Math.round((now - t) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : s < 86400 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(s / 86400)}d`;
}

function evaluated(rfc: string, now: number): string {
  const t = Date.parse(rfc);
  if (!Number.isFinite(t) || t <= 0) return 'never';
  return `${since(t, now)} ago`;
}

function Labels({ labels, skip = [] }: { labels: Record<string, string>; skip?: string[] }) {
  return (
    <span className="labels">
      {Object.entries(labels)
        .filter(([k]) => !skip.includes(k))
        .map(([k, v]) => (
          <span key={k} className="label">
            {k}="{v}"
          </span>
        ))}
    </span>
  );
}

/** The `alert` parameter of the hash (#/alerts?alert=FP). */
function focusedAlert(): string | null {
  const q = window.location.hash.split('?')[1] ?? '';
  return new URLSearchParams(q).get('alert');
}

function useFocusedAlert(): string | null {
  const [fp, setFp] = useState(focusedAlert);
  useEffect(() => {
    const on = () => setFp(focusedAlert());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return fp;
}

function AlertRow({ a, now, focused, onSilence }: { a: AlertInfo; now: number; focused: boolean; onSilence: (a: AlertInfo) => void }) {
  const silenced = a.silencedBy.length > 0;
  const row = useRef<HTMLTableRowElement>(null);
  useEffect(() => {
    if (focused) row.current?.scrollIntoView({ block: 'center' });
  }, [focused]);
  return (
    <tr
      data-testid="alert-row"
      data-alertname={a.rule}
      data-state={a.state}
      data-fingerprint={a.fingerprint}
      data-silenced={silenced ? 'true' : 'false'}
      className={focused ? 'alert-focused' : undefined}
      ref={row}
    >
      <td>
        <strong>{a.rule}</strong>
        {a.annotations.summary && <div className="muted">{a.annotations.summary}</div>}
      </td>
      <td>
        <span className={`alert-state alert-state-${a.state}`}>{a.state}</span>
        {a.suppressedBecause && <div className="muted">{a.suppressedBecause}</div>}
      </td>
      <td>{a.context}</td>
      <td>
        <Labels labels={a.labels} skip={['alertname']} />
      </td>
      <td>{a.value}</td>
      <td title={new Date(a.activeAt).toISOString()}>{since(a.activeAt, now)}</td>
      <td>
        {silenced ? (
          <span className="muted">silenced</span>
        ) : (
          <button type="button" onClick={() => onSilence(a)}>
            Silence 2h
          </button>
        )}
      </td>
    </tr>
  );
}

function Timeline({ span }: { span: string }) {
  const client = useClient();
  const [data, setData] = useState<{ data: QueryData; start: number; end: number; step: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => {
      // An open capture's timeline is its whole span.
      const capture = getCaptureSpan();
      const end = capture?.to ?? Date.now();
      const ms = capture ? Math.max(60_000, capture.to - capture.from) : (parseDuration(span) ?? 3600_000);
      const start = end - ms;
      const step = Math.max(1000, Math.ceil(ms / 600 / 1000) * 1000);
      client.call('promql.queryRange', { query: 'ALERTS', start, end, step }).then(
        (r) => {
          if (!live) return;
          setData({ data: r.data, start, end, step });
          setError(null);
        },
        (err: Error) => live && setError(err.message),
      );
    };
    load();
    const timer = setInterval(load, 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, span]);
  const bars = useMemo(() => (data ? timelineBars(data.data, data.step) : []), [data]);
  if (error) return <div className="banner banner-error">{error}</div>;
  if (!data) return <p className="muted">Loading…</p>;
  if (bars.length === 0) return <p className="muted" data-testid="timeline-empty">No alert was pending or firing in this range (in the selected context).</p>;
  const width = data.end - data.start;
  return (
    <div className="alert-timeline" data-testid="alert-timeline">
      {bars.map((b) => (
        <div key={b.key} className="alert-timeline-row" data-testid="timeline-row">
          <span className="alert-timeline-label" title={b.label}>
            {b.label}
          </span>
          <svg className="alert-timeline-bar" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label={`${b.label} timeline`}>
            {b.segments.map(([s, e, state], i) => (
              <rect
                key={i}
                data-state={state}
                className={`seg-${state}`}
                x={((s - data.start) / width) * 1000}
                width={Math.max(2, ((e - s + data.step) / width) * 1000)}
                y={0}
                height={10}
              >
                <title>{`${state} ${new Date(s).toLocaleTimeString()} – ${new Date(e).toLocaleTimeString()}`}</title>
              </rect>
            ))}
          </svg>
        </div>
      ))}
      <div className="muted alert-timeline-axis">
        <span>{new Date(data.start).toLocaleTimeString()}</span>
        <span>{new Date(data.end).toLocaleTimeString()}</span>
      </div>
    </div>
  );
}

function RuleGroups({ context, groups, now }: { context: string; groups: RuleGroupInfo[]; now: number }) {
  const byFile = new Map<string, RuleGroupInfo[]>();
  for (const g of groups) byFile.set(g.file, [...(byFile.get(g.file) ?? []), g]);
  return (
    <section data-testid="rules-context" data-context={context}>
      <h3>{context}</h3>
      {[...byFile].map(([file, gs]) => (
        <details key={file} className="rule-file" open={gs.some((g) => g.rules.some((r) => r.health === 'err' || (r.type === 'alerting' && r.state !== 'inactive')))}>
          <summary>
            <code>{file}</code> <span className="muted">({gs[0]!.source === 'builtin' ? 'built in' : gs[0]!.source === 'cluster' ? 'PrometheusRule' : 'your rules'})</span>
          </summary>
          {gs.map((g) => (
            <table key={g.name} className="grid rules-table">
              <caption>
                {g.name} <span className="muted">every {g.interval}s · last evaluation {evaluated(g.lastEvaluation, now)} · took {(g.evaluationTime * 1000).toFixed(1)} ms</span>
              </caption>
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>State</th>
                  <th>Health</th>
                  <th>Last evaluation</th>
                </tr>
              </thead>
              <tbody>
                {g.rules.map((r) => (
                  <tr key={`${r.type}:${r.name}:${r.query}`} data-testid="rule-row" data-rule={r.name} data-health={r.health} data-state={r.type === 'alerting' ? r.state : 'recording'}>
                    <td>
                      <strong>{r.name}</strong> <span className="muted">{r.type === 'recording' ? 'record' : `alert${r.duration ? `, for ${r.duration}s` : ''}`}</span>
                      <div>
                        <code className="muted">{r.query}</code>
                      </div>
                    </td>
                    <td>{r.type === 'alerting' ? <span className={`alert-state alert-state-${r.state}`}>{r.state}</span> : '—'}</td>
                    <td>
                      <span className={`health health-${r.health === 'ok' ? 'up' : r.health === 'err' ? 'down' : 'unknown'}`}>{r.health}</span>
                      {r.lastError && <div className="ctx-problem">{r.lastError}</div>}
                    </td>
                    <td>{evaluated(r.lastEvaluation, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </details>
      ))}
    </section>
  );
}

function NotificationPermission() {
  const supported = typeof window !== 'undefined' && 'Notification' in window;
  const [perm, setPerm] = useState<string>(supported ? Notification.permission : 'unsupported');
  if (!supported) return <span className="muted">This browser has no desktop notifications.</span>;
  if (perm === 'granted') return <span className="muted" data-testid="notifications-on">Desktop notifications are on.</span>;
  return (
    <button
      type="button"
      data-testid="enable-notifications"
      onClick={() => void Notification.requestPermission().then((p) => setPerm(p))}
      disabled={perm === 'denied'}
      title={perm === 'denied' ? 'The browser blocks notifications for this page; allow them in its site settings.' : undefined}
    >
      Enable desktop notifications
    </button>
  );
}

export function AlertsPage() {
  const client = useClient();
  const [alerts, setAlerts] = useState<AlertsState | null>(null);
  const [rules, setRules] = useState<RulesState | null>(null);
  const [silences, setSilences] = useState<SilenceInfo[]>([]);
  const [settings, setSettings] = useState<AlertSettings | null>(null);
  const [shell, setShell] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [span, setSpan] = useState<string>('1h');
  const focused = useFocusedAlert();

  const refresh = useCallback(() => {
    Promise.all([client.call('alerts.list', {}), client.call('rules.list', {}), client.call('silences.list', {}), client.call('alerts.settings', {})]).then(
      ([a, r, s, st]) => {
        setAlerts(a);
        setRules(r);
        setSilences(s);
        setSettings(st);
        setNow(Date.now());
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  }, [client]);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    client.call('app.info', {}).then(
      (i) => setShell(i.shell),
      () => {},
    );
    return () => clearInterval(timer);
  }, [client, refresh]);

  const act = (p: Promise<unknown>) =>
    p.then(
      () => refresh(),
      (err: Error) => setError(err.message),
    );
  const silence = (a: AlertInfo) => act(client.call('silences.create', { fingerprint: a.fingerprint, comment: `Silenced ${a.rule} from the Alerts page` }));

  const firing = alerts?.alerts.filter((a) => a.state === 'firing').length ?? 0;
  const pending = alerts?.alerts.filter((a) => a.state === 'pending').length ?? 0;
  const activeSilences = silences.filter((s) => s.state !== 'expired');

  return (
    <div className="page alerts-page">
      <h1>Alerts</h1>
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      <div className="toolbar">
        {shell === 'browser' && <NotificationPermission />}
        {settings && (
          <label>
            <input
              type="checkbox"
              data-testid="dnd"
              checked={settings.doNotDisturb}
              onChange={(e) => act(client.call('alerts.setSettings', { doNotDisturb: e.target.checked }))}
            />{' '}
            Do not disturb
          </label>
        )}
        <button type="button" onClick={() => act(client.call('alerts.reloadRules', {}))}>
          Reload rules
        </button>
      </div>

      {rules && rules.problems.length > 0 && (
        <div className="banner banner-error" data-testid="rule-problems">
          {rules.problems.map((p) => (
            <div key={`${p.context ?? ''}:${p.file}`}>
              <code>{p.file}</code>
              {p.context ? ` (${p.context})` : ''}: {p.error}
            </div>
          ))}
        </div>
      )}

      <h2>
        Active alerts <span className="muted" data-testid="alert-counts">{alerts ? `${firing} firing, ${pending} pending` : 'loading…'}</span>
      </h2>
      {alerts && alerts.alerts.length === 0 ? (
        <p className="muted">No alert is pending or firing.</p>
      ) : (
        <table className="grid" data-testid="alerts-table">
          <thead>
            <tr>
              <th>Alert</th>
              <th>State</th>
              <th>Context</th>
              <th>Labels</th>
              <th>Value</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {alerts?.alerts.map((a) => <AlertRow key={a.fingerprint} a={a} now={now} focused={a.fingerprint === focused} onSilence={silence} />)}
          </tbody>
        </table>
      )}

      <h2>
        Timeline{' '}
        <select value={span} onChange={(e) => setSpan(e.target.value)} aria-label="Timeline range">
          {PRESETS.map((p) => (
            <option key={p} value={p}>
              last {p}
            </option>
          ))}
        </select>
      </h2>
      <Timeline span={span} />

      <h2>Silences</h2>
      {activeSilences.length === 0 ? (
        <p className="muted">No silences.</p>
      ) : (
        <table className="grid" data-testid="silences-table">
          <thead>
            <tr>
              <th>Matchers</th>
              <th>State</th>
              <th>Ends</th>
              <th>Comment</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {activeSilences.map((s) => (
              <tr key={s.id} data-testid="silence-row" data-state={s.state}>
                <td>
                  <span className="labels">
                    {s.matchers.map((m) => (
                      <span key={m} className="label">
                        {m}
                      </span>
                    ))}
                  </span>
                </td>
                <td>{s.state}</td>
                <td>{new Date(s.endsAt).toLocaleString()}</td>
                <td>
                  {s.comment} <span className="muted">— {s.createdBy}</span>
                </td>
                <td>
                  <button type="button" onClick={() => act(client.call('silences.expire', { id: s.id }))}>
                    Expire
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {settings && settings.clusterRules.length > 0 && (
        <>
          <h2>Contexts</h2>
          <table className="grid" data-testid="alert-contexts">
            <thead>
              <tr>
                <th>Context</th>
                <th>Notifications</th>
                <th>The cluster's PrometheusRules</th>
              </tr>
            </thead>
            <tbody>
              {settings.clusterRules.map((c) => (
                <tr key={c.context}>
                  <td>{c.context}</td>
                  <td>
                    <label>
                      <input
                        type="checkbox"
                        checked={settings.mutedContexts.includes(c.context)}
                        onChange={(e) => act(client.call('alerts.setSettings', { mute: { context: c.context, muted: e.target.checked } }))}
                      />{' '}
                      Mute
                    </label>
                  </td>
                  <td>
                    <label>
                      <input
                        type="checkbox"
                        checked={c.enabled}
                        onChange={(e) => act(client.call('alerts.setSettings', { clusterRules: { context: c.context, enabled: e.target.checked } }))}
                      />{' '}
                      Evaluate {c.chosen ? '' : <span className="muted">(default)</span>}
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Rules are evaluated for the selected context and those kept scraping in the background (Contexts page).</p>
        </>
      )}

      <h2>Rules</h2>
      {rules?.contexts.length === 0 && <p className="muted">No context is being watched, so no rule is evaluated.</p>}
      {rules?.contexts.map((c) => <RuleGroups key={c.context} context={c.context} groups={c.groups} now={now} />)}
    </div>
  );
}
