import { describe, expect, it } from 'vitest';
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

// A deliberately naive model: the stream as a string of '0'/'1'.
function bitString(buf: Uint8Array): string {
  return Array.from(buf, (b) => b.toString(2).padStart(8, '0')).join('');
}
const word = (w: number) => (w >>> 0).toString(2).padStart(32, '0');

let seed = 1;
function rand(): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
}

describe('peek32 and or32', () => {
  it('write and read words at every bit offset like a string of bits', () => {
    const buf = new Uint8Array(64 + PAD_BYTES);
    const dv = new DataView(buf.buffer);
    let model = '';
    let pos = 0;
    // Writer-style use: each word lands at the current end, where the stream is still zero.
    while (pos < 64 * 8 - 32) {
      const n = 1 + Math.floor(rand() * 32);
      const bits = Math.floor(rand() * 2 ** n);
      or32(dv, buf, pos, n === 32 ? bits | 0 : bits << (32 - n));
      model += bits.toString(2).padStart(n, '0');
      pos += n;
    }
    expect(bitString(buf).slice(0, pos)).toBe(model);
    expect(bitString(buf).slice(pos)).toMatch(/^0*$/);
    for (let p = 0; p + 32 <= pos; p += 1 + Math.floor(rand() * 7)) {
      expect(word(peek32(dv, buf, p))).toBe(model.slice(p, p + 32));
    }
  });

  it('or32 leaves bits outside the word alone', () => {
    const buf = new Uint8Array(8 + PAD_BYTES);
    const dv = new DataView(buf.buffer);
    buf[0] = 0b1010_0000;
    or32(dv, buf, 3, 0);
    expect(buf[0]).toBe(0b1010_0000);
    or32(dv, buf, 3, 1 << 31);
    expect(bitString(buf.subarray(0, 5))).toBe('1011' + '0'.repeat(36));
  });

  it.each([0, 1, 7, 8, 13])('setBit sets exactly bit %i', (p) => {
    const buf = new Uint8Array(4);
    setBit(buf, p);
    expect(bitString(buf)).toBe('0'.repeat(p) + '1' + '0'.repeat(31 - p));
  });
});

// Expected bytes are Go's binary.PutUvarint / PutVarint outputs, worked out by hand from the
// 7-bits-per-byte, least-significant-group-first rule (zigzag for the signed form).
describe('varints as Go writes them', () => {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const cur: VarintCursor = { value: 0, end: 0 };

  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [15000, '9875'],
    [2 ** 53 - 1, 'ffffffffffffff0f'],
  ])('uvarint %d is %s', (x, want) => {
    const buf = new Uint8Array(16);
    const end = writeUvarint(buf, 1, x);
    expect(hex(buf.subarray(1, end))).toBe(want);
    readUvarintAsInt64(buf, 1, cur);
    expect(cur).toEqual({ value: x, end });
  });

  it.each([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-64, '7f'],
    [64, '8001'],
    [1000, 'd00f'],
    [2 ** 51, '80808080808080' + '08'],
    [-(2 ** 51), 'ffffffffffffff' + '07'],
  ])('varint %d is %s', (x, want) => {
    const buf = new Uint8Array(16);
    const end = writeVarint(buf, 0, x);
    expect(hex(buf.subarray(0, end))).toBe(want);
    readVarint(buf, 0, cur);
    expect(cur).toEqual({ value: x, end });
  });

  it('writes a negative delta as the 10-byte uvarint of its two’s complement, and reads it back signed', () => {
    const buf = new Uint8Array(16);
    const end = writeUvarintBig(buf, 0, -15000n);
    expect(end).toBe(10);
    readUvarintAsInt64(buf, 0, cur);
    expect(cur).toEqual({ value: -15000, end: 10 });
    expect(hex(buf.subarray(0, writeUvarintBig(buf, 0, -1n)))).toBe('ffffffffffffffffff01');
  });

  it('rejects a varint longer than 10 bytes, as Go does', () => {
    const buf = new Uint8Array(12).fill(0xff);
    expect(() => readVarint(buf, 0, cur)).toThrow(VarintError);
    expect(() => readUvarintAsInt64(buf, 0, cur)).toThrow(VarintError);
  });
});
