// Request/response framing with sequence numbers and cancellation over any message port
// (worker_threads, Electron's utilityProcess, or an in-memory pair in tests).
import {
  ContractError,
  parseParams,
  serializeError,
  type EventPayload,
  type Handlers,
  type KubeglassApi,
  type Params,
  type Result,
  type SerializedError,
} from './contract.js';
import { isCallName, type CallName, type EventName } from './names.js';

export interface Port {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

type ToServer = { t: 'call'; id: number; name: string; params: unknown } | { t: 'cancel'; id: number };
type ToClient =
  | { t: 'result'; id: number; ok: true; result: unknown }
  | { t: 'result'; id: number; ok: false; error: SerializedError }
  | { t: 'event'; name: EventName; payload: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Rejects with ContractError('timeout') after this long; the server is told to cancel. */
  timeoutMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  cleanup(): void;
}

/** The calling side. Implements the contract, so anything holding a port can be the renderer's API. */
export class RpcClient implements KubeglassApi {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly anyListeners = new Set<(name: EventName, payload: unknown) => void>();
  private readonly unsubscribe: () => void;
  private closedWith: ContractError | null = null;
  private readonly closeListeners = new Set<(reason: string) => void>();

  constructor(
    private readonly port: Port,
    private readonly defaults: { timeoutMs?: number } = {},
  ) {
    this.unsubscribe = port.onMessage((message) => this.receive(message));
  }

  call<C extends CallName>(name: C, params: Params<C>, options: CallOptions = {}): Promise<Result<C>> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new ContractError('cancelled', `${name}: cancelled`));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs;
    return new Promise<Result<C>>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const abandon = (err: ContractError) => {
        if (!this.pending.has(id)) return;
        this.pending.get(id)!.cleanup();
        this.pending.delete(id);
        this.port.postMessage({ t: 'cancel', id } satisfies ToServer);
        reject(err);
      };
      const onAbort = () => abandon(new ContractError('cancelled', `${name}: cancelled`));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => abandon(new ContractError('timeout', `${name}: no answer after ${timeoutMs} ms`)), timeoutMs);
      }
      this.pending.set(id, {
        resolve: resolve as (value: unknown) => void,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      });
      this.port.postMessage({ t: 'call', id, name, params } satisfies ToServer);
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Every listener for every event, for transports that forward events wholesale. */
  onAnyEvent(listener: (name: EventName, payload: unknown) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** Rejects everything in flight and refuses new calls: the other side is gone. */
  close(reason: string): void {
    if (this.closedWith) return;
    this.closedWith = new ContractError('unavailable', reason);
    this.unsubscribe();
    for (const l of this.closeListeners) l(reason);
    for (const [id, p] of this.pending) {
      p.cleanup();
      p.reject(this.closedWith);
      this.pending.delete(id);
    }
  }

  onClosed(listener: (reason: string) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private receive(message: unknown): void {
    if (!isObject(message)) return;
    const msg = message as ToClient;
    if (msg.t === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return; // cancelled or timed out already
      this.pending.delete(msg.id);
      p.cleanup();
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new ContractError(msg.error.code, msg.error.message));
    } else if (msg.t === 'event') {
      for (const l of this.listeners.get(msg.name) ?? []) l(msg.payload);
      for (const l of this.anyListeners) l(msg.name, msg.payload);
    }
  }
}

/** The answering side: validates every call against the contract before its handler sees it. */
export class RpcServer {
  private readonly running = new Map<number, AbortController>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly port: Port,
    private readonly handlers: Handlers,
  ) {
    this.unsubscribe = port.onMessage((message) => void this.receive(message));
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.port.postMessage({ t: 'event', name, payload } satisfies ToClient);
  }

  close(): void {
    this.unsubscribe();
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }

  private async receive(message: unknown): Promise<void> {
    if (!isObject(message) || typeof message.id !== 'number') return;
    const msg = message as ToServer;
    if (msg.t === 'cancel') {
      this.running.get(msg.id)?.abort();
      this.running.delete(msg.id);
      return;
    }
    if (msg.t !== 'call') return;
    const { id } = msg;
    const controller = new AbortController();
    this.running.set(id, controller);
    let reply: ToClient;
    try {
      if (!isCallName(msg.name)) throw new ContractError('unknown_call', `unknown call ${JSON.stringify(msg.name)}`);
      const params = parseParams(msg.name, msg.params);
      const handler = this.handlers[msg.name] as (p: unknown, ctx: { signal: AbortSignal }) => Promise<unknown>;
      const result = await handler(params, { signal: controller.signal });
      reply = { t: 'result', id, ok: true, result };
    } catch (err) {
      reply = { t: 'result', id, ok: false, error: serializeError(err) };
    }
    // A cancelled call's answer is dropped: the caller has already moved on.
    if (this.running.delete(id) && !controller.signal.aborted) this.port.postMessage(reply);
  }
}

/** Two connected in-memory ports, for tests and for running the engine in-process. */
export function portPair(): [Port, Port] {
  const make = (peer: () => Set<(m: unknown) => void>, own: Set<(m: unknown) => void>): Port => ({
    postMessage: (m) => {
      const copy = structuredClone(m);
      queueMicrotask(() => peer().forEach((l) => l(copy)));
    },
    onMessage: (l) => {
      own.add(l);
      return () => own.delete(l);
    },
  });
  const a = new Set<(m: unknown) => void>();
  const b = new Set<(m: unknown) => void>();
  return [make(() => b, a), make(() => a, b)];
}
