// Protobuf encoding of remote-write 1.0's WriteRequest (prometheus/prompb remote.proto, types.proto):
//   WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//   Label        { string name = 1; string value = 2; }
//   Sample       { double value = 1; int64 timestamp = 2; }
//   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
// Labels are written sorted by name (Prometheus rejects unsorted ones); a staleness marker is
// written as Prometheus's exact StaleNaN bits.
import type { MetricType } from '../exposition/types.js';
import { STALE_NAN_BITS, isStaleNaN } from '../model/value.js';

export interface PbLabel {
  name: string;
  value: string;
}
export interface PbSample {
  value: number;
  /** ms since the epoch */
  timestamp: number;
}
export interface PbTimeSeries {
  labels: PbLabel[];
  samples: PbSample[];
}
export interface PbMetadata {
  type: MetricType;
  metricFamilyName: string;
  help: string;
  unit: string;
}
export interface WriteRequest {
  timeseries: PbTimeSeries[];
  metadata?: PbMetadata[];
}

const METRIC_TYPES: MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

class PbWriter {
  buf = new Uint8Array(1024);
  view = new DataView(this.buf.buffer);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
  }
  /** int64 as a varint (negative numbers as 10-byte two's complement). */
  int64(n: number): void {
    if (n >= 0) return this.varint(n);
    let x = BigInt.asUintN(64, BigInt(n));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  string(field: number, s: string): void {
    if (s === '') return;
    const b = utf8.encode(s);
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    if (isStaleNaN(v)) this.view.setBigUint64(this.len, STALE_NAN_BITS, true);
    else this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }
  /** Writes a length-delimited submessage; `body` writes its fields. */
  message(field: number, body: () => void): void {
    this.tag(field, 2);
    // Reserve 5 bytes for the length (enough for < 2^35), shift afterwards if shorter.
    this.ensure(5);
    const at = this.len;
    this.len += 5;
    body();
    const size = this.len - at - 5;
    let lenBytes = 1;
    for (let s = size; s >= 0x80; s = Math.floor(s / 128)) lenBytes++;
    if (lenBytes < 5) this.buf.copyWithin(at + lenBytes, at + 5, this.len);
    let s = size;
    for (let i = 0; i < lenBytes; i++) {
      this.buf[at + i] = (s & 0x7f) | (i < lenBytes - 1 ? 0x80 : 0);
      s = Math.floor(s / 128);
    }
    this.len -= 5 - lenBytes;
  }
}

function byName(a: PbLabel, b: PbLabel): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Encodes a WriteRequest (uncompressed protobuf bytes). */
export function encodeWriteRequest(req: WriteRequest): Uint8Array {
  const w = new PbWriter();
  for (const ts of req.timeseries) {
    let labels = ts.labels;
    for (let i = 1; i < labels.length; i++) {
      if (byName(labels[i - 1]!, labels[i]!) > 0) {
        labels = [...labels].sort(byName);
        break;
      }
    }
    w.message(1, () => {
      for (const l of labels) {
        w.message(1, () => {
          w.string(1, l.name);
          w.string(2, l.value);
        });
      }
      for (const s of ts.samples) {
        w.message(2, () => {
          w.double(1, s.value);
          if (s.timestamp !== 0) {
            w.tag(2, 0);
            w.int64(s.timestamp);
          }
        });
      }
    });
  }
  for (const m of req.metadata ?? []) {
    w.message(3, () => {
      const t = METRIC_TYPES.indexOf(m.type);
      if (t > 0) {
        w.tag(1, 0);
        w.varint(t);
      }
      w.string(2, m.metricFamilyName);
      w.string(4, m.help);
      w.string(5, m.unit);
    });
  }
  return w.buf.slice(0, w.len);
}

class PbReader {
  p: number;
  readonly view: DataView;
  constructor(
    readonly buf: Uint8Array,
    from = 0,
    readonly end = buf.length,
  ) {
    this.p = from;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  more(): boolean {
    return this.p < this.end;
  }
  varintBig(): bigint {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      if (this.p >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.p++]!;
      x |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return x;
      shift += 7n;
      if (shift > 63n) throw new Error('protobuf: varint too long');
    }
  }
  varint(): number {
    return Number(this.varintBig());
  }
  int64(): number {
    return Number(BigInt.asIntN(64, this.varintBig()));
  }
  bytes(): [number, number] {
    const n = this.varint();
    const from = this.p;
    if (from + n > this.end) throw new Error('protobuf: truncated field');
    this.p += n;
    return [from, this.p];
  }
  string(): string {
    const [a, b] = this.bytes();
    return utf8d.decode(this.buf.subarray(a, b));
  }
  double(): number {
    if (this.p + 8 > this.end) throw new Error('protobuf: truncated double');
    const v = this.view.getFloat64(this.p, true);
    this.p += 8;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varintBig();
    else if (wire === 1) this.p += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.p += 4;
    else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  fields(each: (field: number, wire: number) => void): void {
    while (this.more()) {
      const key = this.varint();
      each(key >>> 3, key & 7);
    }
  }
  sub(): PbReader {
    const [a, b] = this.bytes();
    return new PbReader(this.buf, a, b);
  }
}

/**
 * Decodes a WriteRequest (for tests and receivers). Sample values come back as JS numbers; a
 * staleness marker's payload survives (check it with isStaleNaN).
 */
export function decodeWriteRequest(buf: Uint8Array): WriteRequest {
  const req: WriteRequest = { timeseries: [] };
  const r = new PbReader(buf);
  r.fields((f, wire) => {
    if (f === 1 && wire === 2) {
      const ts: PbTimeSeries = { labels: [], samples: [] };
      const tr = r.sub();
      tr.fields((f2, w2) => {
        if (f2 === 1 && w2 === 2) {
          const lr = tr.sub();
          const l: PbLabel = { name: '', value: '' };
          lr.fields((f3, w3) => {
            if (f3 === 1 && w3 === 2) l.name = lr.string();
            else if (f3 === 2 && w3 === 2) l.value = lr.string();
            else lr.skip(w3);
          });
          ts.labels.push(l);
        } else if (f2 === 2 && w2 === 2) {
          const sr = tr.sub();
          const s: PbSample = { value: 0, timestamp: 0 };
          sr.fields((f3, w3) => {
            if (f3 === 1 && w3 === 1) s.value = sr.double();
            else if (f3 === 2 && w3 === 0) s.timestamp = sr.int64();
            else sr.skip(w3);
          });
          ts.samples.push(s);
        } else tr.skip(w2);
      });
      req.timeseries.push(ts);
    } else if (f === 3 && wire === 2) {
      const mr = r.sub();
      const m: PbMetadata = { type: 'unknown', metricFamilyName: '', help: '', unit: '' };
      mr.fields((f2, w2) => {
        if (f2 === 1 && w2 === 0) m.type = METRIC_TYPES[mr.varint()] ?? 'unknown';
        else if (f2 === 2 && w2 === 2) m.metricFamilyName = mr.string();
        else if (f2 === 4 && w2 === 2) m.help = mr.string();
        else if (f2 === 5 && w2 === 2) m.unit = mr.string();
        else mr.skip(w2);
      });
      (req.metadata ??= []).push(m);
    } else r.skip(wire);
  });
  return req;
}
