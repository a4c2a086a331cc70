// The engine host: wires an Engine to a message port. Used by the worker-thread entry (browser
// mode), the utilityProcess entry (Electron) and in-process tests alike.
import { RpcServer, type Port } from '../api/rpc.js';
import { Engine, type EngineOptions } from './engine.js';

/** Serializable subset of EngineOptions sent to a host in another thread or process. */
export interface HostInit {
  dataDir: string;
  shell: EngineOptions['shell'];
  probeIntervalMs?: number;
  context?: string;
  /** See EngineOptions.scrape. */
  scrape?: boolean;
  scrapeIntervalMs?: number;
  /** See EngineOptions.ruleIntervalMs. */
  ruleIntervalMs?: number;
  /** See EngineOptions.capture. */
  capture?: string;
}

export type HostControl = { t: 'init'; init: HostInit } | { t: 'ready' } | { t: 'fatal'; message: string };

export function serveEngine(port: Port, options: EngineOptions): { engine: Engine; server: RpcServer; close(): void } {
  const engine = new Engine({ log: (line) => console.error(`kubeglass engine: ${line}`), ...options });
  const server = new RpcServer(port, engine.handlers);
  engine.start((name, payload) => server.emit(name, payload));
  return {
    engine,
    server,
    close() {
      void engine.close();
      server.close();
    },
  };
}

/** Waits for the init message on a port, then serves the engine on it. */
export function runHost(port: Port): void {
  const stop = port.onMessage((message) => {
    const msg = message as HostControl;
    if (typeof message !== 'object' || message === null || msg.t !== 'init') return;
    stop();
    try {
      serveEngine(port, { ...msg.init });
      port.postMessage({ t: 'ready' } satisfies HostControl);
    } catch (err) {
      port.postMessage({ t: 'fatal', message: err instanceof Error ? err.message : String(err) } satisfies HostControl);
    }
  });
}
