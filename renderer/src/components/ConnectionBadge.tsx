import type { ConnectionStatus } from '../../../core/api/contract.js';
import type { Loadable } from '../api/hooks.js';

const LABEL: Record<ConnectionStatus['state'], string> = {
  none: 'No context',
  connecting: 'Connecting…',
  connected: 'Connected',
  unauthorized: 'Not authorized',
  unreachable: 'Unreachable',
  error: 'Error',
};

export function ConnectionBadge({ connection }: { connection: Loadable<ConnectionStatus> }) {
  if (connection.status !== 'ready') return <span className="badge badge-none">…</span>;
  const c = connection.value;
  const detail = c.state === 'connected' && c.serverVersion ? ` · ${c.serverVersion}` : '';
  return (
    <span className={`badge badge-${c.state}`} title={c.message} data-testid="connection-badge" data-state={c.state}>
      <span className="dot" aria-hidden="true" />
      {LABEL[c.state]}
      {detail}
    </span>
  );
}
