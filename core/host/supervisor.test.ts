import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../api/contract.js';
import { portPair, RpcClient, RpcServer } from '../api/rpc.js';
import { EngineSupervisor, type StartedHost } from './supervisor.js';

function fakeHost(generation: number): StartedHost & { server: RpcServer } {
  const state = { files: [], origin: 'default' as const, contexts: [], kubeconfigCurrent: null, selected: `gen-${generation}`, issues: [], loadedAt: generation };
  const conn = { context: `gen-${generation}`, state: 'connected' as const, serverVersion: 'v1', message: '', checkedAt: 1, latencyMs: 1 };
  const handlers = {
    'contexts.list': async () => state,
    'connection.get': async () => conn,
  } as unknown as Handlers;
  const [a, b] = portPair();
  const server = new RpcServer(b, handlers);
  const api = new RpcClient(a);
  return { api, server, close: async () => api.close('closed') };
}

describe('EngineSupervisor', () => {
  it('restarts a host that died, fails calls meanwhile, and brings listeners up to date', async () => {
    const hosts: ReturnType<typeof fakeHost>[] = [];
    const sup = new EngineSupervisor({
      spawn: async () => {
        const h = fakeHost(hosts.length + 1);
        hosts.push(h);
        return h;
      },
      minDelayMs: 30,
    });
    await sup.start();
    const seen = vi.fn();
    sup.on('contexts.changed', seen);
    expect((await sup.call('contexts.list', {})).selected).toBe('gen-1');

    hosts[0]!.api.close('crashed');
    await expect(sup.call('contexts.list', {})).rejects.toMatchObject({ code: 'unavailable' });
    await vi.waitFor(() => expect(seen).toHaveBeenCalledWith(expect.objectContaining({ selected: 'gen-2' })));
    expect((await sup.call('contexts.list', {})).selected).toBe('gen-2');
    expect(sup.restarts).toBe(1);

    // Events from the new host reach listeners subscribed before the crash.
    hosts[1]!.server.emit('contexts.changed', { files: [], origin: 'default', contexts: [], kubeconfigCurrent: null, selected: 'pushed', background: [], portForward: [], reachability: {}, issues: [], loadedAt: 9 });
    await vi.waitFor(() => expect(seen).toHaveBeenLastCalledWith(expect.objectContaining({ selected: 'pushed' })));
    await sup.close();
  });

  it('retries a failing restart with backoff and stops when closed', async () => {
    let attempts = 0;
    const first = fakeHost(1);
    const sup = new EngineSupervisor({
      spawn: async () => {
        attempts++;
        if (attempts === 1) return first;
        throw new Error('native module failed to load');
      },
      minDelayMs: 10,
      maxDelayMs: 20,
    });
    await sup.start();
    first.api.close('crashed');
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(4), { timeout: 2000 });
    await sup.close();
    const after = attempts;
    await new Promise((r) => setTimeout(r, 80));
    expect(attempts).toBe(after);
  });
});
