import type { ContextsState } from '../../../core/api/contract.js';
import { IssueList } from '../components/IssueList.js';

export function ContextsPage({ contexts, onChoose, onReload }: { contexts: ContextsState; onChoose(name: string): void; onReload(): void }) {
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
      <table className="grid" aria-label="Contexts">
        <thead>
          <tr>
            <th>Name</th>
            <th>Cluster</th>
            <th>User</th>
            <th>Namespace</th>
            <th>API server</th>
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
