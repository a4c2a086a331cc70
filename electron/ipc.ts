// The IPC side of the contract: one handler per call, each checking that the sender is one of
// our windows showing an app:// page, and validating the payload before it reaches the engine.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { WireResult } from '../core/api/bridge.js';
import { ContractError, parseParams, serializeError, type KubeglassApi } from '../core/api/contract.js';
import { CALL_NAMES, IPC_CALL_PREFIX, IPC_CANCEL_CHANNEL } from '../core/api/names.js';
import { isAppUrl } from './security.js';

export interface IpcRouterOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
  api: KubeglassApi;
  /** The webContents of windows this app created; anything else is refused. */
  isOurWebContents: (contents: WebContents) => boolean;
}

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>, isOurs: (c: WebContents) => boolean): boolean {
  const frame = event.senderFrame;
  // Only the top frame of our own window, showing our own page.
  return frame !== null && frame !== undefined && frame.parent === null && isOurs(event.sender) && isAppUrl(frame.url);
}

const validRequestId = (id: unknown): id is number => typeof id === 'number' && Number.isSafeInteger(id) && id > 0;

export function registerContractIpc(opts: IpcRouterOptions): { dispose(): void; abortAll(contentsId: number): void } {
  const { ipcMain, api } = opts;
  // In-flight calls per window, so a page that navigates or closes stops what it started.
  const inflight = new Map<number, Map<number, AbortController>>();

  const abortAll = (contentsId: number) => {
    const calls = inflight.get(contentsId);
    if (!calls) return;
    for (const c of calls.values()) c.abort(new ContractError('cancelled', 'the page that made this call went away'));
    inflight.delete(contentsId);
  };

  for (const name of CALL_NAMES) {
    ipcMain.handle(IPC_CALL_PREFIX + name, async (event, params: unknown, requestId: unknown): Promise<WireResult> => {
      if (!isTrustedSender(event, opts.isOurWebContents)) {
        return { ok: false, error: { code: 'unauthorized', message: 'refused: the sender is not a Kubeglass page' } };
      }
      const controller = new AbortController();
      let calls: Map<number, AbortController> | undefined;
      if (validRequestId(requestId)) {
        calls = inflight.get(event.sender.id) ?? new Map();
        inflight.set(event.sender.id, calls);
        calls.set(requestId, controller);
      }
      try {
        const valid = parseParams(name, params);
        const result = await api.call(name, valid as never, { signal: controller.signal });
        return { ok: true, result };
      } catch (err) {
        return { ok: false, error: serializeError(err) };
      } finally {
        if (validRequestId(requestId)) calls?.delete(requestId);
      }
    });
  }

  const onCancel = (event: Electron.IpcMainEvent, requestId: unknown) => {
    if (!isTrustedSender(event, opts.isOurWebContents) || !validRequestId(requestId)) return;
    inflight.get(event.sender.id)?.get(requestId)?.abort(new ContractError('cancelled', 'cancelled by the page'));
  };
  ipcMain.on(IPC_CANCEL_CHANNEL, onCancel);

  return {
    abortAll,
    dispose() {
      for (const name of CALL_NAMES) ipcMain.removeHandler(IPC_CALL_PREFIX + name);
      ipcMain.removeListener(IPC_CANCEL_CHANNEL, onCancel);
    },
  };
}
