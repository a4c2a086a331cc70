import { useEffect, useState } from 'react';
import type { ContextsState, Reachability, ScrapingStatus } from '../../../core/api/contract.js';
import { useClient } from '../api/hooks.js';
import { IssueList } from '../components/IssueList.js';

/** What scraping costs, refreshed every 10 s while the page is open. */
function useScrapingStatus(): ScrapingStatus | null {
  const client = useClient();
  const [status, setStatus] = useState<ScrapingStatus | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      client.call('scraping.status', {}).then(
        (s) => live && setStatus(s),
        () => {},
      );
    void load();
    const timer = setInterval(load, 10_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client]);
  return status;
}

const fmt = (n: number, digits = 1) => n.toFixed(n >= 100 ? 0 : digits);

export function ContextsPage({ contexts, onChoose, onReload }: { contexts: ContextsState; onChoose(name: string): void; onReload(): void }) {
  const client = useClient();
  const status = useScrapingStatus();
  const [error, setError] = useState<string | null>(null);
  // The box shows the choice at once; the engine's contexts.changed confirms it (or the error undoes it).
  const [pending, setPending] = useState<Record<string, boolean>>({});
  const [pendingPf, setPendingPf] = useState<Record<string, boolean>>({});
  const setPortForward = (name: string, portForward: boolean) => {
    setPendingPf((p) => ({ ...p, [name]: portForward }));
    const settle = (err: Error | null) => {
      setError(err ? err.message : null);
      setPendingPf((p) => {
        const { [name]: _, ...rest } = p;
        return rest;
      });
    };
    client.call('contexts.setPortForward', { name, portForward }).then(
      () => settle(null),
      (err: Error) => settle(err),
    );
  };
  const setBackground = (name: string, background: boolean) => {
    setPending((p) => ({ ...p, [name]: background }));
    const settle = () =>
      setPending((p) => {
        const { [name]: _, ...rest } = p;
        return rest;
      });
    client.call('contexts.setBackground', { name, background }).then(
      () => {
        setError(null);
        settle();
      },
      (err: Error) => {
        setError(err.message);
        settle();
      },
    );
  };
  return (
    <section className="page">
      <div className="page-head">
        <h1>Contexts</h1>
        <button type="button" onClick={onReload}>
          Reload kubeconfig
        </button>
      </div>
      <p className="muted">
        From {contexts.origin === 'KUBECONFIG' ? 'KUBECONFIG' : contexts.origin === 'demo' ? 'the built-in demo cluster (no kubeconfig was found)' : 'the default kubeconfig'}:{' '}
        {contexts.files.map((f, i) => (
          <span key={f}>
            {i > 0 && ', '}
            <code>{f}</code>
          </span>
        ))}
        {contexts.kubeconfigCurrent && (
          <>
            {' '}
            · kubectl's current context: <code>{contexts.kubeconfigCurrent}</code>
          </>
        )}
      </p>
      <IssueList issues={contexts.issues} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {status && (
        <p className="muted" data-testid="scraping-cost">
          Scraping {status.contexts.length} context{status.contexts.length === 1 ? '' : 's'}; the engine used {fmt(status.engineCpuPercent)}% of one CPU core over the last minute.
        </p>
      )}
      <table className="grid" aria-label="Contexts">
        <thead>
          <tr>
            <th>Name</th>
            <th>Cluster</th>
            <th>User</th>
            <th>Namespace</th>
            <th>API server</th>
            <th title="Whether the API server answers; an offline context still shows its stored data">Reachable</th>
            <th title="Scraped while another context is selected, so its alerts keep being evaluated">Background</th>
            <th title="Reach the context's pods by port-forward instead of the API server's proxy (slow or forbidden proxies)">Port-forward</th>
            <th>Scraping</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {contexts.contexts.map((c) => (
            <tr key={c.name} className={c.name === contexts.selected ? 'selected' : undefined}>
              <td>
                {c.name}
                {c.problems.length > 0 && (
                  <div className="ctx-problem" role="note">
                    {c.problems.join('; ')}
                  </div>
                )}
              </td>
              <td>{c.cluster}</td>
              <td>{c.user}</td>
              <td>{c.namespace}</td>
              <td>
                <code>{c.server}</code>
              </td>
              <td data-testid={`reach-${c.name}`}>
                <ReachCell reach={contexts.reachability[c.name]} />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Keep scraping ${c.name} in the background`}
                  checked={pending[c.name] ?? contexts.background.includes(c.name)}
                  onChange={(e) => void setBackground(c.name, e.target.checked)}
                />
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Reach pods of ${c.name} by port-forward`}
                  checked={pendingPf[c.name] ?? contexts.portForward.includes(c.name)}
                  onChange={(e) => setPortForward(c.name, e.target.checked)}
                />
              </td>
              <td data-testid={`scraping-${c.name}`}>
                {(() => {
                  const s = status?.contexts.find((x) => x.context === c.name);
                  if (!s) return <span className="muted">—</span>;
                  if (s.state === 'error') return <span className="ctx-problem">{s.message}</span>;
                  return (
                    <span title="CPU is estimated: the engine's CPU split by each context's share of the samples ingested">
                      {s.targetsUp}/{s.targets} up · {fmt(s.samplesPerSecond, 0)} samples/s · ≈{fmt(s.cpuPercent)}% CPU
                    </span>
                  );
                })()}
              </td>
              <td>
                {c.name === contexts.selected ? (
                  <span className="muted">in use</span>
                ) : (
                  <button type="button" onClick={() => onChoose(c.name)} aria-label={`Use ${c.name}`}>
                    Use
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const when = (t: number) => new Date(t).toLocaleString();

/** Online, or offline since when (and when it last answered): stored data stays viewable either way. */
function ReachCell({ reach }: { reach: Reachability | undefined }) {
  if (!reach || reach.state === 'unknown') {
    return <span className="muted">{reach?.message || (reach?.lastContact ? `last reached ${when(reach.lastContact)}` : 'not checked yet')}</span>;
  }
  if (reach.state === 'online') return <span className="reach-online">online</span>;
  return (
    <span className="ctx-problem" title={reach.message}>
      offline{reach.offlineSince !== null && ` since ${when(reach.offlineSince)}`}
      <div className="muted">{reach.lastContact ? `last reached ${when(reach.lastContact)}` : 'never reached'}; its stored data is still shown</div>
    </span>
  );
}
