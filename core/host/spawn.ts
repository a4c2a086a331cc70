// Starts the engine host in a worker thread (browser mode) and returns the contract over it.
import { Worker } from 'node:worker_threads';
import { RpcClient, type Port } from '../api/rpc.js';
import type { HostControl, HostInit } from './host.js';
import type { StartedHost } from './supervisor.js';


/** Connects to a host over a port that speaks HostControl first; resolves once it is ready. */
export function connectHost(port: Port, init: HostInit, timeoutMs = 30_000): Promise<RpcClient> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the engine did not start within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const stop = port.onMessage((message) => {
      const msg = message as HostControl;
      if (msg?.t === 'ready') {
        clearTimeout(timer);
        stop();
        resolve(new RpcClient(port, { timeoutMs: 120_000 }));
      } else if (msg?.t === 'fatal') {
        clearTimeout(timer);
        stop();
        reject(new Error(`the engine failed to start: ${msg.message}`));
      }
    });
    port.postMessage({ t: 'init', init } satisfies HostControl);
  });
}

export async function spawnEngineWorker(workerFile: string | URL, init: HostInit): Promise<StartedHost> {
  const worker = new Worker(workerFile);
  const port: Port = {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (listener) => {
      worker.on('message', listener);
      return () => worker.off('message', listener);
    },
  };
  let failed: Error | null = null;
  const started = connectHost(port, init);
  const onError = (err: Error) => {
    failed = err;
  };
  worker.on('error', onError);
  const exited = new Promise<never>((_, reject) =>
    worker.once('exit', (code) => reject(failed ?? new Error(`the engine exited with code ${code} while starting`))),
  );
  exited.catch(() => {}); // only matters while starting
  const api = await Promise.race([started, exited]);
  worker.on('exit', (code) => api.close(`the engine stopped (exit code ${code})${failed ? `: ${failed.message}` : ''}`));
  return {
    api,
    async close() {
      api.close('the engine is shutting down');
      await worker.terminate();
    },
  };
}
