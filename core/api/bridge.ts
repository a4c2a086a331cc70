// The shape the Electron preload exposes as window.kubeglass; the renderer's IPC transport
// consumes it. Results travel as values ({ ok, result } | { ok, error }) so error codes survive IPC.
import type { SerializedError } from './contract.js';
import type { CallName, EventName } from './names.js';

export type WireResult = { ok: true; result: unknown } | { ok: false; error: SerializedError };

export interface PreloadBridge {
  calls: Record<CallName, (params: unknown, requestId?: number) => Promise<WireResult>>;
  cancel(requestId: number): void;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}
