// Dashboards (#/dashboards): the built-in dashboards and the imported ones, and "Import Grafana
// dashboard" (a file picker or a paste box) — converted by dashboards/grafana.ts, kept in this
// browser's localStorage by uid, opened at #/d/<uid>. `ImportedDashboardPage` draws one, with the
// summary of what the import converted and what it could not.
import { useMemo, useState, useSyncExternalStore } from 'react';
import { DashboardView } from '../dashboards/DashboardView.js';
import { convertGrafana, type ImportSummary } from '../dashboards/grafana.js';
import { deleteImported, listImported, loadImported, saveImported, useImportedVersion, type Imported } from '../dashboards/imported.js';
import { DASHBOARD_SOURCES } from '../dashboards/registry.js';
import { subscribeHash } from '../dashboards/useView.js';
import '../dashboards/dashboards.css';

/** Built-in dashboard files → their pages. */
const BUILTIN_ROUTES: Record<string, string> = {
  'cluster.json': '#/cluster',
  'nodes.json': '#/nodes',
  'node.json': '#/node',
  'workloads.json': '#/workloads',
  'gpu.json': '#/gpu',
};

function builtinTitle(file: string): string {
  const v = DASHBOARD_SOURCES[file] as { title?: unknown } | undefined;
  return typeof v?.title === 'string' ? v.title : file;
}

export function SummaryView({ summary }: { summary: ImportSummary }) {
  const notConverted = summary.unsupported.length + summary.droppedVariables.length + summary.notes.length;
  return (
    <div className="import-summary" data-testid="import-summary" data-panels={summary.panels} data-converted={summary.converted} data-unsupported={summary.unsupported.length}>
      <p>
        {summary.panels} panels: {summary.converted} converted
        {summary.text > 0 && `, ${summary.text} text`}
        {summary.unsupported.length > 0 && `, ${summary.unsupported.length} not supported`}; {summary.rows} rows; {summary.variables} variables
        {summary.repeated > 0 && `; ${summary.repeated} repeated panels or rows`}.
      </p>
      {notConverted > 0 && (
        <ul className="muted">
          {summary.unsupported.map((u) => (
            <li key={`u${u}`}>Not drawn: {u}</li>
          ))}
          {summary.droppedVariables.map((u) => (
            <li key={`v${u}`}>Variable dropped: {u}</li>
          ))}
          {summary.notes.map((u) => (
            <li key={`n${u}`}>{u}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function DashboardsPage() {
  useImportedVersion();
  const imported = listImported();
  const [paste, setPaste] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState<Imported | null>(null);

  const importText = (text: string, source: string) => {
    try {
      const { dashboard, summary } = convertGrafana(JSON.parse(text));
      const v: Imported = { dashboard, summary, source, importedAt: Date.now() };
      saveImported(v);
      setLast(v);
      setError(null);
    } catch (e) {
      setError(`${source}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <section className="page dashboards-page">
      <div className="page-head">
        <h1>Dashboards</h1>
      </div>
      <h2>Built in</h2>
      <ul className="dashboard-list" data-testid="builtin-dashboards">
        {Object.keys(DASHBOARD_SOURCES)
          .filter((f) => BUILTIN_ROUTES[f])
          .map((f) => (
            <li key={f}>
              <a href={BUILTIN_ROUTES[f]}>{builtinTitle(f)}</a>
            </li>
          ))}
      </ul>
      <h2>Imported</h2>
      <p className="muted">Imported dashboards are kept in this browser's local storage (by uid), not in Kubeglass's data directory.</p>
      {imported.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="dashboard-list" data-testid="imported-dashboards">
          {imported.map((d) => (
            <li key={d.uid} data-uid={d.uid}>
              <a href={`#/d/${d.uid}`}>{d.title}</a> <span className="muted">{d.source}</span>{' '}
              <button type="button" onClick={() => deleteImported(d.uid)} aria-label={`Delete ${d.title}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <h2>Import Grafana dashboard</h2>
      <div className="import-box">
        <label>
          JSON file{' '}
          <input
            type="file"
            accept=".json,application/json"
            aria-label="Grafana dashboard file"
            multiple
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              for (const f of files) void f.text().then((t) => importText(t, f.name));
            }}
          />
        </label>
        <textarea aria-label="Grafana dashboard JSON" placeholder="…or paste the dashboard's JSON here" rows={5} value={paste} onChange={(e) => setPaste(e.target.value)} />
        <button type="button" disabled={!paste.trim()} onClick={() => importText(paste, 'pasted')}>
          Import
        </button>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      {last && (
        <div className="import-result" data-testid="import-result" data-uid={last.dashboard.uid}>
          <p>
            Imported <a href={`#/d/${last.dashboard.uid}`}>{last.dashboard.title}</a>.
          </p>
          <SummaryView summary={last.summary} />
        </div>
      )}
    </section>
  );
}

/** The uid in #/d/<uid>. */
function uidOfHash(): string {
  return decodeURIComponent(window.location.hash.replace(/^#\/d\//, '').replace(/\?.*$/, ''));
}

export function ImportedDashboardPage() {
  const version = useImportedVersion();
  const uid = useSyncExternalStore(subscribeHash, uidOfHash);
  // Parsed once per uid and store change: a new dashboard object would run every query again.
  const { v, error } = useMemo(() => {
    try {
      return { v: loadImported(uid), error: null };
    } catch (e) {
      return { v: null, error: e instanceof Error ? e.message : String(e) };
    }
    // version: the store changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [uid, version]);
  if (!v) {
    return (
      <section className="page">
        <h1>Dashboard not found</h1>
        <p role="alert">{error ?? `No imported dashboard "${uid}" in this browser's storage.`}</p>
        <a href="#/dashboards">All dashboards</a>
      </section>
    );
  }
  return (
    <>
      <details className="import-details">
        <summary>
          Imported from Grafana ({v.source}); kept in this browser's local storage. <a href="#/dashboards">All dashboards</a>
        </summary>
        <SummaryView summary={v.summary} />
      </details>
      <DashboardView key={uid} dashboard={v.dashboard} route={`/d/${uid}`} />
    </>
  );
}
