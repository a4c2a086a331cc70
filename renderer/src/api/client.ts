// The renderer's one API object. It picks the transport once (the Electron preload's bridge if
// present, else HTTP to the browser-mode server) and the rest of the renderer never knows which.
import type { PreloadBridge, WireResult } from '../../../core/api/bridge.js';
import type { EventPayload, KubeglassApi, Params, Result } from '../../../core/api/contract.js';
import { ContractError } from '../../../core/api/errors.js';
import type { CallName, EventName } from '../../../core/api/names.js';

export interface KubeglassClient extends KubeglassApi {
  readonly transport: 'ipc' | 'http';
  /** The link to the engine: false while a browser-mode server is unreachable. */
  onLinkChange(listener: (up: boolean) => void): () => void;
}

declare global {
  interface Window {
    kubeglass?: PreloadBridge;
  }
}

function unwrap<T>(wire: WireResult): T {
  if (wire.ok) return wire.result as T;
  throw new ContractError(wire.error.code, wire.error.message);
}

function ipcClient(bridge: PreloadBridge): KubeglassClient {
  let nextId = 1;
  return {
    transport: 'ipc',
    async call<C extends CallName>(name: C, params: Params<C>, options?: { signal?: AbortSignal }): Promise<Result<C>> {
      const id = nextId++;
      const signal = options?.signal;
      if (signal?.aborted) throw new ContractError('cancelled', `${name}: cancelled`);
      const onAbort = () => bridge.cancel(id);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const wire = await bridge.calls[name](params, id);
        if (signal?.aborted) throw new ContractError('cancelled', `${name}: cancelled`);
        return unwrap<Result<C>>(wire);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      return bridge.on(event, listener as (payload: unknown) => void);
    },
    onLinkChange: () => () => {},
  };
}

function httpClient(): KubeglassClient {
  let source: EventSource | null = null;
  const linkListeners = new Set<(up: boolean) => void>();
  const eventListeners = new Map<string, Set<(payload: unknown) => void>>();
  let up = true;

  const setLink = (next: boolean) => {
    if (next === up) return;
    up = next;
    for (const l of linkListeners) l(next);
  };

  const ensureSource = () => {
    if (source) return;
    source = new EventSource('rpc/events');
    source.onopen = () => setLink(true);
    source.onerror = () => setLink(false);
    for (const name of eventListeners.keys()) attach(name);
  };
  const attached = new Set<string>();
  const attach = (name: string) => {
    if (!source || attached.has(name)) return;
    attached.add(name);
    source.addEventListener(name, (e) => {
      const payload: unknown = JSON.parse((e as MessageEvent<string>).data);
      for (const l of eventListeners.get(name) ?? []) l(payload);
    });
  };

  return {
    transport: 'http',
    async call<C extends CallName>(name: C, params: Params<C>, options?: { signal?: AbortSignal }): Promise<Result<C>> {
      let response: Response;
      try {
        response = await fetch(`rpc/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(params),
          credentials: 'same-origin',
          signal: options?.signal ?? null,
        });
      } catch (err) {
        if (options?.signal?.aborted) throw new ContractError('cancelled', `${name}: cancelled`);
        setLink(false);
        throw new ContractError('unavailable', `cannot reach the Kubeglass server (${err instanceof Error ? err.message : String(err)})`);
      }
      let wire: WireResult;
      try {
        wire = (await response.json()) as WireResult;
      } catch {
        throw new ContractError('internal', `${name}: the server answered HTTP ${response.status} without a result`);
      }
      return unwrap<Result<C>>(wire);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      ensureSource();
      attach(event);
      return () => set.delete(l);
    },
    onLinkChange(listener) {
      linkListeners.add(listener);
      ensureSource();
      return () => linkListeners.delete(listener);
    },
  };
}

export function createClient(): KubeglassClient {
  return window.kubeglass ? ipcClient(window.kubeglass) : httpClient();
}
