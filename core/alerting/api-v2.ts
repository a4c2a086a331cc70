// Alertmanager's API v2 JSON for alerts and silences (GET /api/v2/alerts, /api/v2/silences, POST
// /api/v2/silences), so a host can serve them to Grafana's Alertmanager data source or amtool.
// Times are go-openapi's strfmt.DateTime: RFC 3339 with exactly three fractional digits.
import type { AlertView } from './notifier.js';
import type { Silence, SilenceInput, SilenceState } from './silences.js';

export interface GettableAlert {
  annotations: Record<string, string>;
  endsAt: string;
  fingerprint: string;
  receivers: { name: string }[];
  startsAt: string;
  status: { inhibitedBy: string[]; silencedBy: string[]; state: 'active' | 'suppressed' | 'unprocessed' };
  updatedAt: string;
  /** Left out when empty (omitempty). */
  generatorURL?: string;
  labels: Record<string, string>;
}

export interface GettableSilence {
  id: string;
  status: { state: SilenceState };
  updatedAt: string;
  comment: string;
  createdBy: string;
  endsAt: string;
  matchers: { isEqual: boolean; isRegex: boolean; name: string; value: string }[];
  startsAt: string;
}

/** strfmt.DateTime's JSON form. */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** GET /api/v2/alerts: the unresolved alerts, by fingerprint; receivers as the routes name them. */
export function gettableAlerts(views: readonly AlertView[], opts: { silenced?: boolean; inhibited?: boolean; active?: boolean } = {}): GettableAlert[] {
  const { silenced = true, inhibited = true, active = true } = opts;
  return views
    .filter((v) => v.status === 'firing')
    .filter((v) => (v.silencedBy.length === 0 || silenced) && (v.inhibitedBy.length === 0 || inhibited) && (v.state !== 'active' || active))
    .map(
      (v): GettableAlert => ({
        annotations: { ...v.annotations },
        endsAt: apiTime(v.endsAt),
        fingerprint: v.fingerprint,
        receivers: v.receivers.map((name) => ({ name })),
        startsAt: apiTime(v.startsAt),
        status: { inhibitedBy: [...v.inhibitedBy], silencedBy: [...v.silencedBy], state: v.state },
        updatedAt: apiTime(v.updatedAt),
        ...(v.generatorURL ? { generatorURL: v.generatorURL } : {}),
        labels: { ...v.labels },
      }),
    )
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

const STATE_ORDER: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };

/** GET /api/v2/silences, in Alertmanager's order: active by end, pending by start, expired newest first. */
export function gettableSilences(list: readonly (Silence & { state: SilenceState })[]): GettableSilence[] {
  return [...list]
    .sort((a, b) => {
      if (a.state !== b.state) return STATE_ORDER[a.state] - STATE_ORDER[b.state];
      if (a.state === 'active') return a.endsAt - b.endsAt;
      if (a.state === 'pending') return a.startsAt - b.startsAt;
      return b.endsAt - a.endsAt;
    })
    .map((s) => ({
      id: s.id,
      status: { state: s.state },
      updatedAt: apiTime(s.updatedAt),
      comment: s.comment,
      createdBy: s.createdBy,
      endsAt: apiTime(s.endsAt),
      matchers: s.matchers.map((m) => {
        const j = m.toJSON();
        return { isEqual: j.isEqual, isRegex: j.isRegex, name: j.name, value: j.value };
      }),
      startsAt: apiTime(s.startsAt),
    }));
}

/** A POST /api/v2/silences body as input for Silences.create (id, for updates, is returned apart). */
export function parsePostableSilence(body: unknown): { id?: string; input: SilenceInput } {
  if (body === null || typeof body !== 'object') throw new Error('silence must be a JSON object');
  const b = body as Record<string, unknown>;
  const time = (k: string) => {
    const v = b[k];
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new Error(`${k} must be an RFC 3339 time`);
    return Date.parse(v);
  };
  if (!Array.isArray(b.matchers)) throw new Error('matchers must be a list');
  const matchers = b.matchers.map((m: unknown, i: number) => {
    const o = m as Record<string, unknown>;
    if (typeof o?.name !== 'string' || typeof o.value !== 'string' || typeof o.isRegex !== 'boolean')
      throw new Error(`matchers[${i}] needs name, value and isRegex`);
    return { name: o.name, value: o.value, isRegex: o.isRegex, isEqual: typeof o.isEqual === 'boolean' ? o.isEqual : true };
  });
  return {
    id: typeof b.id === 'string' && b.id !== '' ? b.id : undefined,
    input: { matchers, startsAt: time('startsAt'), endsAt: time('endsAt'), createdBy: String(b.createdBy ?? ''), comment: String(b.comment ?? '') },
  };
}
