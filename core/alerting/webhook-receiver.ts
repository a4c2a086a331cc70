// Alertmanager's webhook integration: POSTs the version-4 message as JSON. 2xx is success, 5xx and
// network errors are retried by the pipeline, other statuses are not (notify.Retrier's defaults).
import { type Clock, realClock, timeoutSignal } from './clock.js';
import type { WebhookConfig } from './config.js';
import { encodeWebhookMessage, webhookMessage } from './payload.js';
import { NotifyError, type Receiver } from './receiver.js';

export interface WebhookReceiverOptions {
  fetch?: typeof fetch;
  clock?: Clock;
  /** Index among the receiver's webhook_configs (for the name). */
  index?: number;
  userAgent?: string;
}

/** The URL without credentials, for error messages (notify.RedactURL). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '<redacted>';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

export function webhookReceiver(cfg: WebhookConfig, opts: WebhookReceiverOptions = {}): Receiver {
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? realClock;
  return {
    name: `webhook[${opts.index ?? 0}]`,
    sendResolved: cfg.sendResolved,
    async notify(n, signal) {
      const body = encodeWebhookMessage(webhookMessage(n, cfg.maxAlerts));
      const t = cfg.timeoutMs > 0 ? timeoutSignal(clock, cfg.timeoutMs, `configured webhook timeout reached (${cfg.timeoutMs}ms)`, signal) : null;
      try {
        let res: Response;
        try {
          res = await doFetch(cfg.url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'User-Agent': opts.userAgent ?? 'Kubeglass' },
            body,
            signal: t?.signal ?? signal,
          });
        } catch (err) {
          const reason = t?.signal.aborted ? (t.signal.reason as Error).message : (err as Error).message;
          throw new NotifyError(`Post "${redact(cfg.url)}": ${reason}`, true);
        }
        const text = await res.text().catch(() => '');
        if (res.status >= 200 && res.status < 300) return;
        throw new NotifyError(`unexpected status code ${res.status}: ${redact(cfg.url)}${text ? `: ${text.slice(0, 200)}` : ''}`, res.status >= 500);
      } finally {
        t?.cancel();
      }
    },
  };
}
