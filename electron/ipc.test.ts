import type { WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WireResult } from '../core/api/bridge.js';
import { ContractError, type ErrorCode, type KubeglassApi } from '../core/api/contract.js';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_CANCEL_CHANNEL, type CallName } from '../core/api/names.js';
import { registerContractIpc, type IpcRouterOptions } from './ipc.js';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

/** Records what registerContractIpc registers, and behaves like ipcMain.handle (one handler per channel). */
function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Set<Handler>>();
  const ipcMain = {
    handle: vi.fn((channel: string, fn: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
    on: vi.fn((channel: string, fn: Handler) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(fn);
      return ipcMain;
    }),
    removeListener: vi.fn((channel: string, fn: Handler) => {
      listeners.get(channel)?.delete(fn);
      return ipcMain;
    }),
  };
  const invoke = (name: string, event: unknown, params?: unknown, requestId?: unknown) => {
    const fn = handlers.get(IPC_CALL_PREFIX + name);
    if (!fn) throw new Error(`no handler for ${name}`);
    return fn(event, params, requestId) as Promise<WireResult>;
  };
  const send = (channel: string, event: unknown, ...args: unknown[]) => {
    for (const fn of listeners.get(channel) ?? []) fn(event, ...args);
  };
  return { ipcMain, handlers, listeners, invoke, send };
}

const APP_PAGE = 'app://kubeglass/index.html';

interface FakeSender {
  id: number;
}

function eventFrom(sender: FakeSender, frame: { parent: unknown; url: string } | null | undefined = { parent: null, url: APP_PAGE }) {
  return { sender, senderFrame: frame };
}

