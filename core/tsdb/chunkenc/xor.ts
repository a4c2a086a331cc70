// XOR chunks: the Gorilla float encoding, byte for byte as Prometheus's tsdb/chunkenc.XORChunk
// writes it, so chunks can be compared with, or handed to, Prometheus's own tooling.
//
//   uint16 BE sample count
//   sample 0: varint timestamp, 64 raw value bits
//   sample 1: uvarint timestamp delta, XOR-encoded value
//   sample n: delta-of-delta '0' | '10'+14 bits | '110'+17 | '1110'+20 | '1111'+64, XOR-encoded value
//   XOR value: '0' unchanged | '10' + bits in the previous leading/trailing window
//              | '11' + 5-bit leading zeros (clamped to 31) + 6-bit significant bits (64 as 0) + bits
//
// bytes() is what Prometheus 3.x holds. Prometheus 2.x wrote the same bits but could end a chunk
// with one extra zero byte (its bstream.writeByte, fixed in 3.0 by prometheus/prometheus#14854):
// every one-sample chunk, and any chunk whose last write was whole bytes ending on a byte
// boundary. Such chunks read the same here; reopened for appending, they lose that byte.
//
// Timestamps are int64 milliseconds in Prometheus and JS numbers here. append() accepts integers in
// [-2^51, 2^51] (±71,000 years around 1970), which keeps every delta and delta-of-delta an exact
// safe integer. Decoding a foreign chunk whose timestamps lie beyond ±2^53 gives inexact numbers.
//
// Values never pass through a JS number inside the codec: the appender reads a value's bits once
// (DataView), and from then on both sides carry the previous value as two int32 halves and XOR
// those. Only the caller-visible value is made into a number, by DataView.getFloat64 from the exact
// bits; decodeInto writes the bits straight into the caller's Float64Array, so NaN payloads are
// kept there even where V8 would quiet a NaN number, or replace it with the canonical NaN as some
// stores into a plain JS array do. A staleness marker whose quiet bit V8 has set
// (0x7ff8000000000002) is written as Prometheus's StaleNaN, 0x7ff0000000000002 (see model/value.ts).
import {
  or32,
  PAD_BYTES,
  peek32,
  readUvarintAsInt64,
  readVarint,
  setBit,
  VarintError,
  writeUvarint,
  writeUvarintBig,
  writeVarint,
  type VarintCursor,
} from './bstream.js';

/** Prometheus panics past this many samples: the count is a uint16. */
export const XOR_MAX_SAMPLES = 0xffff;
/** Largest |timestamp| append() accepts; see the top of this file. */
export const MAX_TIMESTAMP = 2 ** 51;

/** The bytes are not a valid XOR chunk (truncated, or a field out of range). */
export class CorruptChunkError extends Error {
  override name = 'CorruptChunkError';
}

const HEADER_BITS = 16;
const INITIAL_BYTES = 88; // Go's 128-byte allocation, less our padding
const TWO_POW_32 = 4294967296;
const NO_WINDOW = 0xff; // Go's marker for "no leading/trailing window yet"

// The float64's high word sits at the higher 32-bit index on little-endian machines.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

const floatView = new DataView(new ArrayBuffer(8));
// What a fresh iterator reads until attached: a zero header, i.e. no samples. Never written.
const EMPTY = new Uint8Array(2 + PAD_BYTES);
const EMPTY_VIEW = new DataView(EMPTY.buffer);
const cursor: VarintCursor = { value: 0, end: 0 };

function bitsToFloat(hi: number, lo: number): number {
  floatView.setInt32(0, hi);
  floatView.setInt32(4, lo);
  return floatView.getFloat64(0);
}

function readHeader(buf: Uint8Array): number {
  return (buf[0]! << 8) | buf[1]!;
}

/** The sample count of an encoded chunk, from its header. */
export function xorNumSamples(bytes: Uint8Array): number {
  if (bytes.length < 2) throw new CorruptChunkError('XOR chunk shorter than its 2-byte header');
  return readHeader(bytes);
}

/**
 * Reads samples one at a time without allocating: `while (it.next()) use(it.t, it.v)`.
 * An iterator over a live chunk sees the samples the chunk had when iterator() was called.
 */
export class XorIterator {
  /** Timestamp of the current sample; meaningful after next() or seek() returned true. */
  t = 0;
  /** Value of the current sample (a staleness marker may come back with its quiet bit set). */
  v = 0;

