// The receiver seam: a flush hands each configured integration (webhook, desktop, or anything the
// host plugs in) one Notification. Failures say whether retrying can help, as Alertmanager's
// notifiers do; the pipeline retries with backoff until the group's next flush is due.
import type { Notification } from './payload.js';

export interface Receiver {
  /** The integration's name in logs and the notification log, e.g. "webhook[0]". */
  readonly name: string;
  /** Whether resolved alerts are sent (default true). */
  readonly sendResolved?: boolean;
  /** Delivers the notification; rejects with NotifyError (or any error: retryable). */
  notify(notification: Notification, signal?: AbortSignal): Promise<void>;
}

export class NotifyError extends Error {
  override name = 'NotifyError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function isRetryable(err: unknown): boolean {
  return !(err instanceof NotifyError) || err.retryable;
}
