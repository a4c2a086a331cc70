// Entry point of the engine host process or thread. In Electron it runs as a utilityProcess
// (process.parentPort); in browser mode as a worker thread (worker_threads.parentPort).
import { parentPort } from 'node:worker_threads';
import type { Port } from '../api/rpc.js';
import { runHost } from './host.js';

interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  off(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function hostPort(): Port {
  const utility = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (utility) {
    return {
      postMessage: (m) => utility.postMessage(m),
      onMessage: (listener) => {
        const l = (e: { data: unknown }) => listener(e.data);
        utility.on('message', l);
        return () => utility.off('message', l);
      },
    };
  }
  if (parentPort) {
    const pp = parentPort;
    return {
      postMessage: (m) => pp.postMessage(m),
      onMessage: (listener) => {
        pp.on('message', listener);
        return () => pp.off('message', listener);
      },
    };
  }
  throw new Error('the engine host must run as a worker thread or an Electron utility process');
}

runHost(hostPort());
