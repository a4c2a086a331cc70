// Prometheus's duration syntax (model.ParseDuration): units y w d h m s ms, largest first,
// each at most once, e.g. "1h30m", "15s", "500ms".
import { z } from 'zod';

const UNITS: [string, number][] = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
// model.Duration is int64 nanoseconds.
const MAX_MS = Number(9223372036854775807n / 1_000_000n);

/** Milliseconds; throws with Prometheus's message on bad input. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const m = s === '' ? null : RE.exec(s);
  if (!m) throw new Error(`not a valid duration string: "${s}"`);
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNITS[i]![1];
  if (ms > MAX_MS) throw new Error('duration out of range');
  return ms;
}

/** The shortest Prometheus form, as model.Duration.String() prints it (e.g. "1m30s", "0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A config field holding a Prometheus duration ("30s", "1h30m"), parsed to ms; errors in Prometheus's words. */
export const durationField = z.string().transform((s, ctx) => {
  try {
    return parseDuration(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
