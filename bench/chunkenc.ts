// XOR chunk micro-benchmark: encode and decode throughput (samples/s) and size (bytes/sample) for
// 120-sample chunks of scrape-shaped data at a 15 s interval, per kind of series and for a mix
// shaped like node_exporter's. Run (no npm script on purpose):
//   npx esbuild bench/chunkenc.ts --bundle --platform=node --format=esm --outfile=/tmp/chunkenc-bench.mjs && node /tmp/chunkenc-bench.mjs
// Options: --chunks N (default 20000 per kind), --rounds N (default 7; the median is printed).
// Columns: encode into a default-sized chunk, and into one sized from the previous chunk as the
// head can do (buffer growth is most of the difference); iterate a live chunk; iterate encoded
// bytes (includes the copy into the iterator's padded buffer); decodeXorInto into Float64Arrays.
import { parseArgs } from 'node:util';
import { decodeXorInto, XorChunk, XorIterator } from '../core/tsdb/chunkenc/xor.js';

const { values: args } = parseArgs({ options: { chunks: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' } } });
const CHUNKS = Number(args.chunks);
const ROUNDS = Number(args.rounds);
const PER_CHUNK = 120;
const STEP = 15_000;

// Deterministic data: mulberry32.
let seed = 42;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
}

// Prometheus aligns scrape timestamps; most land exactly one interval apart, a few drift by a
// millisecond or two.
function timestamps(start: number): Float64Array {
  const ts = new Float64Array(PER_CHUNK);
  let t = start;
  for (let i = 0; i < PER_CHUNK; i++) {
    ts[i] = t;
    t += STEP + (rand() < 0.1 ? Math.floor(rand() * 5) - 2 : 0);
  }
  return ts;
}

type Kind = { name: string; values: () => Float64Array };
const round2 = (x: number) => Math.round(x * 100) / 100;
const KINDS: Kind[] = [
  {
    // node_cpu_seconds_total: USER_HZ ticks (0.01 s), idle grows ~15 s per 15 s, busy modes slower.
    name: 'cpu counter',
    values: () => {
      const vs = new Float64Array(PER_CHUNK);
      let x = round2(1e4 + rand() * 1e6);
      const rate = rand() < 0.5 ? 14 + rand() : rand() * 2;
      for (let i = 0; i < PER_CHUNK; i++) {
        vs[i] = x;
        x = round2(x + rate * (0.9 + rand() * 0.2));
      }
      return vs;
    },
  },
  {
    // node_load1/5/15: two decimals, wandering.
    name: 'load gauge',
    values: () => {
      const vs = new Float64Array(PER_CHUNK);
      let x = round2(rand() * 4);
      for (let i = 0; i < PER_CHUNK; i++) {
        vs[i] = x;
        if (rand() < 0.7) x = Math.max(0, round2(x + (rand() - 0.5) * 0.3));
      }
      return vs;
    },
  },
  {
    // node_memory_MemAvailable_bytes: pages of 4 KiB moving a little.
    name: 'memory gauge',
    values: () => {
      const vs = new Float64Array(PER_CHUNK);
      let x = 4096 * Math.floor(1e6 + rand() * 3e6);
      for (let i = 0; i < PER_CHUNK; i++) {
        vs[i] = x;
        x += 4096 * Math.floor((rand() - 0.5) * 2000);
      }
      return vs;
    },
  },
  {
    // up, *_info, steal/guest CPU modes: never change.
    name: 'constant',
    values: () => new Float64Array(PER_CHUNK).fill(rand() < 0.5 ? 1 : 0),
  },
];

interface Data {
  ts: Float64Array[];
  vs: Float64Array[];
}

function generate(kinds: Kind[], weights: number[]): Data {
  const ts: Float64Array[] = [];
  const vs: Float64Array[] = [];
  const total = weights.reduce((a, b) => a + b, 0);
  for (let c = 0; c < CHUNKS; c++) {
    let r = rand() * total;
    let k = 0;
    while (r >= weights[k]!) r -= weights[k++]!;
    ts.push(timestamps(1_700_000_000_000 + c * PER_CHUNK * STEP));
    vs.push(kinds[k]!.values());
  }
  return { ts, vs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

// Returns samples/s (median over rounds); `sink` keeps V8 from discarding the work.
let sink = 0;
function measure(run: () => number): number {
  for (let i = 0; i < 3; i++) run();
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    const samples = run();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(samples / s);
  }
  return median(rates);
}

function bench(name: string, d: Data): void {
  const encoded: Uint8Array[] = [];
  const chunks: XorChunk[] = [];
  for (let c = 0; c < CHUNKS; c++) {
    const ch = new XorChunk();
    const ts = d.ts[c]!;
    const vs = d.vs[c]!;
    for (let i = 0; i < PER_CHUNK; i++) ch.append(ts[i]!, vs[i]!);
    chunks.push(ch);
    encoded.push(ch.bytes().slice());
  }
  const bytes = encoded.reduce((a, b) => a + b.length, 0);

  const encode = measure(() => {
    for (let c = 0; c < CHUNKS; c++) {
      const ch = new XorChunk();
      const ts = d.ts[c]!;
      const vs = d.vs[c]!;
      for (let i = 0; i < PER_CHUNK; i++) ch.append(ts[i]!, vs[i]!);
      sink += ch.numSamples();
    }
    return CHUNKS * PER_CHUNK;
  });
  // As the head would size a series's next chunk from its previous one.
  const hints = encoded.map((b) => Math.ceil(b.length * 1.1));
  const encodeHinted = measure(() => {
    for (let c = 0; c < CHUNKS; c++) {
      const ch = new XorChunk(hints[c]);
      const ts = d.ts[c]!;
      const vs = d.vs[c]!;
      for (let i = 0; i < PER_CHUNK; i++) ch.append(ts[i]!, vs[i]!);
      sink += ch.numSamples();
    }
    return CHUNKS * PER_CHUNK;
  });
  const it = new XorIterator();
  const iterate = measure(() => {
    let n = 0;
    for (let c = 0; c < CHUNKS; c++) {
      chunks[c]!.iterator(it);
      while (it.next()) {
        sink += it.v;
        n++;
      }
    }
    return n;
  });
  const iterateBytes = measure(() => {
    let n = 0;
    for (let c = 0; c < CHUNKS; c++) {
      it.reset(encoded[c]!);
      while (it.next()) {
        sink += it.t;
        n++;
      }
    }
    return n;
  });
  const ots = new Float64Array(PER_CHUNK);
  const ovs = new Float64Array(PER_CHUNK);
  const bulk = measure(() => {
    let n = 0;
    for (let c = 0; c < CHUNKS; c++) n += decodeXorInto(encoded[c]!, ots, ovs, 0);
    sink += ots[PER_CHUNK - 1]!;
    return n;
  });
  const M = (x: number) => `${(x / 1e6).toFixed(1)} M/s`.padStart(10);
  console.log(
    `${name.padEnd(14)} ${(bytes / (CHUNKS * PER_CHUNK)).toFixed(2).padStart(6)} B/sample | encode ${M(encode)}, sized ${M(encodeHinted)} | iterate chunk ${M(iterate)} | iterate bytes ${M(iterateBytes)} | decodeInto ${M(bulk)}`,
  );
}

console.log(`${CHUNKS} chunks × ${PER_CHUNK} samples per row, 15 s interval, median of ${ROUNDS} rounds, node ${process.version}`);
for (const k of KINDS) bench(k.name, generate([k], [1]));
// A node_exporter-like mix: mostly CPU counters, the rest gauges and constants.
bench('node mix', generate(KINDS, [50, 10, 15, 25]));
if (sink === 42) console.log('');