  private buf: Uint8Array = EMPTY;
  private dv: DataView = EMPTY_VIEW;
  private own: Uint8Array | null = null; // padded copy of foreign bytes, reused across reset()
  private ownView: DataView | null = null;
  private n = 0;
  private i = 0;
  private pos = HEADER_BITS;
  private endBit = 0;
  private delta = 0;
  private hi = 0;
  private lo = 0;
  // Go's iterator starts from a zero window, not NO_WINDOW; a reopened appender inherits it.
  private leading = 0;
  private trailing = 0;
  private sig = 64;
  private maskHi = -1;
  private maskLo = -1;

  /** Iterates over a copy of `bytes` (an encoded chunk), or nothing until reset(). */
  constructor(bytes?: Uint8Array) {
    if (bytes) this.reset(bytes);
  }

  /** Restarts on (a copy of) `bytes`, reusing this iterator's buffer when it is large enough. */
  reset(bytes: Uint8Array): this {
    xorNumSamples(bytes);
    const need = bytes.length + PAD_BYTES;
    if (this.own === null || this.ownView === null || this.own.length < need) {
      this.own = new Uint8Array(Math.max(need, 256));
      this.ownView = new DataView(this.own.buffer);
    }
    this.own.set(bytes);
    this.own.fill(0, bytes.length, need);
    return this.attach(this.own, this.ownView, bytes.length);
  }

  /**
   * Internal, for XorChunk: iterate over `byteLen` bytes of a buffer that has PAD_BYTES of zeros
   * (or later appended bits, which are never read as samples) after them.
   */
  attach(buf: Uint8Array, dv: DataView, byteLen: number): this {
    this.buf = buf;
    this.dv = dv;
    this.n = readHeader(buf);
    this.endBit = byteLen * 8;
    this.i = 0;
    this.pos = HEADER_BITS;
    this.t = 0;
    this.v = 0;
    this.delta = 0;
    this.hi = 0;
    this.lo = 0;
    this.leading = 0;
    this.trailing = 0;
    this.sig = 64;
    this.maskHi = -1;
    this.maskLo = -1;
    return this;
  }

  /** Advances to the next sample; false at the end. Throws CorruptChunkError on bad data. */
  next(): boolean {
    const i = this.i;
    if (i >= this.n) return false;
    const buf = this.buf;
    const dv = this.dv;
    let pos = this.pos;
    if (i >= 2) {
      let w = peek32(dv, buf, pos);
      if (w >= 0) {
        // Delta-of-delta 0: a steady scrape interval.
        this.t += this.delta;
        if ((w & 0x40000000) === 0) {
          // ...and an unchanged value: two 0 bits, nothing else to read.
          pos += 2;
          if (pos > this.endBit) throw this.corrupt();
          this.pos = pos;
          this.i = i + 1;
          return true;
        }
        pos += 1;
        w <<= 1;
      } else {
        pos = this.readDod(w, pos);
        w = peek32(dv, buf, pos);
      }
      pos = this.readValue(w, pos);
    } else if (i === 0) {
      pos = this.readFirst();
    } else {
      // The second timestamp is a uvarint delta, and byte-aligned: the first sample is whole bytes.
      try {
        readUvarintAsInt64(buf, pos >>> 3, cursor);
      } catch (e) {
        throw e instanceof VarintError ? this.corrupt() : e;
      }
      this.delta = cursor.value;
      this.t += cursor.value;
      pos = cursor.end * 8;
      pos = this.readValue(peek32(dv, buf, pos), pos);
    }
    if (pos > this.endBit) throw this.corrupt();
    this.pos = pos;
    this.i = i + 1;
    return true;
  }

  /**
   * Advances to the first sample with timestamp ≥ t; false if there is none. Like Prometheus's
   * Seek it never moves backwards: if the current sample already qualifies it stays there.
   */
  seek(t: number): boolean {
    while (this.i === 0 || this.t < t) {
      if (!this.next()) return false;
    }
    return true;
  }

  /** Internal, for XorChunk's reopen: the appender state after the last sample read. */
  appenderState(): { pos: number; t: number; delta: number; hi: number; lo: number; leading: number; trailing: number } {
    return { pos: this.pos, t: this.t, delta: this.delta, hi: this.hi, lo: this.lo, leading: this.leading, trailing: this.trailing };
  }

