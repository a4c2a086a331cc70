// The notification pipeline a flush runs through (notify.BuildPipeline): inhibition, the route's
// active and mute time intervals, silences, then Kubeglass's own mutes (a context muted, global
// do-not-disturb); then for each integration of the receiver, in parallel: dedup against the
// notification log, delivery with retries and backoff until the next flush is due, and logging
// what was notified. Muted alerts stay in their group; they are just not sent.
import { type Clock, sleep } from './clock.js';
import type { FlushContext } from './dispatcher.js';
import type { Inhibitor } from './inhibit.js';
import { needsUpdate, type NotificationLog } from './notification-log.js';
import type { NotificationAlert } from './payload.js';
import { isRetryable, type Receiver } from './receiver.js';
import type { Silences } from './silences.js';
import { inTimeIntervals, type TimeInterval } from './time-intervals.js';

/** Kubeglass's mutes, checked after silences. */
export interface MuteState {
  /** Global do-not-disturb: nothing is sent. */
  doNotDisturb(now: number): boolean;
  /** Whether alerts of this context (the value of the context label) are muted. */
  contextMuted(context: string, now: number): boolean;
}

export interface PipelineEvents {
  /** A delivery attempt failed (it may be retried). */
  onNotifyError?(receiver: string, integration: string, err: Error, attempt: number): void;
  /** A notification was given up for this flush (not retryable, or the next flush came due). */
  onNotifyFailed?(receiver: string, integration: string, ctx: FlushContext, err: Error): void;
  /** A notification went out. */
  onNotified?(receiver: string, integration: string, ctx: FlushContext, alerts: readonly NotificationAlert[]): void;
}

export interface PipelineDeps {
  clock: Clock;
  inhibitor: Inhibitor;
  silences: Silences;
  mutes: MuteState;
  nflog: NotificationLog;
  timeIntervals: ReadonlyMap<string, TimeInterval[]>;
  /** Integrations per receiver name. */
  receivers: ReadonlyMap<string, readonly Receiver[]>;
  externalURL: string;
  contextLabel: string;
  events?: PipelineEvents;
  /** Backoff jitter source (tests pin it). */
  random?: () => number;
}

/** What suppresses an alert before any receiver sees it, or null. */
export function suppression(deps: PipelineDeps, labels: NotificationAlert['labels'], now: number): string | null {
  const by = deps.inhibitor.inhibitedBy(labels, now);
  if (by) return `inhibited by ${by}`;
  const silenced = deps.silences.mutedBy(labels);
  if (silenced.length > 0) return `silenced by ${silenced.join(', ')}`;
  if (deps.mutes.doNotDisturb(now)) return 'do not disturb';
  const ctx = labels[deps.contextLabel];
  if (ctx !== undefined && deps.mutes.contextMuted(ctx, now)) return `context ${ctx} muted`;
  return null;
}

/** ExponentialBackOff's defaults (cenkalti/backoff): 500ms × 1.5 per retry, ±50 %, at most 60s. */
export function backoffDelay(retry: number, random: () => number): number {
  const interval = Math.min(500 * 1.5 ** retry, 60_000);
  return interval * (1 + 0.5 * (2 * random() - 1));
}

export function createPipeline(deps: PipelineDeps): (ctx: FlushContext, alerts: NotificationAlert[]) => Promise<boolean> {
  const random = deps.random ?? Math.random;

  async function deliver(ctx: FlushContext, integration: Receiver, alerts: NotificationAlert[]): Promise<void> {
    const sendResolved = integration.sendResolved ?? true;
    const firing = alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint);
    const resolved = alerts.filter((a) => a.status === 'resolved').map((a) => a.fingerprint);
    const logKey = `${ctx.receiver}/${integration.name}`;
    const entry = deps.nflog.query(logKey, ctx.groupKey, deps.clock.now());
    if (!needsUpdate(entry, new Set(firing), new Set(resolved), sendResolved, ctx.repeatInterval, deps.clock.now())) return;

    const sent = sendResolved ? alerts : alerts.filter((a) => a.status === 'firing');
    if (sent.length > 0) {
      const notification = { receiver: ctx.receiver, groupKey: ctx.groupKey, groupLabels: ctx.groupLabels, alerts: sent, externalURL: deps.externalURL };
      for (let attempt = 1; ; attempt++) {
        if (ctx.signal.aborted) throw new Error(`${ctx.receiver}/${integration.name}: notify retry canceled after ${attempt - 1} attempts`);
        try {
          await integration.notify(notification, ctx.signal);
          break;
        } catch (err) {
          deps.events?.onNotifyError?.(ctx.receiver, integration.name, err as Error, attempt);
          if (!isRetryable(err)) throw err;
          try {
            await sleep(deps.clock, backoffDelay(attempt - 1, random), ctx.signal);
          } catch {
            throw new Error(`${ctx.receiver}/${integration.name}: notify retry canceled after ${attempt} attempts: ${(err as Error).message}`);
          }
        }
      }
      deps.events?.onNotified?.(ctx.receiver, integration.name, ctx, sent);
    }
    deps.nflog.log(logKey, ctx.groupKey, firing, resolved, deps.clock.now(), 2 * ctx.repeatInterval);
  }

  return async (ctx, alerts) => {
    let kept = alerts;
    if (ctx.activeTimeIntervals.length > 0 && !inTimeIntervals(ctx.now, deps.timeIntervals, ctx.activeTimeIntervals)) return true;
    if (ctx.muteTimeIntervals.length > 0 && inTimeIntervals(ctx.now, deps.timeIntervals, ctx.muteTimeIntervals)) return true;
    kept = kept.filter((a) => suppression(deps, a.labels, deps.clock.now()) === null);
    if (kept.length === 0) return true;
    const integrations = deps.receivers.get(ctx.receiver) ?? [];
    const results = await Promise.allSettled(integrations.map((i) => deliver(ctx, i, kept)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') deps.events?.onNotifyFailed?.(ctx.receiver, integrations[i]!.name, ctx, r.reason as Error);
    });
    return results.every((r) => r.status === 'fulfilled');
  };
}
