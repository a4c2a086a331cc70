// Time series of the simulated cluster as pure functions of time: nothing ticks, every value is
// computed when an exporter is scraped, from the seed, the series' identity and the cluster's
// clock. Gauges are smooth value noise (several octaves, so they wander like a random walk at
// every scale) around a daily cycle; counters are closed-form integrals of a rate that has the
// same shape, so they only grow, however often or rarely they are read, and rate() over them
// shows the same daily swing and wiggles a gauge of the same quantity would.
//
// Times are in seconds (floats) here; the exporters convert the cluster's milliseconds.

const DAY_S = 86_400;
const OMEGA = (2 * Math.PI) / DAY_S;

/** murmur3's finalizer: a well-mixed 32-bit value from any 32-bit input. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the string's UTF-16 units, then mixed: a series' identity as a 32-bit key. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A key derived from another: hashKey(k, 1), hashKey(k, 2)… are independent streams. */
export function subKey(key: number, n: number): number {
  return fmix32((key ^ Math.imul(n + 0x632be5ab, 0x9e3779b9)) >>> 0);
}

/** Uniform in [0, 1) for knot k of stream `key` (k may be any integer a double holds). */
export function unit(key: number, k: number): number {
  const lo = k | 0;
  const hi = Math.floor(k / 4294967296) | 0;
  return fmix32((fmix32((key ^ Math.imul(lo, 0x9e3779b9)) >>> 0) ^ Math.imul(hi + 0x7f4a7c15, 0x85ebca6b)) >>> 0) / 4294967296;
}

/** A fixed draw in [lo, hi) from a key: per-series parameters. */
export function draw(key: number, n: number, lo: number, hi: number): number {
  return lo + (hi - lo) * unit(subKey(key, n), 0);
}

/** Smooth value noise in [-1, 1]: random values at knots `period` apart, smoothstep between. */
export function noise(key: number, t: number, period: number): number {
  const x = t / period;
  const k = Math.floor(x);
  const f = x - k;
  const a = unit(key, k) * 2 - 1;
  const b = unit(key, k + 1) * 2 - 1;
  return a + (b - a) * f * f * (3 - 2 * f);
}

/** d/dt of noise(): its largest absolute value is 3/period. */
export function noiseSlope(key: number, t: number, period: number): number {
  const x = t / period;
  const k = Math.floor(x);
  const f = x - k;
  const a = unit(key, k) * 2 - 1;
  const b = unit(key, k + 1) * 2 - 1;
  return ((b - a) * 6 * f * (1 - f)) / period;
}

/** Octaves of noise (periods in seconds, weights summing to 1): a random walk that stays bounded. */
export interface Octaves {
  periods: readonly number[];
  weights: readonly number[];
}

/** Slow drift over hours, wiggles over minutes: what a busy node's gauges look like. */
export const WANDER: Octaves = { periods: [6 * 3600, 3600, 600, 120], weights: [0.45, 0.3, 0.15, 0.1] };
/** For counters' rates: the wiggles dominate, so rate(x[1m]) is lively. */
export const JITTER: Octaves = { periods: [3600, 600, 120, 30], weights: [0.35, 0.3, 0.2, 0.15] };

export function fractal(key: number, t: number, o: Octaves = WANDER): number {
  let v = 0;
  for (let i = 0; i < o.periods.length; i++) v += o.weights[i]! * noise(subKey(key, i), t, o.periods[i]!);
  return v;
}

function fractalSlope(key: number, t: number, o: Octaves): number {
  let v = 0;
  for (let i = 0; i < o.periods.length; i++) v += o.weights[i]! * noiseSlope(subKey(key, i), t, o.periods[i]!);
  return v;
}

function maxFractalSlope(o: Octaves): number {
  let v = 0;
  for (let i = 0; i < o.periods.length; i++) v += (o.weights[i]! * 3) / o.periods[i]!;
  return v;
}

/** The daily cycle in [-1, 1], peaking at `peakHour` UTC. */
export function daily(t: number, peakHour: number): number {
  return Math.cos(OMEGA * (t - peakHour * 3600));
}

export interface GaugeSpec {
  key: number;
  /** The level the gauge wanders around. */
  mean: number;
  /** Relative amplitude of the daily cycle (0.2: ±20 %). */
  daily?: number;
  /** Relative amplitude of the wandering (0.1: ±10 %). */
  wander?: number;
  peakHour?: number;
  min?: number;
  max?: number;
  octaves?: Octaves;
}

/** A gauge's value at time t (seconds). */
export function gauge(s: GaugeSpec, t: number): number {
  let v = s.mean * (1 + (s.daily ?? 0) * daily(t, s.peakHour ?? 14) + (s.wander ?? 0) * fractal(s.key, t, s.octaves));
  if (s.min !== undefined && v < s.min) v = s.min;
  if (s.max !== undefined && v > s.max) v = s.max;
  return v;
}

/**
 * A counter's rate: `base` per second, times (1 + daily·cycle + jitter·(noise slope, scaled to
 * at most ±1)). With daily + jitter < 1 the rate stays positive, so the counter only grows.
 */
export class Rate {
  readonly base: number;
  readonly daily: number;
  readonly jitter: number;
  readonly peakHour: number;
  private readonly key: number;
  private readonly scale: number;
  private readonly octaves: Octaves;

  constructor(key: number, base: number, opts: { daily?: number; jitter?: number; peakHour?: number; octaves?: Octaves } = {}) {
    this.key = key;
    this.base = base;
    this.daily = Math.min(0.6, Math.max(0, opts.daily ?? 0.25));
    this.jitter = Math.min(0.98 - this.daily, Math.max(0, opts.jitter ?? 0.3));
    this.peakHour = opts.peakHour ?? 14;
    this.octaves = opts.octaves ?? JITTER;
    // The noise's integral scaled so its slope (the rate's jitter) stays within ±jitter·base.
    this.scale = this.jitter / maxFractalSlope(this.octaves);
  }

  /** Instantaneous rate per second at t. */
  at(t: number): number {
    return this.base * (1 + this.daily * daily(t, this.peakHour) + this.scale * fractalSlope(this.key, t, this.octaves));
  }

  /** The largest rate this can ever have. */
  get max(): number {
    return this.base * (1 + this.daily + this.jitter);
  }

  /** ∫ rate from 0 (an antiderivative; differences of it are what counters show). */
  private integral(t: number): number {
    const phase = t - this.peakHour * 3600;
    return this.base * (t + (this.daily * Math.sin(OMEGA * phase)) / OMEGA + this.scale * fractal(this.key, t, this.octaves));
  }

  /** The counter's growth from `from` to `to` (0 when to ≤ from). */
  total(from: number, to: number): number {
    if (to <= from) return 0;
    const v = this.integral(to) - this.integral(from);
    return v > 0 ? v : 0;
  }

  /** Average rate over [to - window, to]: what rate() over a window sees. */
  average(to: number, window: number): number {
    return this.total(to - window, to) / window;
  }
}

/** A sawtooth in [0, 1): position within a repeating period, phase-shifted per key. */
export function sawtooth(key: number, t: number, period: number): number {
  const x = t / period + unit(key, 0);
  return x - Math.floor(x);
}