  private readFirst(): number {
    try {
      readVarint(this.buf, this.pos >>> 3, cursor);
    } catch (e) {
      throw e instanceof VarintError ? this.corrupt() : e;
    }
    this.t = cursor.value;
    const o = cursor.end;
    this.hi = this.dv.getInt32(o);
    this.lo = this.dv.getInt32(o + 4);
    this.v = bitsToFloat(this.hi, this.lo);
    return (o + 8) * 8;
  }

  // `w` holds the 32 bits at `pos`, whose first bit is 1 (a non-zero delta-of-delta).
  private readDod(w: number, pos: number): number {
    let dod: number;
    // Each bucket's range is asymmetric, [-(2^(n-1)-1), 2^(n-1)] (Go's bitRange), so values above
    // 2^(n-1) are the negative ones.
    if ((w & 0x40000000) === 0) {
      dod = (w >>> 16) & 0x3fff;
      if (dod > 0x2000) dod -= 0x4000;
      pos += 16;
    } else if ((w & 0x20000000) === 0) {
      dod = (w >>> 12) & 0x1ffff;
      if (dod > 0x10000) dod -= 0x20000;
      pos += 20;
    } else if ((w & 0x10000000) === 0) {
      dod = (w >>> 8) & 0xfffff;
      if (dod > 0x80000) dod -= 0x100000;
      pos += 24;
    } else {
      dod = peek32(this.dv, this.buf, pos + 4) * TWO_POW_32 + (peek32(this.dv, this.buf, pos + 36) >>> 0);
      pos += 68;
    }
    this.delta += dod;
    this.t += this.delta;
    return pos;
  }

  // `w` holds the 32 bits at `pos`, where an XOR-encoded value starts.
  private readValue(w: number, pos: number): number {
    if (w >= 0) return pos + 1;
    if ((w & 0x40000000) === 0) {
      pos += 2;
    } else {
      const leading = (w >>> 25) & 31;
      const sig = (w >>> 19) & 63 || 64;
      const trailing = 64 - leading - sig;
      if (trailing < 0) throw this.corrupt();
      this.leading = leading;
      this.trailing = trailing;
      this.sig = sig;
      this.maskHi = windowMaskHi(leading, trailing);
      this.maskLo = windowMaskLo(trailing);
      pos += 13;
    }
    // The significant bits sit in the stream exactly where they sit in the 64-bit XOR if that
    // word started `leading` bits earlier: read the word there and mask off the neighbours.
    const at = pos - this.leading;
    this.hi ^= peek32(this.dv, this.buf, at) & this.maskHi;
    this.lo ^= peek32(this.dv, this.buf, at + 32) & this.maskLo;
    this.v = bitsToFloat(this.hi, this.lo);
    return pos + this.sig;
  }

  private corrupt(): CorruptChunkError {
    const err = new CorruptChunkError(`XOR chunk corrupt or truncated at sample ${this.i} of ${this.n}`);
    this.n = this.i; // stay exhausted
    return err;
  }
}

// leading ≤ 31 always (the 5-bit field), so the high word keeps at least one bit.
function windowMaskHi(leading: number, trailing: number): number {
  const m = -1 >>> leading;
  return trailing > 32 ? m & (-1 << (trailing - 32)) : m | 0;
}

function windowMaskLo(trailing: number): number {
  return trailing >= 32 ? 0 : -1 << trailing;
}

/**
 * Appends samples in Prometheus's XOR encoding. Samples are taken as given: ordering and
 * duplicates are the caller's business, as with Prometheus's chunk appender.
 */
export class XorChunk {
  private buf: Uint8Array;
  private dv: DataView;
  private n = 0;
  private pos = HEADER_BITS; // bits written, header included
  // Appender state, as in Go's xorAppender.
  private t = 0;
  private delta = 0;
  private hi = 0;
  private lo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;
  private first = 0;
  // A chunk from from() decodes itself to restore the appender state only when that is needed
  // (maxTime, append), and tidies its tail only before the first append, so reading never changes
  // what bytes() returns.
  private stateUnknown = false;
  private tailUntidy = false;
  private lastPos = HEADER_BITS;

