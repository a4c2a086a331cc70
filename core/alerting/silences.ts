// Silences as Alertmanager keeps them (silence package and API v2 checks): matchers, a time range,
// author and comment; pending before startsAt, active until endsAt, then expired (and dropped
// after the retention). An active silence whose matchers all match an alert's labels mutes it.
import type { Clock } from './clock.js';
import type { LabelSet } from './labels.js';
import { AlertMatcher, type MatchType, matchesAll, parseMatchers } from './matchers.js';

export type SilenceState = 'pending' | 'active' | 'expired';

export interface Silence {
  readonly id: string;
  readonly matchers: readonly AlertMatcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly updatedAt: number;
}

export interface SilenceInput {
  /** Matchers, or matcher strings in the `{a="b", c=~"d"}` syntax. */
  matchers: readonly (AlertMatcher | string | { name: string; value: string; isRegex?: boolean; isEqual?: boolean })[];
  /** Default: now. */
  startsAt?: number;
  /** endsAt, or durationMs from startsAt. */
  endsAt?: number;
  durationMs?: number;
  createdBy: string;
  comment: string;
}

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

function toMatchers(input: SilenceInput['matchers']): AlertMatcher[] {
  const out: AlertMatcher[] = [];
  for (const m of input) {
    if (m instanceof AlertMatcher) out.push(m);
    else if (typeof m === 'string') out.push(...parseMatchers(m));
    else {
      const isEqual = m.isEqual ?? true;
      const type: MatchType = m.isRegex ? (isEqual ? '=~' : '!~') : isEqual ? '=' : '!=';
      out.push(new AlertMatcher(type, m.name, m.value));
    }
  }
  return out;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface SilencesOptions {
  /** How long expired silences are kept (Alertmanager's --data.retention, 120h). */
  retentionMs?: number;
  newId?: () => string;
  /** Called after every change (create, expire, gc), e.g. to persist snapshot(). */
  onChange?: () => void;
}

export class Silences {
  private readonly silences = new Map<string, Silence>();
  private readonly retentionMs: number;
  private readonly newId: () => string;
  private readonly onChange: () => void;

  constructor(
    private readonly clock: Clock,
    opts: SilencesOptions = {},
  ) {
    this.retentionMs = opts.retentionMs ?? 120 * 3600_000;
    this.newId = opts.newId ?? (() => globalThis.crypto.randomUUID());
    this.onChange = opts.onChange ?? (() => {});
  }

  /** Creates a silence, with Alertmanager's API checks. A start in the past becomes now. */
  create(input: SilenceInput): Silence {
    const s = this.validate(input);
    this.silences.set(s.id, s);
    this.onChange();
    return s;
  }

  /**
   * Changes a silence as Alertmanager does (silence.Set with an ID): in place when the matchers
   * are the same and the change keeps its past intact (an active one keeps its start and does not
   * end in the past; a pending one does not start in the past); otherwise the old one is expired
   * and a new one, with a new ID, takes its place.
   */
  update(id: string, input: SilenceInput): Silence {
    const old = this.silences.get(id);
    if (!old) throw new Error(`silence ${id} not found`);
    const now = this.clock.now();
    const next = this.validate(input, false);
    const sameMatchers = old.matchers.length === next.matchers.length && old.matchers.every((m, i) => String(m) === String(next.matchers[i]));
    const state = silenceState(old, now);
    const inPlace =
      sameMatchers &&
      ((state === 'active' && next.startsAt === old.startsAt && next.endsAt >= now) || (state === 'pending' && next.startsAt >= now));
    if (inPlace) {
      const updated: Silence = { ...next, id, updatedAt: now };
      this.silences.set(id, updated);
      this.onChange();
      return updated;
    }
    if (state !== 'expired') this.expire(id);
    return this.create(input);
  }

  private validate(input: SilenceInput, moveStart = true): Silence {
    const now = this.clock.now();
    const matchers = toMatchers(input.matchers);
    let startsAt = input.startsAt ?? now;
    const endsAt = input.endsAt ?? (input.durationMs !== undefined ? startsAt + input.durationMs : NaN);
    if (matchers.length === 0) throw new Error('at least one matcher required');
    for (const m of matchers) if (!LABEL_NAME.test(m.name)) throw new Error(`invalid label matcher: invalid label name "${m.name}"`);
    if (matchers.every((m) => m.matches(''))) throw new Error('at least one matcher must not match the empty string');
    if (!Number.isFinite(endsAt)) throw new Error('invalid zero end timestamp');
    if (startsAt >= endsAt) throw new Error('start time must be before end time');
    if (endsAt < now) throw new Error("end time can't be in the past");
    if (!input.createdBy.trim()) throw new Error('createdBy is required');
    if (!input.comment.trim()) throw new Error('comment is required');
    if (moveStart && startsAt < now) startsAt = now;
    return { id: moveStart ? this.newId() : '', matchers, startsAt, endsAt, createdBy: input.createdBy, comment: input.comment, updatedAt: now };
  }

  /** Ends a silence now: an active one ends, a pending one never starts. */
  expire(id: string): Silence {
    const s = this.silences.get(id);
    if (!s) throw new Error(`silence ${id} not found`);
    const now = this.clock.now();
    const state = silenceState(s, now);
    if (state === 'expired') throw new Error(`silence ${id} already expired`);
    const next: Silence = state === 'active' ? { ...s, endsAt: now, updatedAt: now } : { ...s, startsAt: now, endsAt: now, updatedAt: now };
    this.silences.set(id, next);
    this.onChange();
    return next;
  }

  get(id: string): Silence | undefined {
    return this.silences.get(id);
  }

  /** Silences with their state, optionally only those in the given states; newest first. */
  list(states?: readonly SilenceState[]): (Silence & { state: SilenceState })[] {
    const now = this.clock.now();
    return [...this.silences.values()]
      .map((s) => ({ ...s, state: silenceState(s, now) }))
      .filter((s) => !states || states.includes(s.state))
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** IDs of the active silences that mute this label set. */
  mutedBy(ls: LabelSet): string[] {
    const now = this.clock.now();
    const ids: string[] = [];
    for (const s of this.silences.values()) if (silenceState(s, now) === 'active' && matchesAll(s.matchers, ls)) ids.push(s.id);
    return ids.sort();
  }

  /** Drops silences expired for longer than the retention. */
  gc(): number {
    const now = this.clock.now();
    let n = 0;
    for (const [id, s] of this.silences) {
      if (s.endsAt + this.retentionMs <= now) {
        this.silences.delete(id);
        n++;
      }
    }
    if (n > 0) this.onChange();
    return n;
  }

  /** Plain data for persisting; restore() reads it back. */
  snapshot(): SilenceSnapshot[] {
    return [...this.silences.values()].map((s) => ({ ...s, matchers: s.matchers.map((m) => m.toJSON()) }));
  }

  restore(data: readonly SilenceSnapshot[]): void {
    for (const d of data) this.silences.set(d.id, { ...d, matchers: toMatchers(d.matchers) });
  }
}

export interface SilenceSnapshot extends Omit<Silence, 'matchers'> {
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
}

/**
 * A silence for exactly this alert, in one call: an equality matcher for each of its labels
 * (as Alertmanager's UI prefills one from an alert), for durationMs from now.
 */
export function silenceFromAlert(
  silences: Silences,
  labels: LabelSet,
  opts: { createdBy: string; comment: string; durationMs?: number; endsAt?: number; only?: readonly string[] },
): Silence {
  const names = Object.keys(labels).filter((n) => !opts.only || opts.only.includes(n));
  return silences.create({
    matchers: names.map((n) => new AlertMatcher('=', n, labels[n]!)),
    createdBy: opts.createdBy,
    comment: opts.comment,
    endsAt: opts.endsAt,
    durationMs: opts.endsAt === undefined ? (opts.durationMs ?? 2 * 3600_000) : undefined,
  });
}
