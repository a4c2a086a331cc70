import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { useClient, useConnection, useContexts, useLink } from './api/hooks.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { useAlertNotifications } from './components/AlertNotifications.js';
import { ContextSwitcher } from './components/ContextSwitcher.js';
import { CaptureBanner } from './components/CaptureBanner.js';
import { setCaptureSpan } from './dashboards/timerange.js';
import type { AppInfo } from '../../core/api/contract.js';
import { AlertsPage } from './pages/Alerts.js';
import { ClusterPage } from './pages/Cluster.js';
import { ContextsPage } from './pages/Contexts.js';
import { DashboardsPage, ImportedDashboardPage } from './pages/Dashboards.js';
import { DataPage } from './pages/Data.js';
import { GpuPage } from './pages/Gpu.js';
import { NodePage } from './pages/Node.js';
import { NodesPage } from './pages/Nodes.js';
import { OverviewPage } from './pages/Overview.js';
import { TargetsPage } from './pages/Targets.js';
import { WorkloadsPage } from './pages/Workloads.js';
import { ROUTES, useRoute } from './router.js';

// The PromQL editor (CodeMirror and Prometheus's grammar) is a third of the bundle: loaded when
// Explore is first opened, not with every page.
const ExplorePage = lazy(() => import('./pages/Explore.js').then((m) => ({ default: m.ExplorePage })));

const isMac = navigator.platform.toLowerCase().includes('mac');

export function App() {
  const client = useClient();
  const contexts = useContexts();
  const connection = useConnection();
  const linkUp = useLink();
  useAlertNotifications();
  // The cluster overview is the landing page once a context is selected (and so scraped).
  const route = useRoute(contexts.status === 'ready' && contexts.value.selected ? '/cluster' : '/overview');
  const [switcherOpen, setSwitcherOpen] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  // Read before any page renders: an open capture sets every page's default time range.
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    client.call('app.info', {}).then(
      (i) => {
        const c = i.capture;
        setCaptureSpan(c && c.minTime !== null && c.maxTime !== null ? { from: c.minTime, to: Math.max(c.maxTime, c.minTime + 60_000) } : null);
        setInfo(i);
      },
      (err: Error) => setActionError(err.message),
    );
  }, [client]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((isMac ? e.metaKey : e.ctrlKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSwitcherOpen((open) => !open);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const choose = useCallback(
    (name: string) => {
      setSwitcherOpen(false);
      client.call('contexts.select', { name }).then(
        () => setActionError(null),
        (err: Error) => setActionError(err.message),
      );
    },
    [client],
  );
  const reload = useCallback(() => {
    client.call('contexts.reload', {}).then(
      () => setActionError(null),
      (err: Error) => setActionError(err.message),
    );
  }, [client]);

  if (contexts.status === 'loading' || (info === null && actionError === null && contexts.status === 'ready')) return <div className="splash">Starting Kubeglass…</div>;
  if (contexts.status === 'error') {
    return (
      <div className="splash" role="alert">
        {contexts.code === 'unauthorized' ? (
          <>
            <h1>Access token needed</h1>
            <p>Open the link that <code>kubeglass serve</code> printed; it carries this launch's access token.</p>
          </>
        ) : (
          <>
            <h1>Kubeglass cannot start</h1>
            <p>{contexts.message}</p>
          </>
        )}
      </div>
    );
  }
  const state = contexts.value;
  const selected = state.contexts.find((c) => c.name === state.selected) ?? null;

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Kubeglass</span>
        <button
          type="button"
          className="context-button"
          onClick={() => setSwitcherOpen(true)}
          aria-label="Switch context"
          aria-keyshortcuts={isMac ? 'Meta+K' : 'Control+K'}
          disabled={state.contexts.length === 0}
        >
          <span className="muted">context</span> <strong data-testid="current-context">{selected?.name ?? 'none'}</strong>
          {selected && <span className="muted"> · {selected.namespace}</span>}
          <kbd>{isMac ? '⌘K' : 'Ctrl K'}</kbd>
        </button>
        {state.origin === 'demo' && (
          <span className="demo-badge" data-testid="demo-badge" title="No kubeconfig was found: this is Kubeglass's simulated demo cluster">
            Demo cluster · simulated data
          </span>
        )}
        <ConnectionBadge connection={connection} />
      </header>
      <nav className="sidebar" aria-label="Pages">
        {ROUTES.filter((r) => !('nav' in r)).map((r) => (
          <a key={r.path} href={`#${r.path}`} aria-current={route === r.path || (route === '/node' && r.path === '/nodes') || (route === '/d' && r.path === '/dashboards') ? 'page' : undefined}>
            {r.label}
          </a>
        ))}
      </nav>
      <main className="content">
        {!linkUp && (
          <div className="banner banner-error" role="alert">
            Lost the connection to the Kubeglass engine; retrying…
          </div>
        )}
        {info && <CaptureBanner info={info} />}
        {actionError && (
          <div className="banner banner-error" role="alert">
            {actionError}
          </div>
        )}
        {route === '/contexts' ? (
          <ContextsPage contexts={state} onChoose={choose} onReload={reload} />
        ) : route === '/data' ? (
          <DataPage />
        ) : route === '/alerts' ? (
          <AlertsPage />
        ) : route === '/targets' ? (
          <TargetsPage />
        ) : route === '/cluster' ? (
          <ClusterPage />
        ) : route === '/nodes' ? (
          <NodesPage />
        ) : route === '/node' ? (
          <NodePage />
        ) : route === '/workloads' ? (
          <WorkloadsPage />
        ) : route === '/explore' ? (
          <Suspense fallback={<div className="muted">Loading the PromQL editor…</div>}>
            <ExplorePage />
          </Suspense>
        ) : route === '/dashboards' ? (
          <DashboardsPage />
        ) : route === '/d' ? (
          <ImportedDashboardPage />
        ) : route === '/gpu' ? (
          <GpuPage />
        ) : (
          <OverviewPage contexts={state} connection={connection.status === 'ready' ? connection.value : null} />
        )}
      </main>
      {switcherOpen && <ContextSwitcher
          contexts={state.contexts}
          selected={state.selected}
          offline={Object.entries(state.reachability).flatMap(([name, r]) => (r.state === 'offline' ? [name] : []))}
          onChoose={choose} onClose={() => setSwitcherOpen(false)} />}
    </div>
  );
}