  /**
   * An empty chunk. `capacity` is the encoded size to reserve, in bytes; the buffer doubles when
   * outgrown, and each growth costs about as much as encoding a dozen samples, so a caller that
   * knows the likely size (a series's previous chunk) should pass it. 120 scrape samples take
   * roughly 80 bytes (constant) to 750 (a CPU counter).
   */
  constructor(capacity = INITIAL_BYTES) {
    this.buf = new Uint8Array(Math.max(capacity, 2) + PAD_BYTES);
    this.dv = new DataView(this.buf.buffer);
  }

  /**
   * Opens an encoded chunk (copied) for reading and appending. The first append replays the chunk
   * to restore the appender's state, as Prometheus's XORChunk.Appender() does, quirk included: Go's
   * iterator starts from a (0, 0) leading/trailing window rather than "none", so if no value had
   * changed yet, the first change after reopening is written in that full 64-bit window.
   */
  static from(bytes: Uint8Array): XorChunk {
    const n = xorNumSamples(bytes);
    if (n === 0 && bytes.length !== 2) throw new CorruptChunkError('empty XOR chunk with trailing bytes');
    const c = new XorChunk(bytes.length);
    c.buf.set(bytes);
    c.n = n;
    c.pos = bytes.length * 8;
    if (n > 0) {
      try {
        readVarint(c.buf, 2, cursor);
      } catch (e) {
        throw e instanceof VarintError ? new CorruptChunkError('XOR chunk: bad first timestamp') : e;
      }
      c.first = cursor.value;
      c.stateUnknown = true;
      c.tailUntidy = true;
    }
    return c;
  }

  numSamples(): number {
    return this.n;
  }

  /**
   * The encoded chunk, as Prometheus 3.x would hold it (for a chunk from from(), the bytes given,
   * until the first append). A view of the chunk's buffer: valid until the next append, which
   * rewrites the header in place and may move the buffer; slice() it to keep it.
   */
  bytes(): Uint8Array {
    return this.buf.subarray(0, (this.pos + 7) >>> 3);
  }

  /** Timestamp of the first sample (the earliest, when samples are appended in order). */
  minTime(): number {
    if (this.n === 0) throw new RangeError('empty chunk has no minTime');
    return this.first;
  }

  /** Timestamp of the last sample; on a chunk from from() the first call decodes the chunk. */
  maxTime(): number {
    if (this.n === 0) throw new RangeError('empty chunk has no maxTime');
    if (this.stateUnknown) this.restoreState();
    return this.t;
  }

  /** An iterator over the current samples; pass one to reuse it. */
  iterator(it: XorIterator = new XorIterator()): XorIterator {
    return it.attach(this.buf, this.dv, (this.pos + 7) >>> 3);
  }

  /** Decodes every sample into ts/vs from `offset`; returns the count. See decodeXorInto. */
  decodeInto(ts: Float64Array, vs: Float64Array, offset = 0): number {
    return decodeAll(this.buf, this.dv, (this.pos + 7) >>> 3, ts, vs, offset);
  }

