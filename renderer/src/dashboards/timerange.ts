// Time ranges, refresh intervals and query steps; the range and refresh live in the URL hash
// (#/cluster?range=1h&refresh=30s, or from=…&to=… in epoch ms after a zoom) so links share the view.

export const PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d', '30d'] as const;

/** Moves a range by half its span, earlier (-1) or later (+1), never past `now` (Grafana's t← / t→). */
export function shiftRange(start: number, end: number, direction: -1 | 1, now: number): TimeRange {
  const span = end - start;
  let to = end + (direction * span) / 2;
  if (to > now) to = now;
  return { kind: 'absolute', from: Math.round(to - span), to: Math.round(to) };
}

export const REFRESHES = ['off', '10s', '30s', '1m'] as const;
export type Refresh = (typeof REFRESHES)[number];

export type TimeRange = { kind: 'relative'; span: string } | { kind: 'absolute'; from: number; to: number };

export interface ViewState {
  range: TimeRange;
  refresh: Refresh;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "15m" → 900000; null for anything else. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(s);
  if (!m) return null;
  const v = Number(m[1]) * UNIT_MS[m[2]!]!;
  return v > 0 ? v : null;
}

/** 900000 → "15m", 90000 → "90s": the largest unit that divides exactly. */
export function formatDuration(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's'] as const) {
    const f = UNIT_MS[u]!;
    if (ms >= f && ms % f === 0) return `${ms / f}${u}`;
  }
  return `${Math.round(ms)}ms`;
}

/**
 * While a capture is open, pages default to its whole span rather than the last hour: "now" says
 * nothing about data recorded last week.
 */
let captureSpan: { from: number; to: number } | null = null;
export function setCaptureSpan(span: { from: number; to: number } | null): void {
  captureSpan = span;
}
export function getCaptureSpan(): { from: number; to: number } | null {
  return captureSpan;
}

/** What a page shows when its URL names no range: the open capture's span, else the last `span`. */
export function defaultRange(span: string): TimeRange {
  return captureSpan ? { kind: 'absolute', from: captureSpan.from, to: captureSpan.to } : { kind: 'relative', span };
}

/** The view the hash's query part asks for, with defaults for what is missing or malformed. */
export function parseView(query: string, defaultSpan = '1h'): ViewState {
  const p = new URLSearchParams(query);
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  let range: TimeRange = defaultRange(defaultSpan);
  if (p.has('from') && p.has('to') && Number.isFinite(from) && Number.isFinite(to) && to > from) {
    range = { kind: 'absolute', from: Math.round(from), to: Math.round(to) };
  } else {
    const span = p.get('range');
    if (span && parseDuration(span) !== null) range = { kind: 'relative', span };
  }
  const r = p.get('refresh') as Refresh | null;
  return { range, refresh: r && (REFRESHES as readonly string[]).includes(r) ? r : 'off' };
}

/** The hash query for a view ("range=1h&refresh=30s"); defaults are left out. */
export function formatView(v: ViewState, defaultSpan = '1h'): string {
  const p = new URLSearchParams();
  if (v.range.kind === 'absolute') {
    p.set('from', String(v.range.from));
    p.set('to', String(v.range.to));
  } else if (v.range.span !== defaultSpan) {
    p.set('range', v.range.span);
  }
  if (v.refresh !== 'off') p.set('refresh', v.refresh);
  return p.toString();
}

/** The range as epoch ms at `now`. */
export function resolveRange(r: TimeRange, now: number): { start: number; end: number } {
  if (r.kind === 'absolute') return { start: r.from, end: r.to };
  return { start: now - (parseDuration(r.span) ?? 3_600_000), end: now };
}

const NICE_STEPS_S = [15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/**
 * The query step for a range drawn `widthPx` wide: about one point per 2.5 px, never below the
 * scrape interval, rounded up to a step a person would pick (15s, 30s, 1m, 5m …).
 */
export function chooseStep(rangeMs: number, widthPx: number, minStepMs = 15_000): number {
  const points = Math.max(1, Math.floor(Math.max(widthPx, 1) / 2.5));
  const raw = Math.max(rangeMs / points, minStepMs);
  for (const s of NICE_STEPS_S) if (s * 1000 >= raw) return s * 1000;
  return Math.ceil(raw / 86_400_000) * 86_400_000;
}

/**
 * Anchors a range's evaluation times at its end: a whole number of steps back from `end`, so the
 * newest point is "now" (aligning to step multiples instead would hide up to a step of fresh data).
 */
export function anchorRange(start: number, end: number, step: number): { start: number; end: number } {
  return { start: end - Math.max(1, Math.ceil((end - start) / step)) * step, end };
}

/** Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval). */
export function rateInterval(stepMs: number, scrapeMs = 15_000): number {
  return Math.max(stepMs + scrapeMs, 4 * scrapeMs);
}

/** Replaces $__rate_interval, $__interval(_ms), $__range, $__range_s and $__range_ms (and their ${…} forms) in an expression. */
export function interpolate(expr: string, v: { stepMs: number; rangeMs: number; scrapeMs?: number }): string {
  const values: Record<string, string> = {
    __rate_interval: formatDuration(rateInterval(v.stepMs, v.scrapeMs)),
    __interval: formatDuration(v.stepMs),
    __range: formatDuration(Math.max(1000, Math.round(v.rangeMs / 1000) * 1000)),
    __range_s: String(Math.max(1, Math.round(v.rangeMs / 1000))),
    __range_ms: String(Math.round(v.rangeMs)),
    __interval_ms: String(Math.round(v.stepMs)),
  };
  return expr.replace(
    /\$\{(__rate_interval|__interval_ms|__interval|__range_s|__range_ms|__range)\}|\$(__rate_interval|__interval_ms|__interval|__range_s|__range_ms|__range)\b/g,
    (_m, a?: string, b?: string) => values[(a ?? b)!]!,
  );
}
