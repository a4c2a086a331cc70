// Mutation fuzzing of both parsers and check-metrics over real expositions: every input must parse
// completely or fail with a ParseError that has a reason and a position; nothing else may be thrown
// and nothing may loop. A seeded PRNG makes every input reproducible from (seed, iteration).
//
// In the suite it runs for about 3 seconds. FUZZ_SECONDS=N runs it for N seconds and FUZZ_SEED=S
// picks another seed (scripts/fuzz-exposition.mjs sets both).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMetrics } from './check.js';
import { OpenMetricsParser } from './openmetrics.js';
import { TextParser } from './text.js';
import { type ExpositionParser, ParseError } from './types.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? '0');
const BUDGET_MS = SECONDS > 0 ? SECONDS * 1000 : 2500;
const SEED = Number(process.env.FUZZ_SEED ?? '20240101') >>> 0;

function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL_CHARS = ['{', '}', '"', '=', ',', '#', ' ', '\n', '\t', '\\', '\x00', '\r', ':', '.', '_', '-', '+', 'e', '0', '9', 'é', '😀', '\ud800', 'N', 'I'];
const TOKENS = ['NaN', '+Inf', '-Inf', 'inf', '# EOF\n', '# EOF', ' # {a="b"} 1', ' # {a="b"} 1 2', '_created', '_total', ' 1 2', ' 1.5', '# HELP ', '# TYPE ', '# UNIT ', ' counter', ' histogram', '{"a.b"}', '\\"', '\\n', 'le="1"', '1e400', '0x1p3', '__name__="x"'];