  /**
   * Appends a sample. `t` must be an integer in [-MAX_TIMESTAMP, MAX_TIMESTAMP]; throws RangeError
   * otherwise or past XOR_MAX_SAMPLES (where Prometheus panics).
   */
  append(t: number, v: number): void {
    if (!(t >= -MAX_TIMESTAMP && t <= MAX_TIMESTAMP) || Math.floor(t) !== t) {
      throw new RangeError(`timestamp ${t} is not an integer within ±2^51`);
    }
    if (this.tailUntidy) this.tidyTail();
    const n = this.n;
    if (n === XOR_MAX_SAMPLES) throw new RangeError('XOR chunk capacity exceeded');
    if ((this.pos >>> 3) + PAD_BYTES > this.buf.length) this.ensureCapacity(this.buf.length * 2);

    floatView.setFloat64(0, v);
    let hi = floatView.getInt32(0);
    const lo = floatView.getInt32(4);
    if (hi === 0x7ff80000 && lo === 2) hi = 0x7ff00000; // a quieted staleness marker

    const buf = this.buf;
    const dv = this.dv;
    let pos = this.pos;
    if (n >= 2) {
      const delta = t - this.t;
      const dod = delta - this.delta;
      // Buckets as Go's bitRange(dod, n): -(2^(n-1)-1) ≤ dod ≤ 2^(n-1). Each control prefix and
      // the dod's two's-complement low bits go out as one left-aligned word.
      if (dod === 0) {
        pos += 1;
      } else if (dod >= -8191 && dod <= 8192) {
        or32(dv, buf, pos, (0x8000 | (dod & 0x3fff)) << 16);
        pos += 16;
      } else if (dod >= -65535 && dod <= 65536) {
        or32(dv, buf, pos, (0xc0000 | (dod & 0x1ffff)) << 12);
        pos += 20;
      } else if (dod >= -524287 && dod <= 524288) {
        or32(dv, buf, pos, (0xe00000 | (dod & 0xfffff)) << 8);
        pos += 24;
      } else {
        const high = Math.floor(dod / TWO_POW_32);
        or32(dv, buf, pos, 0xf0000000 | 0);
        or32(dv, buf, pos + 4, high | 0);
        or32(dv, buf, pos + 36, (dod - high * TWO_POW_32) | 0);
        pos += 68;
      }
      this.delta = delta;
      pos = this.writeValue(pos, hi, lo);
    } else if (n === 0) {
      const o = writeVarint(buf, pos >>> 3, t);
      dv.setInt32(o, hi);
      dv.setInt32(o + 4, lo);
      pos = (o + 8) * 8;
      this.hi = hi;
      this.lo = lo;
      this.first = t;
    } else {
      const delta = t - this.t;
      // Go writes uint64(t - prev): a negative delta becomes a 10-byte two's-complement uvarint.
      const o = delta >= 0 ? writeUvarint(buf, pos >>> 3, delta) : writeUvarintBig(buf, pos >>> 3, BigInt(delta));
      this.delta = delta;
      pos = this.writeValue(o * 8, hi, lo);
    }
    this.pos = pos;
    this.t = t;
    this.n = n + 1;
    buf[0] = (n + 1) >>> 8;
    buf[1] = n + 1;
  }

  private writeValue(pos: number, hi: number, lo: number): number {
    const xh = hi ^ this.hi;
    const xl = lo ^ this.lo;
    this.hi = hi;
    this.lo = lo;
    if ((xh | xl) === 0) return pos + 1;
    let lz = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lz > 31) lz = 31; // the field has 5 bits
    const tz = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 63 - Math.clz32(xh & -xh);
    const buf = this.buf;
    const dv = this.dv;
    let leading = this.leading;
    if (leading !== NO_WINDOW && lz >= leading && tz >= this.trailing) {
      setBit(buf, pos); // '10': reuse the window
      pos += 2;
    } else {
      leading = lz;
      this.leading = lz;
      this.trailing = tz;
      const sig = 64 - lz - tz;
      // '11', 5 bits of leading zeros, 6 bits of significant bits (64 wraps to 0): 13 bits.
      or32(dv, buf, pos, ((0b11 << 11) | (lz << 6) | (sig & 63)) << 19);
      pos += 13;
    }
    // OR the whole XOR word in, starting `leading` bits early: its leading bits are zeros landing
    // on bits already written, its trailing zeros land past the end, leaving the significant bits.
    const at = pos - leading;
    or32(dv, buf, at, xh);
    or32(dv, buf, at + 32, xl);
    return pos + 64 - leading - this.trailing;
  }

  private ensureCapacity(bytes: number): void {
    if (bytes <= this.buf.length) return;
    const next = new Uint8Array(bytes);
    next.set(this.buf); // all of it: past the data it is zeros, as the new tail must be
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  private restoreState(): void {
    const it = this.iterator();
    while (it.next());
    const s = it.appenderState();
    this.t = s.t;
    this.delta = s.delta;
    this.hi = s.hi;
    this.lo = s.lo;
    this.leading = s.leading;
    this.trailing = s.trailing;
    this.lastPos = s.pos;
    this.stateUnknown = false;
  }

  // Appending ORs bits in, so whatever a foreign writer left past the last sample must go: stray
  // bits in the last byte, or the empty byte Prometheus before 3.0 could leave at the end.
  private tidyTail(): void {
    if (this.stateUnknown) this.restoreState();
    const end = (this.pos + 7) >>> 3;
    this.pos = this.lastPos;
    const keep = this.pos & 7;
    const last = this.pos >>> 3;
    if (keep !== 0) this.buf[last]! &= 0xff00 >>> keep;
    this.buf.fill(0, keep !== 0 ? last + 1 : last, end);
    this.tailUntidy = false;
  }
}

let scratch = new Uint8Array(1024);
let scratchView = new DataView(scratch.buffer);

