import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floatBits, isStaleNaN, STALE_NAN, STALE_NAN_BITS } from '../../model/value.js';
import { CorruptChunkError, decodeXorInto, MAX_TIMESTAMP, XOR_MAX_SAMPLES, XorChunk, XorIterator, xorNumSamples } from './xor.js';

type Sample = [t: number, v: number];

// ---- helpers ----------------------------------------------------------------------------------

function fromBits(bits: bigint): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, bits);
  return dv.getFloat64(0);
}
const GO_NAN = fromBits(0x7ff8000000000001n); // math.NaN() in Go
const QUIET_STALE = fromBits(0x7ff8000000000002n); // what V8 may turn STALE_NAN into

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bitString = (b: Uint8Array) => Array.from(b, (x) => x.toString(2).padStart(8, '0')).join('');
function packBits(bits: string): Uint8Array {
  bits = bits.replace(/\s/g, '');
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

function encode(samples: Sample[], chunk = new XorChunk()): XorChunk {
  for (const [t, v] of samples) chunk.append(t, v);
  return chunk;
}

// Comparisons of values go by bits, taken as soon as a value exists: V8 may rewrite a NaN stored
// into a JS array of numbers (quiet it, or on some paths replace it with the canonical NaN, payload
// gone), so an array of numbers cannot carry a payload to compare.
type Bits = [t: number, bits: bigint];
const asBits = (samples: Sample[]): Bits[] => samples.map(([t, v]) => [t, floatBits(v)]);

function iterate(it: XorIterator): Sample[] {
  const out: Sample[] = [];
  while (it.next()) out.push([it.t, it.v]);
  return out;
}

function iterateBits(it: XorIterator): Bits[] {
  const out: Bits[] = [];
  while (it.next()) out.push([it.t, floatBits(it.v)]);
  return out;
}

function decodeBits(bytes: Uint8Array): Bits[] {
  const n = xorNumSamples(bytes);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  expect(decodeXorInto(bytes, ts, vs)).toBe(n);
  const raw = new BigUint64Array(vs.buffer);
  return Array.from(ts, (t, i) => [t, raw[i]!]);
}

function encodeBits(samples: Bits[]): XorChunk {
  const c = new XorChunk();
  for (const [t, b] of samples) c.append(t, fromBits(b));
  return c;
}

/** Every way of reading a chunk must give back exactly the samples appended. */
function expectRoundTrip(samples: Sample[]): XorChunk {
  const c = encode(samples);
  const bytes = c.bytes().slice();
  const want = asBits(samples);
  expect(c.numSamples()).toBe(samples.length);
  expect(iterateBits(c.iterator())).toEqual(want);
  expect(iterateBits(new XorIterator(bytes))).toEqual(want);
  expect(iterateBits(XorChunk.from(bytes).iterator())).toEqual(want);
  expect(decodeBits(bytes)).toEqual(want);
  return c;
}

// A reference encoder written straight from Go's xor.go, on BigInts and strings of bits: slow and
// obvious, so the optimized encoder's word tricks are checked against the algorithm itself.
// `reopenAt` models XORChunk.Appender() on a chunk of that many samples: Go's iterator starts with
// leading = trailing = 0, so an appender reopened before any window was set reuses a 64-bit window.
//
// `legacyPad` tells whether Prometheus before 3.0 left one more, zero, byte at the end. Its
// bstream.writeByte, called on a byte boundary, appended two bytes and left the second empty (fixed
// in 3.0 by prometheus/prometheus#14854). The bits are the same; the chunk is a byte longer when
// the last write was whole bytes (writeBits of a multiple of 8 bits) that ended on a boundary.
function reference(samples: Array<Sample | Bits>, reopenAt = -1): { bits: string; legacyPad: boolean } {
  let bits = '';
  let lastWidth = 0;
  const put = (u: bigint, n: number) => {
    bits += BigInt.asUintN(n, u).toString(2).padStart(n, '0');
    lastWidth = n;
  };
  const uvarint = (u: bigint) => {
    while (u >= 128n) {
      put((u & 127n) | 128n, 8);
      u >>= 7n;
    }
    put(u, 8);
  };
  const bitRange = (x: bigint, n: bigint) => -((1n << (n - 1n)) - 1n) <= x && x <= 1n << (n - 1n);
  let t = 0n;
  let tDelta = 0n;
  let v = 0n;
  let leading = 0xff;
  let trailing = 0;
  const xorWrite = (nv: bigint) => {
    const delta = nv ^ v;
    v = nv;
    if (delta === 0n) return put(0n, 1);
    put(1n, 1);
    let lz = 64 - delta.toString(2).length;
    let tz = 0;
    while (((delta >> BigInt(tz)) & 1n) === 0n) tz++;
    if (lz >= 32) lz = 31;
    if (leading !== 0xff && lz >= leading && tz >= trailing) {
      put(0n, 1);
      put(delta >> BigInt(trailing), 64 - leading - trailing);
      return;
    }
    leading = lz;
    trailing = tz;
    const sig = 64 - lz - tz;
    put(1n, 1);
    put(BigInt(lz), 5);
    put(BigInt(sig), 6);
    put(delta >> BigInt(tz), sig);
  };
  samples.forEach(([tn, vn], i) => {
    if (i === reopenAt && i > 0 && leading === 0xff) leading = trailing = 0;
    const ti = BigInt(tn);
    const vi = typeof vn === 'bigint' ? vn : floatBits(vn);
    if (i === 0) {
      uvarint(ti >= 0n ? ti * 2n : -ti * 2n - 1n);
      put(vi, 64);
      v = vi;
    } else if (i === 1) {
      tDelta = BigInt.asUintN(64, ti - t);
      uvarint(tDelta);
      xorWrite(vi);
    } else {
      const d = BigInt.asUintN(64, ti - t);
      const dod = BigInt.asIntN(64, d - tDelta);
      tDelta = d;
      if (dod === 0n) {
        put(0n, 1);
      } else {
        const [prefix, width] = bitRange(dod, 14n) ? [0b10n, 14] : bitRange(dod, 17n) ? [0b110n, 17] : bitRange(dod, 20n) ? [0b1110n, 20] : [0b1111n, 64];
        put(prefix, prefix.toString(2).length);
        put(dod, width);
      }
      xorWrite(vi);
    }
    t = ti;
  });
  return {
    bits: BigInt(samples.length).toString(2).padStart(16, '0') + bits,
    legacyPad: lastWidth % 8 === 0 && bits.length % 8 === 0,
  };
}
const referenceBits = (samples: Sample[], reopenAt = -1) => reference(samples, reopenAt).bits;
const referenceEncode = (samples: Sample[], reopenAt = -1) => packBits(referenceBits(samples, reopenAt));

let seed = 7;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

function scrape(n: number, value: (i: number) => number, step = 15_000, start = 1_700_000_000_000): Sample[] {
  return Array.from({ length: n }, (_, i) => [start + i * step, value(i)]);
}

const SPECIALS = [
  NaN,
  GO_NAN,
  STALE_NAN,
  Infinity,
  -Infinity,
  0,
  -0,
  Number.MIN_VALUE, // smallest denormal
  2.225073858507201e-308, // largest denormal
  2.2250738585072014e-308, // smallest normal
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.EPSILON,
  1,
  -1,
];

// ---- the format, bit for bit --------------------------------------------------------------------

describe('encoding, bit for bit', () => {
  // Derived by hand from Go's xor.go, one field per line (header first), and checked against
  // Prometheus itself: promtool 2.42 `tsdb create-blocks-from openmetrics` wrote, for the first eight
  // samples, the chunk 0008d00f3ff000000000000098753097ffe0007603bfff2e13887f8400000003c30d40, which
  // is these bits with a count of 8 (OpenMetrics cannot carry a staleness marker, hence sample 8).
  //  s0 t=1000: varint zigzag(1000)=2000 → d0 0f; v=1.0 raw: 3ff0000000000000
  //  s1 t=16000: uvarint delta 15000 → 98 75; v=1.0 unchanged: 0
  //  s2 t=31000: dod 0 → 0; v=2.0: xor 7ff0000000000000, lz 1 tz 52, no window yet →
  //     11 + lz 00001 + sig 11 (001011) + 11111111111
  //  s3 t=46001: dod +1 → 10 + 14 bits; v=3.0: xor 0008000000000000, lz 12 tz 51 < 52 → new window
  //  s4 t=61001: dod -1 → 10 + 14 one bits (two's complement); v unchanged: 0
  //  s5 t=76001: dod 0; v=2.0: xor 0008000000000000 fits window (12, 51) → 10 + 1 bit
  //  s6 t=101001: dod 10000 > 8192 → 110 + 17 bits; v=0x4000000000000001: xor 1, lz 63 clamped to
  //     31, tz 0 → 11 + 11111 + sig 33 (100001) + 33 bits
  //  s7 t=226001: dod 100000 > 65536 → 1110 + 20 bits; v unchanged: 0
  //  s8 t=1351001: dod 1000000 > 524288 → 1111 + 64 bits; v=StaleNaN 0x7ff0000000000002:
  //     xor 3ff0000000000003, lz 2 < 31 → 11 + 00010 + sig 62 (111110) + 62 bits
  const samples: Sample[] = [
    [1000, 1],
    [16000, 1],
    [31000, 2],
    [46001, 3],
    [61001, 3],
    [76001, 2],
    [101001, fromBits(0x4000000000000001n)],
    [226001, fromBits(0x4000000000000001n)],
    [1351001, STALE_NAN],
  ];
  const fields = [
    '00000000 00001001',
    '11010000 00001111',
    '00111111 11110000' + '0'.repeat(48),
    '10011000 01110101',
    '0',
    '0',
    '11 00001 001011 11111111111',
    '10 00000000000001',
    '11 01100 000001 1',
    '10 11111111111111',
    '0',
    '0',
    '10 1',
    '110 00010011100010000',
    '11 11111 100001 ' + '0'.repeat(32) + '1',
    '1110 00011000011010100000',
    '0',
    '1111 ' + '0'.repeat(44) + '11110100001001000000',
    '11 00010 111110 1111111111' + '0'.repeat(50) + '11',
  ];

  it('matches the hand-derived golden bytes', () => {
    const got = encode(samples).bytes();
    expect(hex(got)).toBe(hex(packBits(fields.join(''))));
    expect(hex(got)).toBe('0009d00f3ff000000000000098753097ffe0007603bfff2e13887f8400000003c30d40f00000000000f4240c5f7fe0000000000006');
  });

  it('decodes the golden bytes to the samples', () => {
    expect(decodeBits((packBits(fields.join(''))))).toEqual(asBits(samples));
  });

  // Prometheus's own test data (tsdb/testdata/index_format_v1/chunks/000001) holds one-sample XOR
  // chunks: (0, 0), (1, 2.0) and (3, 4.0), written before 3.0 and so with the legacy trailing zero
  // byte (see reference()), which 3.x and we no longer write but must still read.
  it.each([
    [0, 0, '000100000000000000000000'],
    [1, 2, '000102400000000000000000'],
    [3, 4, '000106401000000000000000'],
  ])('matches the one-sample chunk (%d, %d) from Prometheus testdata, but for the legacy zero byte', (t, v, want) => {
    expect(reference([[t, v]]).legacyPad).toBe(true);
    expect(hex(encode([[t, v]]).bytes()) + '00').toBe(want);
    expect(decodeBits(Buffer.from(want, 'hex'))).toEqual(asBits([[t, v]]));
    const c = XorChunk.from(Buffer.from(want, 'hex'));
    expect(iterate(c.iterator())).toEqual([[t, v]]);
    expect(c.maxTime()).toBe(t);
    expect(hex(c.bytes())).toBe(want); // reading leaves the bytes alone
    // Reopened, the pad is dropped and appending carries on as 3.x would.
    expect(hex(encode([[t + 15, v]], XorChunk.from(Buffer.from(want, 'hex'))).bytes())).toBe(hex(encode([[t, v], [t + 15, v]]).bytes()));
  });

  // Where the delta-of-delta of the third sample lands, per Go's bitRange(dod, n):
  // -(2^(n-1)-1) ≤ dod ≤ 2^(n-1).
  it.each([
    [0, '0', 0],
    [1, '10', 14],
    [-1, '10', 14],
    [8192, '10', 14],
    [-8191, '10', 14],
    [8193, '110', 17],
    [-8192, '110', 17],
    [65536, '110', 17],
    [-65535, '110', 17],
    [65537, '1110', 20],
    [-65536, '1110', 20],
    [524288, '1110', 20],
    [-524287, '1110', 20],
    [524289, '1111', 64],
    [-524288, '1111', 64],
    [2 ** 40 + 3, '1111', 64],
    [-(2 ** 40) - 3, '1111', 64],
  ])('dod %d is written as %s + %i bits', (dod, prefix, width) => {
    const delta = 2 ** 41; // room for the negative dods
    const samples: Sample[] = [
      [0, 5],
      [delta, 5],
      [2 * delta + dod, 5],
    ];
    const bytes = expectRoundTrip(samples).bytes();
    expect(hex(bytes)).toBe(hex(referenceEncode(samples)));
    // header 16 + t0 varint 8 + v0 64 + uvarint(2^41) 48 + unchanged value 1
    const field = bitString(bytes).slice(137, 137 + prefix.length + width);
    expect(field.slice(0, prefix.length)).toBe(prefix);
    // Go's reading: values above 2^(width-1) are the negative ones.
    const raw = width > 0 ? Number.parseInt(field.slice(prefix.length), 2) : 0;
    if (width > 0 && width < 64) expect(raw > 2 ** (width - 1) ? raw - 2 ** width : raw).toBe(dod);
    if (width === 64) expect(BigInt.asIntN(64, BigInt('0b' + field.slice(prefix.length)))).toBe(BigInt(dod));
  });

  it('writes 64 significant bits as 0 in the 6-bit field', () => {
    // 1.0 → 0xbff0000000000001: xor 0x8000000000000001, no leading or trailing zeros.
    const bytes = expectRoundTrip([
      [0, 1],
      [1, fromBits(0xbff0000000000001n)],
    ]).bytes();
    // header, t0 (1 byte), v0 (8), uvarint 1 (1 byte), then the value: 1, 1, leading, sig.
    expect(bitString(bytes).slice(96, 96 + 13)).toBe('11' + '00000' + '000000');
    expect(bytes.length).toBe(2 + 1 + 8 + 1 + Math.ceil((13 + 64) / 8));
  });

  it('clamps leading zeros to 31 and keeps the clamped window', () => {
    const samples: Sample[] = [
      [0, 0],
      [1, fromBits(0x10n)], // xor 0x10: lz 59 clamped to 31, tz 4 → window (31, 4), sig 29
      [2, fromBits(0x18n)], // xor 0x08: lz 60 → 31 ≥ 31 but tz 3 < 4 → new window (31, 3)
      [3, fromBits(0x10n)], // xor 0x08 again: fits (31, 3) → reuse
    ];
    const bytes = expectRoundTrip(samples).bytes();
    expect(hex(bytes)).toBe(hex(referenceEncode(samples)));
    expect(bitString(bytes).slice(96, 96 + 13)).toBe('11' + '11111' + '011101');
  });
});

// ---- round trips --------------------------------------------------------------------------------

describe('round trips', () => {
  it.each<[string, () => Sample[]]>([
    ['a single sample', () => [[1_700_000_000_000, 42]]],
    ['two samples', () => scrape(2, (i) => i + 0.5)],
    ['regular 15 s gauge', () => scrape(120, (i) => Math.round(Math.sin(i / 10) * 1e4) / 100)],
    ['cpu counter with USER_HZ ticks', () => scrape(120, (i) => Math.round((123456.78 + i * 14.93) * 100) / 100)],
    ['constant', () => scrape(120, () => 1)],
    ['constant zero', () => scrape(120, () => 0)],
    ['integers (bytes)', () => scrape(120, (i) => 8_000_000_000 + 4096 * ((i * 7919) % 1000))],
    ['random bits', () => scrape(120, () => fromBits(BigInt.asUintN(52, BigInt(Math.floor(rand() * 2 ** 52))) | (BigInt(Math.floor(rand() * 2047)) << 52n)))],
    ['every special value after every other', () => SPECIALS.flatMap((a) => SPECIALS.map((b) => [a, b])).flat().map((v, i) => [i * 1000, v] as Sample)],
    ['irregular timestamps', () => Array.from({ length: 120 }, (_, i) => [i * 15_000 + Math.floor(rand() * 2000) - 1000, i] as Sample)],
    ['a timestamp going backwards (negative delta)', () => [[100_000, 1], [40_000, 2], [10_000, 3], [90_000, 4]]],
    ['negative timestamps', () => scrape(10, (i) => i, 15_000, -1_000_000)],
    ['the timestamp limits', () => [[-MAX_TIMESTAMP, 1], [MAX_TIMESTAMP, 2], [-MAX_TIMESTAMP, 3], [MAX_TIMESTAMP, 4]]],
    ['large gaps, then back to 15 s', () => [[0, 1], [15_000, 2], [3_600_000, 3], [3_615_000, 4], [86_400_000 * 365, 5], [86_400_000 * 365 + 15_000, 6], [86_400_000 * 365 + 30_000, 7]]],
  ])('%s', (_name, make) => {
    const samples = make();
    const c = expectRoundTrip(samples);
    expect(hex(c.bytes())).toBe(hex(referenceEncode(samples)));
  });

  it.each([
    ['STALE_NAN', STALE_NAN],
    ['STALE_NAN with its quiet bit set by V8', QUIET_STALE],
  ])('stores %s as Prometheus’s exact StaleNaN bits and reads it back stale', (_name, stale) => {
    const c = encode([
      [0, stale],
      [15_000, 1],
      [30_000, stale],
    ]);
    // The first value is raw: header, varint 0, then the 64 bits.
    expect(hex(c.bytes().subarray(3, 11))).toBe('7ff0000000000002');
    const it = c.iterator();
    const stale3: boolean[] = [];
    while (it.next()) stale3.push(isStaleNaN(it.v));
    expect(stale3).toEqual([true, false, true]);
    const ts = new Float64Array(3);
    const vs = new Float64Array(3);
    c.decodeInto(ts, vs);
    // decodeInto writes bits, so even the unquieted pattern is there.
    const raw = new BigUint64Array(vs.buffer);
    expect(raw[0]).toBe(STALE_NAN_BITS);
    expect(raw[2]).toBe(STALE_NAN_BITS);
  });

  it('keeps a NaN payload bit-exact through decodeInto', () => {
    const c = encode([
      [0, GO_NAN],
      [1, NaN],
      [2, GO_NAN],
    ]);
    const ts = new Float64Array(3);
    const vs = new Float64Array(3);
    c.decodeInto(ts, vs);
    const raw = new BigUint64Array(vs.buffer);
    expect([...raw].map((b) => b.toString(16))).toEqual([floatBits(GO_NAN), floatBits(NaN), floatBits(GO_NAN)].map((b) => b.toString(16)));
    expect(floatBits(GO_NAN)).toBe(0x7ff8000000000001n);
  });

  it.each([1, 2, 120, XOR_MAX_SAMPLES])('holds %i samples', (n) => {
    const samples = scrape(n, (i) => (i % 7 === 0 ? i * 1.5 : i), 15_000, 0);
    const c = expectRoundTrip(samples);
    expect(c.minTime()).toBe(0);
    expect(c.maxTime()).toBe((n - 1) * 15_000);
    expect(xorNumSamples(c.bytes())).toBe(n);
  });

  it('refuses a sample past 65535, as Prometheus panics, and leaves the chunk intact', () => {
    const c = encode(scrape(XOR_MAX_SAMPLES, () => 1, 1000, 0));
    const before = hex(c.bytes());
    expect(() => c.append(XOR_MAX_SAMPLES * 1000, 1)).toThrow(RangeError);
    expect(hex(c.bytes())).toBe(before);
    expect(c.numSamples()).toBe(XOR_MAX_SAMPLES);
  });

  it.each([1.5, NaN, Infinity, -Infinity, MAX_TIMESTAMP + 1, -MAX_TIMESTAMP - 1, Number.MAX_SAFE_INTEGER])('refuses timestamp %d', (t) => {
    const c = encode([[0, 1]]);
    expect(() => c.append(t, 1)).toThrow(RangeError);
    expect(c.numSamples()).toBe(1);
  });

  it('agrees with the reference encoder on random series, and every reader decodes them', () => {
    const values = [
      () => pick(SPECIALS),
      () => Math.round(rand() * 1e6) / 100,
      () => Math.floor(rand() * 2 ** 40),
      () => fromBits((BigInt(Math.floor(rand() * 2 ** 32)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32))),
    ];
    const dods = [0, 0, 0, 0, 1, -1, 8192, -8191, 8193, 65536, -65536, 524288, 524289, -524288, 2 ** 35, -(2 ** 35)];
    for (let s = 0; s < 200; s++) {
      const n = 1 + Math.floor(rand() * 300);
      const samples: Sample[] = [];
      let t = Math.floor((rand() - 0.5) * 2 ** 45);
      let delta = Math.floor(rand() * 60_000) - 10_000;
      let v = 0;
      for (let i = 0; i < n; i++) {
        samples.push([t, v]);
        delta += rand() < 0.5 ? pick(dods) : Math.floor((rand() - 0.5) * 200);
        t += delta;
        const r = rand();
        if (r < 0.3) continue; // unchanged
        else if (r < 0.5) v += Math.round(rand() * 1000) / 100;
        else v = pick(values)();
        // Random bits can spell a signalling NaN, which V8 may quiet on the way: compare what the
        // encoder sees, not what was intended.
        if (Number.isNaN(v) && !isStaleNaN(v)) v = NaN;
      }
      const c = expectRoundTrip(samples);
      expect(hex(c.bytes())).toBe(hex(referenceEncode(samples)));
    }
  });
});

// ---- reading --------------------------------------------------------------------------------------

describe('iterator and seek', () => {
  const samples: Sample[] = [
    [1000, 10],
    [2000, 20],
    [3000, 30],
  ];

  it.each([
    [0, 1000],
    [1000, 1000],
    [1001, 2000],
    [2500, 3000],
    [3000, 3000],
    [3001, null],
  ])('seek(%d) lands on %s', (t, want) => {
    const it = encode(samples).iterator();
    expect(it.seek(t)).toBe(want !== null);
    if (want !== null) {
      expect(it.t).toBe(want);
      expect(it.v).toBe(want / 100);
    } else {
      expect(it.next()).toBe(false);
    }
  });

  it('never seeks backwards and continues from where it stands', () => {
    const it = encode(samples).iterator();
    expect(it.seek(2500)).toBe(true);
    expect(it.seek(1000)).toBe(true);
    expect(it.t).toBe(3000);
    expect(it.next()).toBe(false);
  });

  it('finds nothing in an empty chunk', () => {
    const it = new XorChunk().iterator();
    expect(it.next()).toBe(false);
    expect(it.seek(0)).toBe(false);
  });

  it('sees the samples the chunk had when it was made, whether or not the buffer then grows', () => {
    const c = encode(samples);
    const early = c.iterator();
    c.append(4000, 40);
    const middle = c.iterator();
    for (let i = 5; i < 300; i++) c.append(i * 1000, Math.random());
    expect(iterate(early)).toEqual(samples);
    expect(iterate(middle)).toEqual([...samples, [4000, 40]]);
  });

  it('is reusable across chunks and byte arrays', () => {
    const it = new XorIterator();
    const a = encode(samples);
    const b = encode(scrape(50, (i) => i));
    expect(a.iterator(it)).toBe(it);
    expect(iterate(it)).toEqual(samples);
    expect(iterate(b.iterator(it))).toEqual(scrape(50, (i) => i));
    expect(iterate(it.reset(a.bytes()))).toEqual(samples);
    // A long chunk after a short one makes reset() grow its copy.
    expect(iterate(it.reset(encode(scrape(400, (i) => i * 1.1)).bytes()))).toEqual(scrape(400, (i) => i * 1.1));
  });

  it('decodes into arrays at an offset, leaving the rest alone', () => {
    const ts = new Float64Array(6).fill(-1);
    const vs = new Float64Array(6).fill(-1);
    expect(decodeXorInto(encode(samples).bytes(), ts, vs, 2)).toBe(3);
    expect([...ts]).toEqual([-1, -1, 1000, 2000, 3000, -1]);
    expect([...vs]).toEqual([-1, -1, 10, 20, 30, -1]);
    expect(() => decodeXorInto(encode(samples).bytes(), ts, vs, 4)).toThrow(RangeError);
    expect(() => decodeXorInto(encode(samples).bytes(), ts, new Float64Array(2), 0)).toThrow(RangeError);
    expect(decodeXorInto(new XorChunk().bytes(), ts, vs)).toBe(0);
  });
});

describe('corrupt input', () => {
  const good = encode(scrape(120, (i) => Math.round((100 + i * 14.93) * 100) / 100)).bytes().slice();
  const readers: [string, (b: Uint8Array) => unknown][] = [
    ['the iterator', (b) => iterate(new XorIterator(b))],
    ['decodeXorInto', (b) => decodeBits(b)],
    ['maxTime() of XorChunk.from', (b) => XorChunk.from(b).maxTime()],
  ];
  const cases: [string, Uint8Array][] = [
    ['missing its last byte', good.subarray(0, good.length - 1)],
    ['cut in half', good.subarray(0, good.length >> 1)],
    ['only a header', good.subarray(0, 2)],
    ['a first timestamp longer than 10 bytes', Uint8Array.from([0, 1, ...new Array<number>(12).fill(0xff)])],
    // '11', leading 31, 63 significant bits: a window wider than 64 bits.
    ['a value window wider than 64 bits', packBits('0000000000000010 00000000 ' + '0'.repeat(64) + ' 00000001 1 1 11111 111111' + '0'.repeat(64))],
  ];
  for (const [readerName, read] of readers) {
    it.each(cases)(`${readerName} throws on a chunk %s`, (_name, bytes) => {
      expect(() => read(bytes)).toThrow(CorruptChunkError);
    });
  }

  it('rejects fewer than 2 bytes and an empty chunk with trailing bytes', () => {
    expect(() => XorChunk.from(new Uint8Array(1))).toThrow(CorruptChunkError);
    expect(() => new XorIterator(new Uint8Array(0))).toThrow(CorruptChunkError);
    expect(() => XorChunk.from(new Uint8Array(3))).toThrow(CorruptChunkError);
  });

  it('stays exhausted after throwing', () => {
    const it = new XorIterator(good.subarray(0, 40));
    expect(() => iterate(it)).toThrow(CorruptChunkError);
    expect(it.next()).toBe(false);
  });
});

// ---- reopening ------------------------------------------------------------------------------------

describe('reopening a chunk for appending', () => {
  const series = scrape(120, (i) => Math.round((5000 + i * 3.7 + (i % 5)) * 100) / 100);

  it.each([0, 1, 2, 3, 17, 60, 119, 120])('after %i samples gives what Prometheus’s reopened appender writes', (k) => {
    const c = XorChunk.from(encode(series.slice(0, k)).bytes());
    encode(series.slice(k), c);
    expect(hex(c.bytes())).toBe(hex(referenceEncode(series, k)));
    expect(iterateBits(c.iterator())).toEqual(asBits(series));
  });

  it('writes the same bytes as an uninterrupted chunk once a window exists', () => {
    const whole = hex(encode(series).bytes());
    for (const k of [3, 50, 119]) expect(hex(encode(series.slice(k), XorChunk.from(encode(series.slice(0, k)).bytes())).bytes())).toBe(whole);
  });

  it('reuses a 64-bit window when reopened before any window was set, like Prometheus', () => {
    // Go's iterator starts with leading = trailing = 0, so the reopened appender's first changed
    // value is written as '10' and 64 bits where a fresh appender writes '11', lz, sig and the bits.
    const s: Sample[] = [
      [0, 1],
      [1000, 1],
      [2000, 2],
    ];
    const reopened = encode(s.slice(2), XorChunk.from(encode(s.slice(0, 2)).bytes())).bytes();
    const fresh = encode(s).bytes();
    expect(hex(reopened)).not.toBe(hex(fresh));
    // header, varint 0, 8 value bytes, uvarint 1000 (2 bytes), unchanged '0', dod '0', then the value
    expect(bitString(reopened).slice(106, 108)).toBe('10');
    expect(bitString(reopened).length).toBe(8 * Math.ceil((106 + 2 + 64) / 8));
    expect(iterateBits(new XorIterator(reopened))).toEqual(asBits(s));
  });

  it('knows its time range without appending, and clears stray bits past the last sample', () => {
    const c = XorChunk.from(encode(series.slice(0, 10)).bytes());
    expect(c.minTime()).toBe(series[0]![0]);
    expect(c.maxTime()).toBe(series[9]![0]);
    // A prefix whose last byte has padding, which a careless writer might have left dirty.
    const k = [10, 11, 12, 13, 14, 15, 16, 17].find((n) => referenceBits(series.slice(0, n)).length % 8 !== 0)!;
    const spare = 8 - (referenceBits(series.slice(0, k)).length % 8);
    const bytes = encode(series.slice(0, k)).bytes().slice();
    const dirty = bytes.slice();
    dirty[dirty.length - 1]! |= (1 << spare) - 1;
    expect(hex(dirty)).not.toBe(hex(bytes));
    const fromDirty = encode(series.slice(k), XorChunk.from(dirty));
    expect(hex(fromDirty.bytes())).toBe(hex(encode(series).bytes()));
    expect(() => new XorChunk().minTime()).toThrow(RangeError);
    expect(() => new XorChunk().maxTime()).toThrow(RangeError);
  });
});

// ---- interop with Prometheus itself ------------------------------------------------------------

const PROMTOOL = (() => {
  try {
    return execFileSync('promtool', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!;
  } catch {
    return null;
  }
})();

// promtool backfills OpenMetrics into a TSDB block; its chunks are Prometheus's head chunks, so
// each must decode to the samples we fed in and re-encode to the same bytes.
describe.skipIf(PROMTOOL === null)(`against chunks written by Prometheus (${PROMTOOL ?? 'skipped: promtool is not installed'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeglass-chunkenc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Seconds with three decimals, as OpenMetrics has them; Go turns them into int64(ts * 1000),
  // which JS reproduces exactly (both parse correctly rounded and multiply in IEEE doubles).
  const omTime = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  const goTime = (s: string) => Math.trunc(parseFloat(s) * 1000);
  const omValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Object.is(v, -0) ? '-0' : String(v));

  // Values as bits throughout (see Bits): Go's NaN must reach promtool and come back with its payload.
  const specials = [...SPECIALS.filter((x) => !Number.isNaN(x)).map(floatBits), floatBits(GO_NAN)];
  function makeSeries(k: number): Bits[] {
    const out: Bits[] = [];
    let t = 1_700_000_000_000 + k;
    let v = floatBits(1000 * (k + 1));
    for (let i = 0; i < 400; i++) {
      out.push([t, v]);
      const r = rand();
      // Mostly 15 s, with jitter and gaps that exercise every dod bucket both ways.
      t += r < 0.7 ? 15_000 : r < 0.85 ? 15_000 + Math.floor(rand() * 20) - 10 : pick([30_000, 90_000, 600_000, 1_500_000, 5]);
      if (k === 0) v = floatBits(Math.round((fromBits(v) + rand() * 15) * 100) / 100); // counter
      else if (k === 1) v = rand() < 0.5 ? v : floatBits(Math.round(rand() * 400) / 100); // load gauge
      else if (k === 2) v = (BigInt(Math.floor(rand() * 2 ** 31)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32)); // anything…
      else if (k === 3) v = pick(specials);
      else v = floatBits(k); // constant
      if (Number.isNaN(fromBits(v))) v = floatBits(GO_NAN); // …but the only NaN OpenMetrics can carry is Go's
    }
    // A one-sample series: the chunk that always carried the legacy pad before 3.0.
    return k === 5 ? out.slice(0, 1) : out;
  }
  const legacyWriter = Number(/version (\d+)\./.exec(PROMTOOL ?? '')?.[1]) < 3;

  it('decodes every chunk promtool wrote, and re-encodes each to the same bytes', () => {
    seed = 99; // the same data however many tests ran before
    const series = [0, 1, 2, 3, 4, 5].map(makeSeries);
    let om = '';
    series.forEach((s, k) => {
      om += `# TYPE s${k} gauge\n`;
      for (const sample of s) {
        const text = omTime(sample[0]);
        sample[0] = goTime(text);
        om += `s${k} ${omValue(fromBits(sample[1]))} ${text}\n`;
      }
    });
    om += '# EOF\n';
    writeFileSync(join(dir, 'in.om'), om);
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'out')], { stdio: 'ignore' });

    // Each chunk's first sample tells which series and where in it the chunk starts.
    const index = new Map<string, [number, number]>();
    series.forEach((s, k) => s.forEach(([t, v], i) => index.set(`${t}/${v}`, [k, i])));
    expect(index.size).toBe(series.reduce((n, s) => n + s.length, 0));

    const seen = series.map(() => 0);
    let chunks = 0;
    let padded = 0;
    for (const block of readdirSync(join(dir, 'out'))) {
      for (const file of readdirSync(join(dir, 'out', block, 'chunks'))) {
        const f = readFileSync(join(dir, 'out', block, 'chunks', file));
        expect(f.readUInt32BE(0)).toBe(0x85bd40dd);
        for (let o = 8; o < f.length; ) {
          let len = 0;
          for (let shift = 0, b = 0x80; b & 0x80; shift += 7) len += ((b = f[o++]!) & 0x7f) * 2 ** shift;
          expect(f[o++]).toBe(1); // EncXOR
          const bytes = f.subarray(o, o + len);
          o += len + 4; // data, CRC32C
          const decoded = iterateBits(new XorIterator(bytes));
          const [k, i] = index.get(`${decoded[0]![0]}/${decoded[0]![1]}`)!;
          const want = series[k]!.slice(i, i + decoded.length);
          expect(decoded).toEqual(want);
          expect(decodeBits(bytes)).toEqual(want);
          const pad = legacyWriter && reference(want).legacyPad;
          expect(hex(encodeBits(want).bytes()) + (pad ? '00' : '')).toBe(hex(bytes));
          seen[k]! += decoded.length;
          chunks++;
          padded += pad ? 1 : 0;
        }
      }
    }
    expect(seen).toEqual(series.map((s) => s.length));
    expect(chunks).toBeGreaterThan(series.length * 3);
    if (legacyWriter) expect(padded).toBeGreaterThan(0);
  });
});
