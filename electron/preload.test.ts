import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PreloadBridge } from '../core/api/bridge.js';
import { CALL_NAMES, EVENT_NAMES, IPC_CALL_PREFIX, IPC_CANCEL_CHANNEL, IPC_EVENT_CHANNEL } from '../core/api/names.js';

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(), send: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
}));

vi.mock('electron', () => electron);

type Forward = (event: unknown, ...args: unknown[]) => void;

let exposedCalls: unknown[][];
let bridge: PreloadBridge;

beforeAll(async () => {
  await import('./preload.js');
  // Captured once: the preload runs (and exposes) only when first imported.
  exposedCalls = electron.contextBridge.exposeInMainWorld.mock.calls.map((c) => [...c]);
  bridge = exposedCalls[0]![1] as PreloadBridge;
});

beforeEach(() => {
  for (const fn of Object.values(electron.ipcRenderer)) fn.mockReset();
});

/** The listener the preload registered on the event channel by its last on(). */
function lastForward(): Forward {
  const call = electron.ipcRenderer.on.mock.calls.at(-1)!;
  expect(call[0]).toBe(IPC_EVENT_CHANNEL);
  return call[1] as Forward;
}

describe('preload', () => {
  it("exposes one object, under 'kubeglass', with calls, cancel and on only", () => {
    expect(exposedCalls).toHaveLength(1);
    expect(exposedCalls[0]![0]).toBe('kubeglass');
    expect(Object.keys(bridge).sort()).toEqual(['calls', 'cancel', 'on']);
  });

  it('offers exactly the contract calls', () => {
    expect(Object.keys(bridge.calls).sort()).toEqual([...CALL_NAMES].sort());
  });

  it('exposes no Electron object', () => {
    const values = [...Object.values(bridge), ...Object.values(bridge.calls)];
    for (const v of values) {
      expect(v).not.toBe(electron.ipcRenderer);
      expect(typeof v === 'function' || (typeof v === 'object' && v !== null)).toBe(true);
    }
  });

  it.each(CALL_NAMES.map((n) => [n]))('calls.%s invokes its own channel with params and request id, and returns its answer', async (name) => {
    const answer = { ok: true, result: name };
    electron.ipcRenderer.invoke.mockResolvedValue(answer);
    const params = name === 'contexts.select' ? { name: 'x' } : {};
    await expect(bridge.calls[name](params, 7)).resolves.toBe(answer);
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledTimes(1);
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(IPC_CALL_PREFIX + name, params, 7);
  });

  it("calls['contexts.select']({name:'x'}, 7) invokes kubeglass:call:contexts.select", () => {
    void bridge.calls['contexts.select']({ name: 'x' }, 7);
    expect(electron.ipcRenderer.invoke.mock.calls).toEqual([[IPC_CALL_PREFIX + 'contexts.select', { name: 'x' }, 7]]);
  });

  it('cancel(id) sends the id on the cancel channel', () => {
    bridge.cancel(7);
    expect(electron.ipcRenderer.send.mock.calls).toEqual([[IPC_CANCEL_CHANNEL, 7]]);
  });

  it.each(EVENT_NAMES.map((n) => [n]))('on(%s) delivers only that event, with only its payload', (name) => {
    const other = EVENT_NAMES.find((n) => n !== name)!;
    const cb = vi.fn();
    bridge.on(name, cb);
    const forward = lastForward();
    const ipcEvent = { sender: electron.ipcRenderer, senderId: 0, ports: [] };
    const payload = { for: name };
    forward(ipcEvent, other, { for: other });
    forward(ipcEvent, 'not.an.event', { for: 'nobody' });
    expect(cb).not.toHaveBeenCalled();
    forward(ipcEvent, name, payload);
    expect(cb.mock.calls).toEqual([[payload]]);
    // The IpcRendererEvent (which carries the sender, ipcRenderer itself) never reaches the page.
    expect(cb.mock.calls.flat()).not.toContain(ipcEvent);
    expect(cb.mock.calls.flat()).not.toContain(electron.ipcRenderer);
  });

  it('the function on() returns unsubscribes that very listener', () => {
    const cb = vi.fn();
    const off = bridge.on('contexts.changed', cb);
    const forward = lastForward();
    expect(electron.ipcRenderer.removeListener).not.toHaveBeenCalled();
    off();
    expect(electron.ipcRenderer.removeListener.mock.calls).toEqual([[IPC_EVENT_CHANNEL, forward]]);
  });

  it('each subscription has its own listener', () => {
    const a = vi.fn();
    const b = vi.fn();
    bridge.on('contexts.changed', a);
    const forwardA = lastForward();
    const offB = bridge.on('connection.changed', b);
    const forwardB = lastForward();
    expect(forwardA).not.toBe(forwardB);
    offB();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(IPC_EVENT_CHANNEL, forwardB);
    expect(electron.ipcRenderer.removeListener).not.toHaveBeenCalledWith(IPC_EVENT_CHANNEL, forwardA);
  });

  it.each(['not.an.event', '', 'kubeglass:event', '__proto__', 'constructor'])('on(%j) throws and subscribes nothing', (name) => {
    expect(() => bridge.on(name as never, vi.fn())).toThrow(/unknown event/);
    expect(electron.ipcRenderer.on).not.toHaveBeenCalled();
  });
});
