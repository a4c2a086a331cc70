// Runs the engine host in an Electron utilityProcess: a separate OS process, so SQLite, scrapes
// and queries can never stall a window or the main process, which only routes the contract.
import type { UtilityProcess } from 'electron';
import type { Port } from '../core/api/rpc.js';
import type { HostInit } from '../core/host/host.js';
import { connectHost } from '../core/host/spawn.js';
import type { StartedHost } from '../core/host/supervisor.js';

export type ForkFn = (modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit' }) => UtilityProcess;

export async function spawnEngineProcess(fork: ForkFn, modulePath: string, init: HostInit): Promise<StartedHost> {
  const child = fork(modulePath, [], { serviceName: 'Kubeglass engine', stdio: 'inherit' });
  const port: Port = {
    postMessage: (m) => child.postMessage(m),
    onMessage: (listener) => {
      child.on('message', listener);
      return () => child.off('message', listener);
    },
  };
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the engine process exited with code ${code} while starting`))));
  exited.catch(() => {}); // only matters while starting
  const api = await Promise.race([connectHost(port, init), exited]);
  child.once('exit', (code) => api.close(`the engine process exited with code ${code}`));
  return {
    api,
    async close() {
      api.close('the app is quitting');
      child.kill();
    },
  };
}
