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

/** The URL with its password masked, as Go's URL.Redacted() prints it. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'xxxxx';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/** fetch refuses URLs with credentials; Go sends them as basic auth, so do that. */
function splitCredentials(url: string): { url: string; authorization?: string } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: auth };
}

export function webhookReceiver(cfg: WebhookConfig, opts: WebhookReceiverOptions = {}): Receiver {
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? realClock;
  return {
    name: `webhook[${opts.index ?? 0}]`,
    sendResolved: cfg.sendResolved,
    async notify(n, signal) {
      const body = encodeWebhookMessage(webhookMessage(n, cfg.maxAlerts));
      const target = splitCredentials(cfg.url);
      const t = cfg.timeoutMs > 0 ? timeoutSignal(clock, cfg.timeoutMs, `configured webhook timeout reached (${cfg.timeoutMs}ms)`, signal) : null;
      try {
        let res: Response;
        try {
          res = await doFetch(target.url, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'User-Agent': opts.userAgent ?? 'Kubeglass',
              ...(target.authorization ? { Authorization: target.authorization } : {}),
            },
            body,
            signal: t?.signal ?? signal,
          });
        } catch (err) {
          const cause = (err as Error & { cause?: Error }).cause;
          const reason = t?.signal.aborted ? (t.signal.reason as Error).message : `${(err as Error).message}${cause ? `: ${cause.message}` : ''}`;
          throw new NotifyError(`Post "${redact(cfg.url)}": ${reason.split(cfg.url).join(redact(cfg.url))}`, true);
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
