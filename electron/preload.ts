// The only bridge between the page and the app: one function per contract call, a cancel, and
// a subscription to contract events. No Electron object, no IpcRendererEvent, ever reaches the page.
import { contextBridge, ipcRenderer } from 'electron';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_CANCEL_CHANNEL, IPC_EVENT_CHANNEL, isEventName } from '../core/api/names.js';
import type { PreloadBridge } from '../core/api/bridge.js';

const calls = Object.fromEntries(
  CALL_NAMES.map((name) => [name, (params: unknown, requestId?: number) => ipcRenderer.invoke(IPC_CALL_PREFIX + name, params, requestId)]),
) as PreloadBridge['calls'];

const bridge: PreloadBridge = {
  calls,
  cancel: (requestId) => ipcRenderer.send(IPC_CANCEL_CHANNEL, requestId),
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`unknown event ${String(event)}`);
    const forward = (_e: unknown, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
  },
};

contextBridge.exposeInMainWorld('kubeglass', bridge);
