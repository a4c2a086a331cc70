// Local time or UTC for every chart, table, range label and the absolute-range form. The choice is
// the user's, kept in this browser (localStorage), and changes every open chart at once.
import { useSyncExternalStore } from 'react';
import uPlot from 'uplot';

export type Zone = 'local' | 'utc';
const KEY = 'kubeglass.timezone';
const storage = typeof localStorage === 'undefined' ? null : localStorage;
let zone: Zone = storage?.getItem(KEY) === 'utc' ? 'utc' : 'local';
const listeners = new Set<() => void>();

export function getZone(): Zone {
  return zone;
}

export function setZone(next: Zone): void {
  if (next === zone) return;
  zone = next;
  storage?.setItem(KEY, next);
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useZone(): Zone {
  return useSyncExternalStore(subscribe, getZone);
}

const FORMATS = {
  full: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' },
  short: { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' },
  time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

/** Epoch ms as a person reads it in the chosen zone ("… UTC" when in UTC). */
export function formatTime(t: number, style: keyof typeof FORMATS = 'full', z: Zone = zone): string {
  const s = new Date(t).toLocaleString(undefined, { ...FORMATS[style], ...(z === 'utc' ? { timeZone: 'UTC' } : {}) });
  return z === 'utc' ? `${s} UTC` : s;
}

/** uPlot's tzDate for the zone: its axes and cursor read wall-clock fields off these dates. */
export function uplotTzDate(z: Zone): ((ts: number) => Date) | undefined {
  return z === 'utc' ? (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') : undefined;
}

/** A `datetime-local` input's value ("2026-11-23T14:05") in the zone, as epoch ms, or null. */
export function parseDateTimeInput(s: string, z: Zone = zone): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return null;
  const f = [+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0)] as const;
  const t = z === 'utc' ? Date.UTC(...f) : new Date(...f).getTime();
  return Number.isFinite(t) ? t : null;
}

/** Epoch ms as a `datetime-local` value in the zone. */
export function formatDateTimeInput(t: number, z: Zone = zone): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return z === 'utc'
    ? `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`
    : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
