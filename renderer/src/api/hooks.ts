import { createContext, useContext, useEffect, useState } from 'react';
import type { ConnectionStatus, ContextsState } from '../../../core/api/contract.js';
import type { KubeglassClient } from './client.js';

export const ClientContext = createContext<KubeglassClient | null>(null);

export function useClient(): KubeglassClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside ClientContext');
  return client;
}

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string; code?: string };

/** Fetches with `get`, then follows `event`; refetches when the link to the engine comes back. */
function useLive<T>(get: (c: KubeglassClient, signal: AbortSignal) => Promise<T>, subscribe: (c: KubeglassClient, set: (v: T) => void) => () => void): Loadable<T> {
  const client = useClient();
  const [state, setState] = useState<Loadable<T>>({ status: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      get(client, controller.signal).then(
        (value) => setState({ status: 'ready', value }),
        (err: { message?: string; code?: string }) => {
          if (!controller.signal.aborted) setState({ status: 'error', message: err.message ?? String(err), code: err.code });
        },
      );
    void load();
    const offEvent = subscribe(client, (value) => setState({ status: 'ready', value }));
    const offLink = client.onLinkChange((up) => {
      if (up) void load();
    });
    return () => {
      controller.abort();
      offEvent();
      offLink();
    };
    // get/subscribe are module-level functions below; the client is stable for the app's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);
  return state;
}

const getContexts = (c: KubeglassClient, signal: AbortSignal) => c.call('contexts.list', {}, { signal });
const subContexts = (c: KubeglassClient, set: (v: ContextsState) => void) => c.on('contexts.changed', set);
const getConnection = (c: KubeglassClient, signal: AbortSignal) => c.call('connection.get', {}, { signal });
const subConnection = (c: KubeglassClient, set: (v: ConnectionStatus) => void) => c.on('connection.changed', set);

export function useContexts(): Loadable<ContextsState> {
  return useLive(getContexts, subContexts);
}

export function useConnection(): Loadable<ConnectionStatus> {
  return useLive(getConnection, subConnection);
}

export function useLink(): boolean {
  const client = useClient();
  const [up, setUp] = useState(true);
  useEffect(() => client.onLinkChange(setUp), [client]);
  return up;
}