/** An api.call that never settles until its signal aborts, then rejects with the abort reason. */
function hangingCall() {
  const signals: AbortSignal[] = [];
  const call = vi.fn(
    (_name: string, _params: unknown, opts?: { signal?: AbortSignal }) =>
      new Promise((_, reject) => {
        const signal = opts!.signal!;
        signals.push(signal);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  );
  return { call, signals };
}

const validParams: Record<CallName, unknown> = {
  'app.info': {},
  'contexts.list': {},
  'contexts.select': { name: 'prod' },
  'contexts.reload': undefined,
  'contexts.setBackground': { name: 'prod', background: true },
  'contexts.setPortForward': { name: 'prod', portForward: true },
  'connection.get': {},
  'connection.check': {},
  'storage.list': {},
  'remoteWrite.get': { context: 'prod' },
  'remoteWrite.set': { context: 'prod', config: { url: 'http://127.0.0.1:9090/api/v1/write' } },
  'captures.create': { context: 'prod', name: 'incident', from: 0, to: 60_000 },
  'captures.delete': { file: '/d/captures/a.kgcapture' },
  'captures.open': { file: '/d/captures/a.kgcapture' },
  'captures.close': {},
  'promql.query': { query: 'up' },
  'promql.queryRange': { query: 'up', start: 0, end: 60_000, step: 15_000 },
  'promql.series': { match: ['up'] },
  'promql.labels': {},
  'promql.labelValues': { name: 'job' },
  'promql.metadata': {},
  'promql.format': { query: 'up' },
  'targets.list': {},
  'scraping.status': {},
  'alerts.list': {},
  'rules.list': { type: 'alert' },
  'alerts.reloadRules': {},
  'silences.list': {},
  'silences.create': { fingerprint: '0123456789abcdef' },
  'silences.expire': { id: 'abc' },
  'alerts.settings': {},
  'alerts.setSettings': { doNotDisturb: true },
};

describe('registerContractIpc', () => {
  let ipc: ReturnType<typeof fakeIpcMain>;
  let ours: Set<FakeSender>;
  let win1: FakeSender;
  let win2: FakeSender;
  let api: { call: ReturnType<typeof vi.fn>; on: ReturnType<typeof vi.fn> };

  function register(call: (...args: never[]) => unknown = vi.fn()) {
    api = { call: vi.fn(call as (...args: unknown[]) => unknown), on: vi.fn() };
    return registerContractIpc({
      ipcMain: ipc.ipcMain as unknown as IpcRouterOptions['ipcMain'],
      api: api as unknown as KubeglassApi,
      isOurWebContents: (c: WebContents) => ours.has(c as unknown as FakeSender),
    });
  }

  beforeEach(() => {
    ipc = fakeIpcMain();
    win1 = { id: 1 };
    win2 = { id: 2 };
    ours = new Set([win1, win2]);
  });

  it('registers exactly one handler per contract call, and a cancel listener', () => {
    register();
    expect([...ipc.handlers.keys()].sort()).toEqual(CALL_NAMES.map((n) => IPC_CALL_PREFIX + n).sort());
    expect(ipc.ipcMain.handle).toHaveBeenCalledTimes(CALL_NAMES.length);
    expect([...ipc.listeners.keys()]).toEqual([IPC_CANCEL_CHANNEL]);
    expect(ipc.listeners.get(IPC_CANCEL_CHANNEL)?.size).toBe(1);
  });

  it.each(CALL_NAMES.map((n) => [n]))('routes %s from a trusted sender to the api', async (name) => {
    const result = { answer: name };
    register(async () => result);
    const reply = await ipc.invoke(name, eventFrom(win1), validParams[name], 3);
    expect(reply).toEqual({ ok: true, result });
    expect(api.call).toHaveBeenCalledTimes(1);
    expect(api.call.mock.calls[0]![0]).toBe(name);
    expect(api.call.mock.calls[0]![2]).toEqual({ signal: expect.any(AbortSignal) });
  });

  it('passes the validated params, and accepts a client-side route of the app page', async () => {
    register(async (_n: never, params: never) => ({ got: params }));
    const reply = await ipc.invoke('contexts.select', eventFrom(win2, { parent: null, url: 'app://kubeglass/#/contexts' }), { name: 'prod' });
    expect(reply).toEqual({ ok: true, result: { got: { name: 'prod' } } });
  });

  it.each([
    ['no sender frame (navigated away or destroyed)', () => eventFrom(win1, null)],
    ['an undefined sender frame', () => ({ sender: win1, senderFrame: undefined })],
    ['a subframe of our page', () => eventFrom(win1, { parent: { url: APP_PAGE }, url: APP_PAGE })],
    ['a top frame on another origin', () => eventFrom(win1, { parent: null, url: 'https://evil.example/' })],
    ['a look-alike app host', () => eventFrom(win1, { parent: null, url: 'app://kubeglass.evil.com/index.html' })],
    ['a file: page', () => eventFrom(win1, { parent: null, url: 'file:///index.html' })],
    ['a webContents that is not one of our windows', () => eventFrom({ id: 99 })],
    ['a webContents with the id of our window but another object', () => eventFrom({ id: 1 })],
  ])('refuses %s without calling the api', async (_why, makeEvent) => {
    register(async () => 'should not be reached');
    const reply = await ipc.invoke('contexts.select', makeEvent(), { name: 'prod' }, 5);
    expect(reply.ok).toBe(false);
    expect(api.call).not.toHaveBeenCalled();
  });

  it.each([
    ['a name of the wrong type', 'contexts.select', { name: 5 }],
    ['an extra key', 'contexts.select', { name: 'prod', admin: true }],
    ['a missing name', 'contexts.select', {}],
    ['an empty name', 'contexts.select', { name: '' }],
    ['a too long name', 'contexts.select', { name: 'x'.repeat(1025) }],
    ['a string instead of an object', 'contexts.select', 'prod'],
    ['an array', 'contexts.select', ['prod']],
    ['an extra key on a call without params', 'app.info', { x: 1 }],
    ['a prototype-pollution key', 'contexts.list', JSON.parse('{"__proto__": {"polluted": true}}')],
  ])('refuses %s as invalid_params without calling the api', async (_why, name, params) => {
    register(async () => 'should not be reached');
    const reply = await ipc.invoke(name, eventFrom(win1), params, 4);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(api.call).not.toHaveBeenCalled();
  });

  it.each([
    ['not_found', new ContractError('not_found', 'context "x" is not in the kubeconfig')],
    ['unavailable', new ContractError('unavailable', 'the engine process exited')],
    ['timeout', new ContractError('timeout', 'no answer')],
    ['internal', new Error('boom')],
    ['internal', 'a thrown string'],
  ] as [ErrorCode, unknown][])('returns an api failure as {ok:false} with code %s', async (code, thrown) => {
    register(async () => Promise.reject(thrown));
    const reply = await ipc.invoke('contexts.select', eventFrom(win1), { name: 'x' });
    expect(reply).toEqual({
      ok: false,
      error: { code, message: thrown instanceof Error ? thrown.message : String(thrown) },
    });
  });

  describe('cancellation', () => {
    it('aborts the call with that request id when the page sends cancel', async () => {
      const hang = hangingCall();
      register(hang.call as never);
      const reply = ipc.invoke('connection.check', eventFrom(win1), {}, 7);
      expect(hang.signals).toHaveLength(1);
      expect(hang.signals[0]!.aborted).toBe(false);
      ipc.send(IPC_CANCEL_CHANNEL, eventFrom(win1), 7);
      expect(hang.signals[0]!.aborted).toBe(true);
      await expect(reply).resolves.toMatchObject({ ok: false, error: { code: 'cancelled' } });
    });

    it.each([
      ['another request id', () => eventFrom(win1), 8],
      ['another of our windows, same id', () => eventFrom(win2), 7],
      ['an untrusted frame', () => eventFrom(win1, { parent: null, url: 'https://evil.example/' })],
      ['a subframe', () => eventFrom(win1, { parent: {}, url: APP_PAGE })],
      ['a webContents that is not ours', () => eventFrom({ id: 1 }), 7],
      ['a request id that is not a positive integer', () => eventFrom(win1), '7'],
    ] as [string, () => ReturnType<typeof eventFrom>, unknown?][])('ignores a cancel from %s', async (_why, makeEvent, id = 7) => {
      const hang = hangingCall();
      register(hang.call as never);
      void ipc.invoke('connection.check', eventFrom(win1), {}, 7);
      ipc.send(IPC_CANCEL_CHANNEL, makeEvent(), id);
      expect(hang.signals[0]!.aborted).toBe(false);
    });

    it("abortAll(senderId) aborts every call of that window and no other's", async () => {
      const hang = hangingCall();
      const router = register(hang.call as never);
      const a = ipc.invoke('connection.check', eventFrom(win1), {}, 1);
      const b = ipc.invoke('contexts.list', eventFrom(win1), {}, 2);
      void ipc.invoke('contexts.list', eventFrom(win2), {}, 1);
      router.abortAll(win1.id);
      expect(hang.signals.map((s) => s.aborted)).toEqual([true, true, false]);
      await expect(a).resolves.toMatchObject({ ok: false });
      await expect(b).resolves.toMatchObject({ ok: false });
    });

    it('abortAll of a window with nothing in flight is harmless', () => {
      const router = register();
      expect(() => router.abortAll(42)).not.toThrow();
    });

    it('a finished call can no longer be cancelled, and a later call with the same id is unaffected by its completion', async () => {
      const hang = hangingCall();
      register(async () => 'done');
      await expect(ipc.invoke('contexts.list', eventFrom(win1), {}, 9)).resolves.toEqual({ ok: true, result: 'done' });
      api.call.mockImplementation(hang.call);
      void ipc.invoke('contexts.list', eventFrom(win1), {}, 9);
      ipc.send(IPC_CANCEL_CHANNEL, eventFrom(win1), 9);
      expect(hang.signals[0]!.aborted).toBe(true);
    });
  });

  it('dispose removes every handler and the cancel listener', () => {
    const router = register();
    const cancelListener = [...ipc.listeners.get(IPC_CANCEL_CHANNEL)!][0];
    router.dispose();
    expect(ipc.handlers.size).toBe(0);
    expect(ipc.listeners.get(IPC_CANCEL_CHANNEL)?.size ?? 0).toBe(0);
    expect(ipc.ipcMain.removeHandler).toHaveBeenCalledTimes(CALL_NAMES.length);
    expect(ipc.ipcMain.removeListener).toHaveBeenCalledWith(IPC_CANCEL_CHANNEL, cancelListener);
    // A second registration (a relaunched router) must be possible after dispose.
    expect(() => register()).not.toThrow();
  });
});