/**
 * Decodes all samples of an encoded chunk into ts[offset…] and vs[offset…]; returns the count.
 * Values are written as their exact bits, so NaN payloads (staleness included) survive in `vs`.
 * Throws RangeError if the arrays are too short, CorruptChunkError on bad data.
 */
export function decodeXorInto(bytes: Uint8Array, ts: Float64Array, vs: Float64Array, offset = 0): number {
  xorNumSamples(bytes);
  const need = bytes.length + PAD_BYTES;
  if (scratch.length < need) {
    scratch = new Uint8Array(need * 2);
    scratchView = new DataView(scratch.buffer);
  }
  scratch.set(bytes);
  scratch.fill(0, bytes.length, need);
  return decodeAll(scratch, scratchView, bytes.length, ts, vs, offset);
}

function corruptAt(i: number, n: number): CorruptChunkError {
  return new CorruptChunkError(`XOR chunk corrupt or truncated at sample ${i} of ${n}`);
}

// The bulk decoder: the same algorithm as XorIterator, with all state in locals, which is what lets
// V8 keep it in registers.
function decodeAll(buf: Uint8Array, dv: DataView, byteLen: number, ts: Float64Array, vs: Float64Array, offset: number): number {
  const n = readHeader(buf);
  if (n === 0) return 0;
  if (!(offset >= 0 && offset + n <= ts.length && offset + n <= vs.length)) {
    throw new RangeError(`${n} samples do not fit from offset ${offset}`);
  }
  const words = new Int32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  const endBit = byteLen * 8;

  try {
    readVarint(buf, 2, cursor);
  } catch (e) {
    throw e instanceof VarintError ? corruptAt(0, n) : e;
  }
  let t = cursor.value;
  let hi = dv.getInt32(cursor.end);
  let lo = dv.getInt32(cursor.end + 4);
  let pos = (cursor.end + 8) * 8;
  if (pos > endBit) throw corruptAt(0, n);
  let k = offset;
  ts[k] = t;
  words[2 * k + HI] = hi;
  words[2 * k + LO] = lo;
  k++;

  let delta = 0;
  let leading = 0;
  let sig = 64;
  let maskHi = -1;
  let maskLo = -1;
  for (let i = 1; i < n; i++) {
    let w: number;
    if (i === 1) {
      try {
        readUvarintAsInt64(buf, pos >>> 3, cursor);
      } catch (e) {
        throw e instanceof VarintError ? corruptAt(i, n) : e;
      }
      delta = cursor.value;
      pos = cursor.end * 8;
      w = peek32(dv, buf, pos);
    } else {
      w = peek32(dv, buf, pos);
      if (w >= 0) {
        pos += 1;
        w <<= 1;
      } else {
        let dod: number;
        if ((w & 0x40000000) === 0) {
          dod = (w >>> 16) & 0x3fff;
          if (dod > 0x2000) dod -= 0x4000;
          pos += 16;
        } else if ((w & 0x20000000) === 0) {
          dod = (w >>> 12) & 0x1ffff;
          if (dod > 0x10000) dod -= 0x20000;
          pos += 20;
        } else if ((w & 0x10000000) === 0) {
          dod = (w >>> 8) & 0xfffff;
          if (dod > 0x80000) dod -= 0x100000;
          pos += 24;
        } else {
          dod = peek32(dv, buf, pos + 4) * TWO_POW_32 + (peek32(dv, buf, pos + 36) >>> 0);
          pos += 68;
        }
        delta += dod;
        w = peek32(dv, buf, pos);
      }
    }
    t += delta;
    if (w >= 0) {
      pos += 1;
    } else {
      if ((w & 0x40000000) === 0) {
        pos += 2;
      } else {
        leading = (w >>> 25) & 31;
        sig = (w >>> 19) & 63 || 64;
        const trailing = 64 - leading - sig;
        if (trailing < 0) throw corruptAt(i, n);
        maskHi = windowMaskHi(leading, trailing);
        maskLo = windowMaskLo(trailing);
        pos += 13;
      }
      const at = pos - leading;
      hi ^= peek32(dv, buf, at) & maskHi;
      lo ^= peek32(dv, buf, at + 32) & maskLo;
      pos += sig;
    }
    if (pos > endBit) throw corruptAt(i, n);
    ts[k] = t;
    words[2 * k + HI] = hi;
    words[2 * k + LO] = lo;
    k++;
  }
  return n;
}
