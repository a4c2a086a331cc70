// gomath.ts against Go's math package: a table of values that Debian's Prometheus 2.42 (Go 1.19,
// amd64) printed, checked without Prometheus, and a differential test that starts that
// Prometheus and compares, bit for bit, every PromQL math function and the ^, % and atan2
// operators over a few hundred inputs each (subnormals, huge values, ±0, ±Inf, NaN, neighbours of
// multiples of π/2, values next to 1 and the algorithms' own thresholds, and seeded random ones).
// CI installs Prometheus (.ci/run); elsewhere that part is skipped, and says so, when it is missing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLabel } from '../model/labels.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { PromEngine } from './engine.js';
import * as G from './gomath.js';

// --- Go's outputs, as the real Prometheus printed them ---

type GoFn = Exclude<keyof typeof G, 'goFrexp' | 'goModf'>;

// [function, arguments, Go's result]; the comment is the PromQL that gave it. JavaScript's Math
// gives a different last bit for the first two of each function (e.g. Math.exp(426.752) is
// 2.1678974831762752e+185, Math.tan(Math.PI/2) 16331239353195370, Math.exp(709.78) finite).
const GO_VALUES: [GoFn, number[], number][] = [
  ['goExp', [426.752], 2.167897483176275e185], // exp(vector(426.752))
  ['goExp', [646.968], 9.43262063122962e280], // exp(vector(646.968))
  ['goExp', [-745.1], 5e-324], // exp(vector(-745.1))
  ['goExp', [709.78], Infinity], // exp(vector(709.78)): archExp overflows once k reaches 1024
  ['goExp', [1e-310], 1], // exp(vector(1e-310))
  ['goLog', [2.58316], 0.9490134556718631], // ln(vector(2.58316))
  ['goLog', [12.2968], 2.5093390659285855], // ln(vector(12.2968))
  ['goLog', [1e-310], -709.0850815488945], // ln(vector(1e-310)): the assembly's subnormal quirk
  ['goLog2', [3.79418], 1.923788123384969], // log2(vector(3.79418))
  ['goLog2', [3.4471], 1.7853831517401249], // log2(vector(3.4471))
  ['goLog2', [1e-310], -1029.7977094150824], // log2(vector(1e-310))
  ['goLog10', [179.598], 2.2543014960629106], // log10(vector(179.598))
  ['goLog10', [393.768], 2.595240419805907], // log10(vector(393.768))
  ['goSin', [12.018], -0.5212974444902383], // sin(vector(12.018))
  ['goSin', [3.45947], -0.3125509554969942], // sin(vector(3.45947))
  ['goSin', [1e22], -0.8522008497671889], // sin(vector(1e+22)): Payne–Hanek reduction
  ['goSin', [536870912.5], -0.16655038429145788], // sin(vector(536870912.5))
  ['goSin', [3.141592653589793], 1.2246467991473515e-16], // sin(vector(3.141592653589793))
  ['goCos', [17.1649], -0.11361374139035642], // cos(vector(17.1649))
  ['goCos', [15.187], -0.8673401484221754], // cos(vector(15.187))
  ['goCos', [1e22], 0.5232147853951389], // cos(vector(1e+22))
  ['goCos', [1.5707963267948966], 6.123233995736757e-17], // cos(vector(1.5707963267948966))
  ['goTan', [5.58731], -0.8352617972658724], // tan(vector(5.58731))
  ['goTan', [8.19563], -2.812207102329632], // tan(vector(8.19563))
  ['goTan', [1e300], 1.4214488238747243], // tan(vector(1e+300))
  ['goTan', [1.5707963267948966], 16331239353195392], // tan(vector(1.5707963267948966))
  ['goAsin', [0.828111], 0.975729428666748], // asin(vector(0.828111))
  ['goAsin', [0.298316], 0.30292783118224653], // asin(vector(0.298316))
  ['goAcos', [0.330864], 1.2335773323139498], // acos(vector(0.330864))
  ['goAcos', [0.387425], 1.1729595198439682], // acos(vector(0.387425))
  ['goAtan', [8.70332], 1.456399296398304], // atan(vector(8.70332))
  ['goAtan', [8.93549], 1.4593467885739855], // atan(vector(8.93549))
  ['goSinh', [5.40826], 111.61916381378845], // sinh(vector(5.40826))
  ['goSinh', [8.6263], 2788.203574371304], // sinh(vector(8.6263))
  ['goCosh', [6.70858], 409.70373822316753], // cosh(vector(6.70858))
  ['goCosh', [3.77517], 21.813926856912406], // cosh(vector(3.77517))
  ['goTanh', [0.961847], 0.7450995933836727], // tanh(vector(0.961847))
  ['goTanh', [0.375021], 0.3583757013925196], // tanh(vector(0.375021))
  ['goAsinh', [47.1481], 4.5465533364410184], // asinh(vector(47.1481))
  ['goAsinh', [23.9773], 3.870689296603958], // asinh(vector(23.9773))
  ['goAsinh', [-300000000], -20.212440213180418], // asinh(vector(-300000000))
  ['goAcosh', [5.26376], 2.3448452171872063], // acosh(vector(5.26376))
  ['goAcosh', [10.4178], 3.034351563274907], // acosh(vector(10.4178))
  ['goAcosh', [1.0000000000000002], 2.1073424255447017e-8], // acosh(vector(1.0000000000000002))
  ['goAtanh', [0.9999999999999999], 18.714973875118524], // atanh(vector(0.9999999999999999))
  ['goPow', [4.174, 3.9], 263.1204083293337], // vector(4.174) ^ vector(3.9)
  ['goPow', [5.837, 3.99], 1140.5041668243127], // vector(5.837) ^ vector(3.99)
  ['goPow', [3.2, -7.04], 0.00027780761921730794], // vector(3.2) ^ vector(-7.04)
  ['goPow', [1.0000001, 1e10], Infinity], // vector(1.0000001) ^ vector(1e10)
  ['goAtan2', [-8.4035, -2.0485], -1.8099005394456529], // vector(-8.4035) atan2 vector(-2.0485)
  ['goAtan2', [-4.7966, 5.9227], -0.6807285878543136], // vector(-4.7966) atan2 vector(5.9227)
  ['goAtan2', [-0.74554, -8.6734], -3.0558463571511645], // vector(-0.74554) atan2 vector(-8.6734)
  ['goMod', [1e300, 3.7], 1.765761626199355], // vector(1e300) % vector(3.7)
  ['goMod', [-7.5, 2], -1.5], // vector(-7.5) % vector(2)
];

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('gomath: Go values', () => {
  it.each(GO_VALUES)('%s(%j) = %s', (fn, args, want) => {
    const f = G[fn] as (...a: number[]) => number;
    expect(f(...args)).toBe(want);
  });

  it('special cases follow Go, not JavaScript', () => {
    expect(G.goPow(1, NaN)).toBe(1); // JS: NaN
    expect(G.goPow(-1, Infinity)).toBe(1); // JS: NaN
    expect(G.goPow(-0, -3)).toBe(-Infinity);
    expect(G.goPow(-Infinity, 3)).toBe(-Infinity);
    expect(G.goPow(-8, 1 / 3)).toBeNaN();
    expect(G.goAtan2(-0, -0)).toBe(-Math.PI);
    expect(G.goAtan2(Infinity, -Infinity)).toBe(2.356194490192345); // Go's 3*Pi/4, rounded once
    expect(G.goSin(-0)).toBe(-0);
    expect(G.goTan(-0)).toBe(-0);
    expect(G.goCos(Infinity)).toBeNaN();
    expect(G.goExp(-Infinity)).toBe(0);
    expect(G.goExp(-1e300)).toBe(0);
    expect(G.goLog10(0)).toBe(-Infinity);
    expect(G.goAcosh(0.5)).toBeNaN();
    expect(G.goAtanh(-1)).toBe(-Infinity);
    expect(G.goTanh(-50)).toBe(-1);
    expect(G.goMod(5, 0)).toBeNaN();
    expect(G.goMod(-4, 2)).toBe(-0);
    expect(G.goMod(3, Infinity)).toBe(3);
  });

  it('goFMA rounds once, also into subnormals and past the fast path', () => {
    expect(G.goFMA(0.1, 10, -1)).toBe(5.551115123125783e-17); // 0.1×10 is 1 after rounding
    expect(G.goFMA(1 + 2 ** -52, 1 - 2 ** -52, -1)).toBe(-(2 ** -104));
    expect(G.goFMA(2 ** -600, 2 ** -600, 0)).toBe(0);
    expect(G.goFMA(5e-324, 0.5, 0)).toBe(0); // exactly half the smallest subnormal: to even
    expect(G.goFMA(3 * 2 ** -540, 2 ** -540, 5e-324)).toBe(5e-324);
    expect(G.goFMA(1.7976931348623157e308, 2, -1.7976931348623157e308)).toBe(1.7976931348623157e308);
    expect(G.goFMA(-0, 5, -0)).toBe(-0);
    expect(G.goFMA(1, 1, -1)).toBe(0);
    expect(G.goFMA(Infinity, 0, 1)).toBeNaN();
    expect(G.goFMA(2, 3, -Infinity)).toBe(-Infinity);
    // the fast path (exact product, rounding to odd) against an exact BigInt sum on random inputs
    const rnd = prng(5);
    for (let i = 0; i < 2000; i++) {
      const a = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 200 - 100);
      const b = (rnd() - 0.5) * 2 ** Math.floor(rnd() * 200 - 100);
      const c = rnd() < 0.5 ? -a * b * (1 + (rnd() - 0.5) * 2 ** -40) : (rnd() - 0.5) * 2 ** Math.floor(rnd() * 200 - 100);
      expect(G.goFMA(a, b, c), `fma(${a}, ${b}, ${c})`).toBe(exactFMA(a, b, c));
    }
  });

  it('goModf, goFrexp and goLdexp split and scale as Go does', () => {
    expect(G.goModf(-3)).toEqual([-3, -0]);
    expect(G.goModf(-0.5)).toEqual([-0, -0.5]);
    expect(G.goModf(2.75)).toEqual([2, 0.75]);
    expect(G.goFrexp(5e-324)).toEqual([0.5, -1073]);
    expect(G.goLdexp(0.5, -1073)).toBe(5e-324);
  });
});

