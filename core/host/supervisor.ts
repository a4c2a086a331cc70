// Keeps an engine host running: if it dies (a crash in a native module, an out-of-memory kill),
// calls fail fast with 'unavailable', a new host starts with backoff, and subscribers are brought
// up to date. Both shells use it, over a worker thread or an Electron utilityProcess.
import type { CallOptions, RpcClient } from '../api/rpc.js';
import type { EventPayload, EventSourceApi, Params, Result } from '../api/contract.js';
import { ContractError } from '../api/contract.js';
import type { CallName, EventName } from '../api/names.js';

export interface StartedHost {
  api: RpcClient;
  close(): Promise<void>;
}

export interface SupervisorOptions {
  spawn: () => Promise<StartedHost>;
  log?: (line: string) => void;
  /** Backoff between restarts: first, and the cap. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class EngineSupervisor implements EventSourceApi {
  private host: StartedHost | null = null;
  private starting: Promise<StartedHost> | null = null;
  private closed = false;
  private delay: number;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<(name: EventName, payload: unknown) => void>();
  restarts = 0;

  constructor(private readonly opts: SupervisorOptions) {
    this.delay = opts.minDelayMs ?? 500;
  }

  /** Starts the first host; its failure is the caller's to report. */
  async start(): Promise<void> {
    await this.launch();
  }

  async call<C extends CallName>(name: C, params: Params<C>, options?: CallOptions): Promise<Result<C>> {
    const host = this.host ?? (await this.starting?.catch(() => null));
    if (!host) throw new ContractError('unavailable', 'the engine is restarting; try again in a moment');
    return host.api.call(name, params, options);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.onAnyEvent((name, payload) => {
      if (name === event) listener(payload as EventPayload<E>);
    });
  }

  onAnyEvent(listener: (name: EventName, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const host = this.host ?? (await this.starting?.catch(() => null));
    this.host = null;
    await host?.close();
  }

  private async launch(): Promise<StartedHost> {
    this.starting = this.opts.spawn();
    try {
      const host = await this.starting;
      if (this.closed) {
        await host.close();
        throw new ContractError('unavailable', 'the engine is shut down');
      }
      this.host = host;
      host.api.onAnyEvent((name, payload) => this.dispatch(name, payload));
      host.api.onClosed((reason) => this.lost(host, reason));
      return host;
    } finally {
      this.starting = null;
    }
  }

  private dispatch(name: EventName, payload: unknown): void {
    for (const l of this.listeners) l(name, payload);
  }

  private lost(host: StartedHost, reason: string): void {
    if (this.closed || this.host !== host) return;
    this.host = null;
    this.opts.log?.(`engine stopped (${reason}); restarting in ${this.delay} ms`);
    this.restartTimer = setTimeout(() => void this.restart(), this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 30_000);
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    try {
      const host = await this.launch();
      this.restarts++;
      this.delay = this.opts.minDelayMs ?? 500;
      this.opts.log?.('engine restarted');
      // Pages kept their old state across the gap; bring them up to date.
      this.dispatch('contexts.changed', await host.api.call('contexts.list', {}));
      this.dispatch('connection.changed', await host.api.call('connection.get', {}));
    } catch (err) {
      if (this.closed) return;
      this.opts.log?.(`engine restart failed: ${err instanceof Error ? err.message : String(err)}`);
      this.restartTimer = setTimeout(() => void this.restart(), this.delay);
      this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 30_000);
    }
  }
}
