import type { ConnectionStatus, ContextsState } from '../../../core/api/contract.js';
import { ConnectionBadge } from '../components/ConnectionBadge.js';
import { IssueList } from '../components/IssueList.js';

export function OverviewPage({ contexts, connection }: { contexts: ContextsState; connection: ConnectionStatus | null }) {
  const ctx = contexts.contexts.find((c) => c.name === contexts.selected);
  if (!ctx) {
    return (
      <section className="page">
        <h1>No cluster yet</h1>
        <p>
          Kubeglass found no context in {contexts.origin === 'KUBECONFIG' ? 'the files listed in KUBECONFIG' : <code>{contexts.files[0]}</code>}. Add a
          cluster with your provider's CLI (for example <code>aws eks update-kubeconfig</code>, <code>gcloud container clusters get-credentials</code> or{' '}
          <code>kind create cluster</code>) and it appears here without a restart.
        </p>
        <IssueList issues={contexts.issues} />
      </section>
    );
  }
  return (
    <section className="page">
      <h1>{ctx.name}</h1>
      <dl className="facts">
        <dt>Cluster</dt>
        <dd data-testid="overview-cluster">{ctx.cluster || '—'}</dd>
        <dt>API server</dt>
        <dd>{ctx.server || '—'}</dd>
        <dt>User</dt>
        <dd>{ctx.user || '—'}</dd>
        <dt>Namespace</dt>
        <dd>{ctx.namespace}</dd>
        <dt>Connection</dt>
        <dd>
          <ConnectionBadge connection={connection ? { status: 'ready', value: connection } : { status: 'loading' }} />{' '}
          <span className="muted" data-testid="connection-message">
            {connection?.message}
            {connection?.latencyMs != null ? ` (${connection.latencyMs} ms)` : ''}
          </span>
        </dd>
        <dt>Defined in</dt>
        <dd>
          <code>{ctx.source}</code>
        </dd>
      </dl>
      {ctx.problems.length > 0 && (
        <ul className="issues">
          {ctx.problems.map((p) => (
            <li key={p} className="issue issue-error">
              {p}
            </li>
          ))}
        </ul>
      )}
      <IssueList issues={contexts.issues} />
    </section>
  );
}