/** a × b + c rounded once, for finite nonzero products with no overflow, from exact rationals. */
function exactFMA(a: number, b: number, c: number): number {
  // scale everything by 2^1200 so that every term is an integer
  const big = (x: number) => {
    const [f, e] = G.goFrexp(x);
    return BigInt(f * 2 ** 53) * 2n ** BigInt(e - 53 + 1200);
  };
  const exact = big(a) * big(b) + big(c) * 2n ** 1200n; // scaled by 2^2400
  if (exact === 0n) return 0;
  const neg = exact < 0n;
  let m = neg ? -exact : exact;
  let e = -2400;
  const len = m.toString(2).length;
  const drop = Math.max(len - 53, -1074 - e);
  if (drop > 0) {
    const q = m >> BigInt(drop);
    const rem = m - (q << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    m = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
    e += drop;
  }
  const r = G.goLdexp(Number(m), e);
  return neg ? -r : r;
}

/** mulberry32: a seeded PRNG, so the inputs are the same on every run. */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// --- the same functions in the real Prometheus ---

const PROMETHEUS = '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);
if (!available && process.env.CI) throw new Error('CI must install prometheus (see .ci/run)');
if (!available) console.warn('gomath.test: /usr/bin/prometheus is not installed; skipping the comparison with the real Prometheus');

const ulpNeighbours = (x: number): number[] => {
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  const out = [x];
  for (const d of [-1n, 1n]) {
    b[0] = b[0]! + d;
    out.push(f[0]!);
    b[0] = b[0]! - d;
  }
  return out;
};

/** The unary inputs: the edges of Go's algorithms and of float64, then seeded random values. */
function unaryInputs(): number[] {
  const xs = [
    ...[0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 1e-310, -1e-310, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308],
    // near 1 and ±1 (acosh, atanh, asin, acos, log)
    ...ulpNeighbours(1),
    ...ulpNeighbours(-1),
    1 + 1e-9,
    1 - 1e-9,
    -1 + 1e-12,
    1.5,
    2,
    2.0000000000000004,
    // the algorithms' thresholds: series/exp switch, 2^±28, satan's 0.66 and tan(3π/8), Log1p's √2−1
    0.5,
    0.625,
    0.66,
    0.7,
    -0.7,
    2.414213562373095,
    2.4142135623730954,
    0.41421356237309503,
    -0.2928932188134524,
    21,
    21.000000000000004,
    44.014845965556525,
    44.02,
    2 ** -28,
    2 ** -29,
    2 ** 28,
    2 ** 28 + 4,
    // exp's range: overflow, k = 1024, subnormal results, underflow to 0
    ...ulpNeighbours(709.782712893384),
    709.78,
    709.089565712824,
    710,
    -708.3964185322641,
    -720,
    -745.1332191019411,
    -745.1332191019412,
    -746,
    -1e300,
    // huge arguments: Payne–Hanek reduction from 2^29
    ...ulpNeighbours(2 ** 29),
    -(2 ** 29),
    1e10,
    1e22,
    -1e22,
    2 ** 53,
    1e100,
    1e300,
    // multiples of π/2, and their neighbours
    ...[1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, 100, 101, 1e6 + 1, 2 ** 20].flatMap((k) => ulpNeighbours((k * Math.PI) / 2)),
    Math.PI / 4,
    -Math.PI / 4,
    (3 * Math.PI) / 8,
  ];
  const rnd = prng(42);
  const sign = () => (rnd() < 0.5 ? -1 : 1);
  for (let i = 0; i < 40; i++) xs.push(sign() * rnd() * 10);
  for (let i = 0; i < 20; i++) xs.push(sign() * rnd());
  for (let i = 0; i < 40; i++) xs.push(sign() * 10 ** (rnd() * 40 - 20));
  for (let i = 0; i < 30; i++) xs.push(sign() * 10 ** (rnd() * 600 - 300));
  for (let i = 0; i < 20; i++) xs.push(sign() * rnd() * 1400 - 700);
  for (let i = 0; i < 20; i++) xs.push(1 + sign() * 10 ** (rnd() * -15));
  return xs;
}

/** The pairs for ^, % and atan2: every pair of a set of edge values, then seeded random ones. */
function binaryInputs(): [number, number][] {
  const lhs = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 2, -2, 3, -8, 10, 0.9999999, 1.0000001, 5e-324, 1e-300, 1e300, -1e300, 7.5, -7.5, 3.7];
  const rhs = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5, -0.5, 2, 3, -3, 1.5, 2.5, 1 / 3, 0.1, 10, -10, 100, 1e10, 2 ** 63, 5e-324, 3.7, -7.5];
  const pairs: [number, number][] = [];
  for (const a of lhs) for (const b of rhs) pairs.push([a, b]);
  const rnd = prng(7);
  const sign = () => (rnd() < 0.5 ? -1 : 1);
  for (let i = 0; i < 60; i++) pairs.push([rnd() * 10, sign() * rnd() * 20]);
  for (let i = 0; i < 40; i++) pairs.push([sign() * 10 ** (rnd() * 20 - 10), Math.round(sign() * rnd() * 60)]);
  for (let i = 0; i < 40; i++) pairs.push([sign() * 10 ** (rnd() * 600 - 300), sign() * 10 ** (rnd() * 600 - 300)]);
  for (let i = 0; i < 20; i++) pairs.push([1 + sign() * 10 ** (rnd() * -12), sign() * 10 ** (rnd() * 12)]);
  return pairs;
}

