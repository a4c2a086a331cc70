import type { KubeconfigIssue } from '../../../core/api/contract.js';

export function IssueList({ issues }: { issues: KubeconfigIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="issues" aria-label="Kubeconfig problems">
      {issues.map((i, n) => (
        <li key={n} className={`issue issue-${i.severity}`}>
          <code>{i.file}</code>: {i.message}
        </li>
      ))}
    </ul>
  );
}
