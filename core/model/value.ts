// Sample values. A staleness marker is a NaN with a specific payload (Prometheus's value.StaleNaN,
// bits 0x7ff0000000000002), distinct from the NaN an exporter may report (0x7ff8000000000001 in Go,
// 0x7ff8000000000000 in JS).
//
// JavaScript keeps a NaN's payload through variables, object fields, Maps and calls, but V8 may set
// the quiet bit (giving 0x7ff8000000000002); optimized stores into a plain number[] canonicalize
// the NaN outright, and structuredClone/postMessage drop the payload entirely.
// So: staleness is recognized by payload with the quiet bit ignored, it is written to storage as
// Prometheus's exact bits (via DataView, which preserves them), and it never crosses a thread or
// process boundary as a bare number.

const view = new DataView(new ArrayBuffer(8));

export const STALE_NAN_BITS = 0x7ff0000000000002n;

export const STALE_NAN: number = (() => {
  view.setUint32(0, 0x7ff00000);
  view.setUint32(4, 0x00000002);
  return view.getFloat64(0);
})();

export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not NaN at all: the common case
  view.setFloat64(0, v);
  return view.getUint32(4) === 2 && (view.getUint32(0) & 0xfff7ffff) === 0x7ff00000;
}

/** The exact bit pattern of a float, with staleness normalized to Prometheus's StaleNaN. */
export function floatBits(v: number): bigint {
  if (isStaleNaN(v)) return STALE_NAN_BITS;
  view.setFloat64(0, v);
  return view.getBigUint64(0);
}

/** Writes a float's bits big-endian into `out` at `offset`, staleness as Prometheus's exact bits. */
export function writeFloatBits(out: DataView, offset: number, v: number): void {
  if (isStaleNaN(v)) out.setBigUint64(offset, STALE_NAN_BITS);
  else out.setFloat64(offset, v);
}

/**
 * A growable list of sample values. Never keep values in a plain number[]: V8 canonicalizes NaNs
 * stored into double-element arrays in optimized code (the hole is a NaN), which turns a
 * staleness marker into an ordinary NaN. Typed arrays keep the payload.
 */
export class FloatBuffer {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  clear(): void {
    this.length = 0;
  }

  /** The values as a view (valid until the next push). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