/** A float as a PromQL number literal that parses back to the same bits. */
function literal(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** Prometheus's JSON value of a float. */
function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

const UNARY = ['exp', 'sqrt', 'ln', 'log2', 'log10', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'deg', 'rad', 'sgn', 'abs', 'ceil', 'floor', 'round'];
// functions with more arguments, X standing for the input
const WITH_ARGS = ['round(X, 0.1)', 'round(X, 3)', 'clamp(X, -1, 1)', 'clamp_min(X, 0)', 'clamp_max(X, 0)'];
const BATCH = 100;

describe.skipIf(!available)('gomath against the real Prometheus', () => {
  let dir = '';
  let prom: ChildProcess | null = null;
  let port = 0;
  const engine = new PromEngine();
  const storage = new MemoryStorage();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-gomath-'));
    writeFileSync(path.join(dir, 'prometheus.yml'), 'global: {scrape_interval: 1m}\nscrape_configs: []\n');
    port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    prom = spawn(
      PROMETHEUS,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200; i++) {
      const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok).catch(() => false);
      if (ready) return;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error('Prometheus did not become ready');
  }, 60_000);

  afterAll(() => {
    prom?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Evaluates the expressions in both engines in batches (`or` of distinctly labelled vectors) and lists the differences. */
  async function differences(exprs: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let from = 0; from < exprs.length; from += BATCH) {
      const batch = exprs.slice(from, from + BATCH);
      const q = batch.map((e, i) => `label_replace(${e}, "i", "${i}", "", "")`).join(' or ');
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: q, time: '0' }) });
      const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`Prometheus: ${body.error}`);
      const theirs = new Map(body.data.result.map((s) => [Number(s.metric.i), parseValue(s.value[1])]));
      const res = (await engine.instantQuery(storage, q, 0)).result;
      if (res.type !== 'vector') throw new Error(`ours: a ${res.type}`);
      const ours = new Map(res.value.map((s) => [Number(getLabel(s.metric, 'i')), s.f]));
      batch.forEach((e, i) => {
        const a = ours.get(i);
        const b = theirs.get(i);
        if (a === undefined || b === undefined || !same(a, b)) out.push(`${e}: ours ${a}, Prometheus ${b}`);
      });
    }
    return out;
  }

  const xs = unaryInputs();

  it(`agrees on ${UNARY.length} functions over ${xs.length} inputs each`, async () => {
    const exprs = UNARY.flatMap((fn) => xs.map((x) => `${fn}(vector(${literal(x)}))`));
    expect(await differences(exprs)).toEqual([]);
  }, 120_000);

  it('agrees on round with a precision, and on clamp, clamp_min and clamp_max', async () => {
    const exprs = WITH_ARGS.flatMap((f) => xs.map((x) => f.replace('X', `vector(${literal(x)})`)));
    expect(await differences(exprs)).toEqual([]);
  }, 120_000);

  const pairs = binaryInputs();
  for (const op of ['^', '%', 'atan2']) {
    it(`agrees on ${op} over ${pairs.length} pairs`, async () => {
      const exprs = pairs.map(([a, b]) => `vector(${literal(a)}) ${op} vector(${literal(b)})`);
      expect(await differences(exprs)).toEqual([]);
    }, 120_000);
  }
});
