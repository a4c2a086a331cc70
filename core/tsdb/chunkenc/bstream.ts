// Bit-level primitives for the XOR chunk, in the bit order of Prometheus's tsdb/chunkenc/bstream.go:
// bits fill each byte from its most significant bit, bytes follow in order, the last byte is
// zero-padded on the right.
//
// Unlike Go's bstream these work on absolute bit positions in a buffer that always has PAD_BYTES of
// zeros after the data. That buys two things the hot loops depend on:
//  - a reader can fetch any 32 bits with one big-endian DataView load plus one byte, without
//    checking for the end of the stream, and mask away what it did not want;
//  - a writer can OR whole 32-bit words into place: bits past the write position are zero, so
//    writing zeros there costs nothing, and "writing" a 0 bit is just advancing the position.
// Word values are int32 bit patterns (JS bitwise results), never treated as signed quantities.

/** Zeros kept after the data: covers the longest sample (145 bits) plus a 32-bit over-read. */
export const PAD_BYTES = 40;

/** The 32 bits starting at bit `pos`, as an int32 bit pattern. */
export function peek32(dv: DataView, buf: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const s = pos & 7;
  // When s is 0 the second term shifts a byte right by 8, giving 0.
  return (dv.getInt32(i) << s) | (buf[i + 4]! >>> (8 - s));
}

/** ORs the 32 bits of `w` into the stream starting at bit `pos`. */
export function or32(dv: DataView, buf: Uint8Array, pos: number, w: number): void {
  const i = pos >>> 3;
  const s = pos & 7;
  dv.setInt32(i, dv.getInt32(i) | (w >>> s));
  // When s is 0 this ORs w << 8, whose low byte is 0: a harmless no-op.
  buf[i + 4]! |= w << (8 - s);
}

/** Sets the single bit at `pos`. */
export function setBit(buf: Uint8Array, pos: number): void {
  buf[pos >>> 3]! |= 0x80 >>> (pos & 7);
}

/** Where a varint read ends and what it held; callers reuse one instance to avoid allocating. */
export interface VarintCursor {
  value: number;
  end: number;
}

export class VarintError extends Error {}

/**
 * Writes `x` as a Go uvarint (binary.PutUvarint) at byte `off`; returns the byte after it.
 * `x` must be an integer in [0, 2^53).
 */
export function writeUvarint(buf: Uint8Array, off: number, x: number): number {
  while (x >= 128) {
    // `& 127` is exact beyond 2^31 too: ToInt32 keeps the low bits of any integer.
    buf[off++] = (x & 127) | 128;
    x = Math.floor(x / 128);
  }
  buf[off++] = x;
  return off;
}

/** Writes a uvarint of a 64-bit pattern; the rare path for deltas that do not fit a number's range. */
export function writeUvarintBig(buf: Uint8Array, off: number, x: bigint): number {
  x = BigInt.asUintN(64, x);
  while (x >= 128n) {
    buf[off++] = Number(x & 127n) | 128;
    x >>= 7n;
  }
  buf[off++] = Number(x);
  return off;
}

/** Writes a Go varint (zigzag, binary.PutVarint) of an integer with |x| < 2^52. */
export function writeVarint(buf: Uint8Array, off: number, x: number): number {
  return writeUvarint(buf, off, x >= 0 ? x * 2 : -x * 2 - 1);
}

// Finds the terminating byte of a varint; Go's reader gives up after 10 bytes, and so do we.
function varintLength(buf: Uint8Array, off: number): number {
  for (let k = 0; k < 10; k++) if (buf[off + k]! < 128) return k + 1;
  throw new VarintError('varint longer than 10 bytes');
}

function readBig(buf: Uint8Array, off: number, len: number): bigint {
  let x = 0n;
  for (let k = len - 1; k >= 0; k--) x = (x << 7n) | BigInt(buf[off + k]! & 127);
  return BigInt.asUintN(64, x);
}

// Up to 7 bytes (49 bits) accumulate exactly in a number; longer ones take the BigInt path, which
// in a chunk happens only for a first timestamp beyond ±2^48 ms or a negative first delta.
function readSmall(buf: Uint8Array, off: number, len: number): number {
  let x = 0;
  let mul = 1;
  for (let k = 0; k < len; k++) {
    x += (buf[off + k]! & 127) * mul;
    mul *= 128;
  }
  return x;
}

/** Reads a uvarint and reinterprets its 64 bits as int64, as Go does with a chunk's first delta. */
export function readUvarintAsInt64(buf: Uint8Array, off: number, cur: VarintCursor): void {
  const len = varintLength(buf, off);
  cur.end = off + len;
  if (len <= 7) cur.value = readSmall(buf, off, len);
  else cur.value = Number(BigInt.asIntN(64, readBig(buf, off, len)));
}

/** Reads a Go varint (zigzag). */
export function readVarint(buf: Uint8Array, off: number, cur: VarintCursor): void {
  const len = varintLength(buf, off);
  cur.end = off + len;
  if (len <= 7) {
    const ux = readSmall(buf, off, len);
    cur.value = ux % 2 === 0 ? ux / 2 : -(ux + 1) / 2;
  } else {
    const ux = readBig(buf, off, len);
    const x = ux >> 1n;
    cur.value = Number(ux & 1n ? -x - 1n : x);
  }
}
