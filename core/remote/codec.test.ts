import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../model/value.js';
import { decodeWriteRequest, encodeWriteRequest } from './prompb.js';
import { snappyDecode, snappyEncode } from './snappy.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const r = rng(42);
const random = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
const text = new TextEncoder().encode('http_requests_total{job="api",instance="10.0.0.1:8080"} 12345 1700000000000\n'.repeat(2000));

const cases: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['one byte', Uint8Array.of(7)],
  ['short', new TextEncoder().encode('hello hello hello')],
  ['incompressible 1 KiB', random(1024)],
  ['incompressible 200 KiB (several blocks, long literals)', random(200_000)],
  ['all zeros 300 KiB (long copies)', new Uint8Array(300_000)],
  ['repetitive text', text],
  ['period 3', Uint8Array.from({ length: 10_000 }, (_, i) => i % 3)],
  ['period 1000 (2-byte offsets)', Uint8Array.from({ length: 70_000 }, (_, i) => (i % 1000) * 7)],
];

describe('snappy block format', () => {
  it.each(cases)('round-trips %s', (_name, input) => {
    const c = snappyEncode(input);
    expect(snappyDecode(c)).toEqual(input);
    // Worst case is the reference's MaxEncodedLen: 32 + n + n/6.
    expect(c.length).toBeLessThanOrEqual(32 + input.length + input.length / 6);
  });

  it('compresses repetitive input well', () => {
    expect(snappyEncode(new Uint8Array(300_000)).length).toBeLessThan(300_000 / 20);
    expect(snappyEncode(text).length).toBeLessThan(text.length / 10);
  });

  it('decodes hand-written elements, incl. 1-, 2- and 4-byte offset copies and long literal lengths', () => {
    // len 12; literal "abcd"; copy1 len 4 off 4; copy2 len 2 off 8; copy4 len 2 off 10
    const enc = Uint8Array.of(12, 3 << 2, 97, 98, 99, 100, 0b01 | (0 << 2), 4, 0b10 | (1 << 2), 8, 0, 0b11 | (1 << 2), 10, 0, 0, 0);
    expect(new TextDecoder().decode(snappyDecode(enc))).toBe('abcdabcdabab');
    // literal with a 1-byte length (tag 60): 61 bytes
    const lit = Uint8Array.from({ length: 61 }, (_, i) => i);
    expect(snappyDecode(Uint8Array.of(61, 60 << 2, 60, ...lit))).toEqual(lit);
  });

  it('rejects corrupt input', () => {
    expect(() => snappyDecode(Uint8Array.of(5, 0 << 2, 1))).toThrow();
    expect(() => snappyDecode(Uint8Array.of(4, 0b01, 9))).toThrow(); // copy before any output
    expect(() => snappyDecode(Uint8Array.of(0x80))).toThrow();
  });
});

describe('remote-write 1.0 WriteRequest protobuf', () => {
  it('round-trips series, sorts labels, keeps special floats, stale NaN bits and negative timestamps', () => {
    const values = [0, -0, 1.5, -2.25e-300, 5e-324, Number.MAX_VALUE, Infinity, -Infinity, NaN, STALE_NAN];
    const enc = encodeWriteRequest({
      timeseries: [
        {
          labels: [
            { name: 'job', value: 'api' },
            { name: '__name__', value: 'up' },
            { name: 'zone', value: 'ünïcode ✓' },
          ],
          samples: values.map((value, i) => ({ value, timestamp: 1_700_000_000_000 + i })),
        },
        { labels: [{ name: '__name__', value: 'old' }], samples: [{ value: 1, timestamp: -1000 }, { value: 2, timestamp: 0 }] },
      ],
      metadata: [{ type: 'counter', metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' }],
    });
    const dec = decodeWriteRequest(enc);
    expect(dec.timeseries[0]!.labels.map((l) => l.name)).toEqual(['__name__', 'job', 'zone']);
    expect(dec.timeseries[0]!.labels[2]!.value).toBe('ünïcode ✓');
    const got = dec.timeseries[0]!.samples;
    expect(got.map((s) => s.timestamp)).toEqual(values.map((_, i) => 1_700_000_000_000 + i));
    for (let i = 0; i < values.length - 1; i++) expect(Object.is(got[i]!.value, values[i])).toBe(true);
    expect(isStaleNaN(got[8]!.value)).toBe(false);
    expect(isStaleNaN(got[9]!.value)).toBe(true);
    expect(dec.timeseries[1]!.samples).toEqual([{ value: 1, timestamp: -1000 }, { value: 2, timestamp: 0 }]);
    expect(dec.metadata).toEqual([{ type: 'counter', metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' }]);
  });

  it('writes the stale marker as exactly 0x7ff0000000000002 little-endian', () => {
    const enc = encodeWriteRequest({ timeseries: [{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: STALE_NAN, timestamp: 1 }] }] });
    const hex = Buffer.from(enc).toString('hex');
    expect(hex).toContain('09' + '020000000000f07f');
  });

  it('matches protoc bytes for a small request', () => {
    // WriteRequest{timeseries:[{labels:[{name:"a",value:"b"}],samples:[{value:1,timestamp:2}]}]}
    const enc = encodeWriteRequest({ timeseries: [{ labels: [{ name: 'a', value: 'b' }], samples: [{ value: 1, timestamp: 2 }] }] });
    expect(Buffer.from(enc).toString('hex')).toBe('0a15' + '0a06' + '0a0161' + '120162' + '120b' + '09000000000000f03f' + '1002');
  });
});
