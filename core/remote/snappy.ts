// Snappy block format (https://github.com/google/snappy/blob/main/format_description.txt), as the
// remote-write protocol uses it: the uncompressed length as a varint, then literals and copies.
// The compressor works on 64 KiB blocks like the reference implementation, so copies never need
// offsets beyond 2 bytes; the decompressor accepts all four element kinds (incl. 4-byte offsets).

const BLOCK = 1 << 16;
const MIN_MATCH = 4;
const HASH_BITS = 14;

class ByteWriter {
  buf: Uint8Array;
  len = 0;
  constructor(cap: number) {
    this.buf = new Uint8Array(Math.max(16, cap));
  }
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(src: Uint8Array, from: number, to: number): void {
    this.ensure(to - from);
    this.buf.set(src.subarray(from, to), this.len);
    this.len += to - from;
  }
}

function writeVarint(w: ByteWriter, n: number): void {
  while (n >= 0x80) {
    w.byte((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  w.byte(n);
}

function emitLiteral(w: ByteWriter, src: Uint8Array, from: number, to: number): void {
  const n = to - from - 1;
  if (n < 0) return;
  if (n < 60) w.byte(n << 2);
  else if (n < 1 << 8) {
    w.byte(60 << 2);
    w.byte(n);
  } else if (n < 1 << 16) {
    w.byte(61 << 2);
    w.byte(n & 0xff);
    w.byte(n >>> 8);
  } else if (n < 1 << 24) {
    w.byte(62 << 2);
    w.byte(n & 0xff);
    w.byte((n >>> 8) & 0xff);
    w.byte(n >>> 16);
  } else {
    w.byte(63 << 2);
    w.byte(n & 0xff);
    w.byte((n >>> 8) & 0xff);
    w.byte((n >>> 16) & 0xff);
    w.byte(n >>> 24);
  }
  w.bytes(src, from, to);
}

/** One copy element of length 1..64 (offset < 65536 within a block). */
function emitCopyOne(w: ByteWriter, offset: number, len: number): void {
  if (len >= 4 && len <= 11 && offset < 2048) {
    w.byte(0b01 | ((len - 4) << 2) | ((offset >>> 8) << 5));
    w.byte(offset & 0xff);
  } else {
    w.byte(0b10 | ((len - 1) << 2));
    w.byte(offset & 0xff);
    w.byte(offset >>> 8);
  }
}

function emitCopy(w: ByteWriter, offset: number, len: number): void {
  // Like the reference: 64-byte pieces while long, and never leave a tail shorter than 4.
  while (len >= 68) {
    emitCopyOne(w, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    emitCopyOne(w, offset, 60);
    len -= 60;
  }
  emitCopyOne(w, offset, len);
}

function load32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function hash(x: number): number {
  return Math.imul(x, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function compressBlock(w: ByteWriter, src: Uint8Array, start: number, end: number, table: Int32Array): void {
  table.fill(-1);
  let lit = start;
  let i = start;
  const limit = end - MIN_MATCH;
  while (i <= limit) {
    const x = load32(src, i);
    const h = hash(x);
    const cand = table[h]!;
    table[h] = i;
    if (cand >= start && i - cand < BLOCK && load32(src, cand) === x) {
      let len = MIN_MATCH;
      while (i + len < end && src[cand + len] === src[i + len]) len++;
      emitLiteral(w, src, lit, i);
      emitCopy(w, i - cand, len);
      i += len;
      lit = i;
      if (i - 1 <= limit) table[hash(load32(src, i - 1))] = i - 1;
    } else i++;
  }
  emitLiteral(w, src, lit, end);
}

/** Compresses `src` into one snappy block (what remote-write's Content-Encoding: snappy means). */
export function snappyEncode(src: Uint8Array): Uint8Array {
  const w = new ByteWriter(32 + src.length + Math.ceil(src.length / 6));
  writeVarint(w, src.length);
  const table = new Int32Array(1 << HASH_BITS);
  for (let s = 0; s < src.length; s += BLOCK) compressBlock(w, src, s, Math.min(src.length, s + BLOCK), table);
  return w.buf.slice(0, w.len);
}

/** Decompresses one snappy block; throws on corrupt input. */
export function snappyDecode(src: Uint8Array): Uint8Array {
  let p = 0;
  let n = 0;
  let mul = 1;
  for (;;) {
    if (p >= src.length || p > 5) throw new Error('snappy: bad length varint');
    const b = src[p++]!;
    n += (b & 0x7f) * mul;
    mul *= 128;
    if (b < 0x80) break;
  }
  if (n > 0xffffffff) throw new Error('snappy: length too large');
  const out = new Uint8Array(n);
  let o = 0;
  while (p < src.length) {
    const tag = src[p++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const k = len - 59;
        if (p + k > src.length) throw new Error('snappy: truncated literal length');
        len = 0;
        for (let j = 0; j < k; j++) len += src[p + j]! * 2 ** (8 * j);
        p += k;
      }
      len += 1;
      if (p + len > src.length || o + len > n) throw new Error('snappy: literal out of range');
      out.set(src.subarray(p, p + len), o);
      p += len;
      o += len;
      continue;
    }
    let len: number;
    let off: number;
    if (kind === 1) {
      if (p + 1 > src.length) throw new Error('snappy: truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      off = ((tag >>> 5) << 8) | src[p++]!;
    } else if (kind === 2) {
      if (p + 2 > src.length) throw new Error('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      off = src[p]! | (src[p + 1]! << 8);
      p += 2;
    } else {
      if (p + 4 > src.length) throw new Error('snappy: truncated copy');
      len = (tag >>> 2) + 1;
      off = load32(src, p);
      p += 4;
    }
    if (off === 0 || off > o || o + len > n) throw new Error('snappy: copy out of range');
    for (let j = 0; j < len; j++, o++) out[o] = out[o - off]!;
  }
  if (o !== n) throw new Error(`snappy: decoded ${o} bytes, header says ${n}`);
  return out;
}