function mutate(base: string, rnd: () => number): string {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  let s = base;
  const count = 1 + int(4);
  for (let m = 0; m < count; m++) {
    const pos = int(s.length + 1);
    switch (int(8)) {
      case 0: // flip a character
        s = s.slice(0, pos) + (rnd() < 0.7 ? pick(SPECIAL_CHARS) : String.fromCharCode(32 + int(95))) + s.slice(pos + 1);
        break;
      case 1: // insert special characters
        s = s.slice(0, pos) + pick(SPECIAL_CHARS).repeat(1 + int(3)) + s.slice(pos);
        break;
      case 2: // insert a token
        s = s.slice(0, pos) + pick(TOKENS) + s.slice(pos);
        break;
      case 3: // delete a range
        s = s.slice(0, pos) + s.slice(pos + 1 + int(20));
        break;
      case 4: // truncate
        s = s.slice(0, pos);
        break;
      case 5: // duplicate a line
      case 6: {
        // swap two lines
        const lines = s.split('\n');
        const i = int(lines.length);
        const j = int(lines.length);
        if (m % 2 === 0) lines.splice(i, 0, lines[j]!);
        else [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join('\n');
        break;
      }
      default: // repeat a short span (long label sets, long numbers)
        s = s.slice(0, pos) + s.slice(pos, pos + 1 + int(8)).repeat(2 + int(5)) + s.slice(pos);
    }
  }
  return s;
}

/** Drives a parser over everything, checking what it hands out; returns null or the ParseError. */
function drive(p: ExpositionParser, input: string): ParseError | null {
  const maxLine = input.split('\n').length + 1;
  const maxEntries = input.length + 2;
  let entries = 0;
  try {
    for (let k = p.next(); k !== 'eof'; k = p.next()) {
      if (++entries > maxEntries) throw new Error('more entries than characters: the parser is not advancing');
      const line = p.line();
      if (!(line >= 1 && line <= maxLine)) throw new Error(`line ${line} out of range`);
      if (k === 'series') {
        const labels = p.labels();
        for (let i = 0; i < labels.length; i++) {
          const l = labels[i]!;
          if (l.value === '') throw new Error(`empty label value for ${l.name}`);
          if (i > 0 && !(labels[i - 1]!.name < l.name)) throw new Error('labels not sorted and unique');
        }
        if (!labels.some((l) => l.name === '__name__' && l.value === p.metricName())) throw new Error('no __name__');
        if (p.seriesText() === '') throw new Error('empty series text');
        if (typeof p.value() !== 'number') throw new Error('value is not a number');
        const ts = p.timestamp();
        if (ts !== null && !Number.isInteger(ts)) throw new Error(`timestamp ${ts} is not an integer`);
        const ex = p.exemplar();
        if (ex !== null && typeof ex.value !== 'number') throw new Error('exemplar value is not a number');
      } else if (k === 'help') {
        if (typeof p.help() !== 'string' || p.metaName() === undefined) throw new Error('bad help');
      } else if (k === 'type') {
        p.type();
        p.metaName();
      } else if (k === 'unit') {
        p.unit();
      }
    }
    return null;
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    if (e.reason === '' || !(e.line >= 1 && e.line <= maxLine) || !(e.column >= 1)) throw new Error(`malformed ParseError: ${e.message}`);
    return e;
  }
}

describe('fuzzing the exposition parsers', () => {
  const corpus: { name: string; body: string }[] = [];
  let dir = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeglass-fuzz-'));
    const gen = new URL('../../../shared/bench/gen-cluster.mjs', import.meta.url).pathname;
    const prom = join(dir, 'node.prom');
    const om = join(dir, 'cluster.om');
    execFileSync(process.execPath, [gen, '--exposition', '--node', '1', '--seed', '42', '--out', prom], { stdio: 'ignore' });
    execFileSync(process.execPath, [gen, '--nodes', '1', '--hours', '0.01', '--seed', '7', '--out', om], { stdio: 'ignore' });
    corpus.push({ name: 'gen-cluster exposition', body: readFileSync(prom, 'utf8') }, { name: 'gen-cluster OpenMetrics', body: readFileSync(om, 'utf8') });
    for (const f of ['clean.prom', 'problems.prom', 'broken.prom', 'all-types.om']) {
      corpus.push({ name: f, body: readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8') });
    }
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it(
    `parses or rejects cleanly every mutated input (seed ${SEED}, ${BUDGET_MS / 1000} s)`,
    () => {
      const stats = { inputs: 0, parsed: 0, rejected: 0 };
      const deadline = Date.now() + BUDGET_MS;
      for (let iter = 0; Date.now() < deadline; iter++) {
        const rnd = mulberry32((SEED ^ Math.imul(iter + 1, 0x9e3779b1)) >>> 0);
        const src = corpus[Math.floor(rnd() * corpus.length)]!;
        // Mostly a window of a few lines, so that most mutations land near what they break.
        let base = src.body;
        if (base.length > 2000 && rnd() < 0.9) {
          const lines = base.split('\n');
          const from = Math.floor(rnd() * lines.length);
          base = lines.slice(from, from + 1 + Math.floor(rnd() * 30)).join('\n') + (rnd() < 0.5 ? '\n# EOF\n' : '\n');
        }
        const input = mutate(base, rnd);
        try {
          for (const p of [new TextParser(input), new OpenMetricsParser(input)]) {
            const t0 = performance.now();
            const err = drive(p, input);
            if (performance.now() - t0 > 2000) throw new Error('a single parse took over 2 s');
            if (err === null) stats.parsed++;
            else stats.rejected++;
            const checked = checkMetrics(input, p.format);
            if (checked.parseError !== undefined && !(checked.parseError instanceof ParseError)) throw new Error('check returned a non-ParseError');
          }
        } catch (e) {
          throw new Error(`seed ${SEED}, iteration ${iter} (${src.name}): ${(e as Error).message}\ninput: ${JSON.stringify(input.length > 4000 ? input.slice(0, 4000) : input)}`, { cause: e });
        }
        stats.inputs++;
      }
      // The mutations must produce both outcomes, or the fuzzer is not exercising anything.
      expect(stats.parsed).toBeGreaterThan(0);
      expect(stats.rejected).toBeGreaterThan(0);
      if (SECONDS > 0) console.log(`fuzz: ${stats.inputs} inputs, ${stats.parsed} parses accepted, ${stats.rejected} rejected`);
    },
    BUDGET_MS + 30_000,
  );

  it('rejects with a position every truncation of a valid OpenMetrics exposition', () => {
    const body = corpus.find((c) => c.name === 'all-types.om')!.body;
    for (let n = 0; n < body.length - 6; n++) {
      const err = drive(new OpenMetricsParser(body.slice(0, n)), body.slice(0, n));
      expect(err, `truncated at ${n}`).toBeInstanceOf(ParseError);
    }
  });
});
