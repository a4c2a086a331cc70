import { describe, expect, it, vi } from 'vitest';
import { ContractError, type Handlers } from './contract.js';
import { portPair, RpcClient, RpcServer } from './rpc.js';
import { EMPTY_CONTEXTS, fakeHandlers, NO_CONNECTION } from './testing.js';

const state = EMPTY_CONTEXTS;
const conn = NO_CONNECTION;
const handlers = fakeHandlers;

function setup(h: Handlers = handlers()) {
  const [a, b] = portPair();
  const server = new RpcServer(b, h);
  const client = new RpcClient(a);
  return { client, server };
}

describe('rpc', () => {
  it('answers calls in any order by sequence number', async () => {
    const { client } = setup(
      handlers({
        'contexts.select': async ({ name }) => {
          await new Promise((r) => setTimeout(r, name === 'slow' ? 30 : 1));
          return { ...state, selected: name };
        },
      }),
    );
    const [slow, fast] = await Promise.all([client.call('contexts.select', { name: 'slow' }), client.call('contexts.select', { name: 'fast' })]);
    expect(slow.selected).toBe('slow');
    expect(fast.selected).toBe('fast');
  });

  it.each([
    ['a wrong type', 'contexts.select', { name: 7 }, 'invalid_params', /name/],
    ['an unknown field', 'contexts.list', { extra: true }, 'invalid_params', /contexts.list/],
    ['an empty name', 'contexts.select', { name: '' }, 'invalid_params', /name/],
    ['an unknown call', 'nope.nothing', {}, 'unknown_call', /nope.nothing/],
  ])('rejects %s before any handler runs', async (_n, name, params, code, message) => {
    const select = vi.fn();
    const { client } = setup(handlers({ 'contexts.select': select }));
    const err = await client.call(name as 'contexts.select', params as never).catch((e: ContractError) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect((err as ContractError).code).toBe(code);
    expect((err as ContractError).message).toMatch(message);
    expect(select).not.toHaveBeenCalled();
  });

  it('carries handler errors with their code', async () => {
    const { client } = setup(handlers({ 'contexts.select': async () => Promise.reject(new ContractError('not_found', 'no such context')) }));
    await expect(client.call('contexts.select', { name: 'x' })).rejects.toMatchObject({ code: 'not_found', message: 'no such context' });
  });

  it('turns unexpected exceptions into internal errors', async () => {
    const { client } = setup(handlers({ 'contexts.list': async () => Promise.reject(new TypeError('boom')) }));
    await expect(client.call('contexts.list', {})).rejects.toMatchObject({ code: 'internal', message: 'boom' });
  });

  it('cancels the handler when the caller aborts', async () => {
    let seen: AbortSignal | null = null;
    const { client } = setup(
      handlers({
        'contexts.list': ({}, { signal }) => {
          seen = signal;
          return new Promise(() => {});
        },
      }),
    );
    const controller = new AbortController();
    const pending = client.call('contexts.list', {}, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen!.aborted).toBe(true);
    expect(client.inFlight).toBe(0);
  });

  it('times out and tells the server to stop', async () => {
    let seen: AbortSignal | null = null;
    const { client } = setup(
      handlers({
        'contexts.list': ({}, { signal }) => {
          seen = signal;
          return new Promise(() => {});
        },
      }),
    );
    await expect(client.call('contexts.list', {}, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'timeout' });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen!.aborted).toBe(true);
  });

  it('delivers events to the listeners of that event only, until they unsubscribe', async () => {
    const { client, server } = setup();
    const contexts = vi.fn();
    const any = vi.fn();
    const off = client.on('contexts.changed', contexts);
    client.onAnyEvent(any);
    server.emit('contexts.changed', { ...state, selected: 'a' });
    server.emit('connection.changed', conn);
    await new Promise((r) => setTimeout(r, 1));
    expect(contexts).toHaveBeenCalledTimes(1);
    expect(contexts.mock.calls[0]![0].selected).toBe('a');
    expect(any.mock.calls.map((c) => c[0])).toEqual(['contexts.changed', 'connection.changed']);
    off();
    server.emit('contexts.changed', state);
    await new Promise((r) => setTimeout(r, 1));
    expect(contexts).toHaveBeenCalledTimes(1);
  });

  it('fails everything in flight, and later calls, once closed', async () => {
    const { client } = setup(handlers({ 'contexts.list': () => new Promise(() => {}) }));
    const closed = vi.fn();
    client.onClosed(closed);
    const pending = client.call('contexts.list', {});
    client.close('engine died');
    await expect(pending).rejects.toMatchObject({ code: 'unavailable', message: 'engine died' });
    await expect(client.call('contexts.list', {})).rejects.toMatchObject({ code: 'unavailable' });
    expect(closed).toHaveBeenCalledWith('engine died');
  });
});
