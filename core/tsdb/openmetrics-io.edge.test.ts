import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsFrom } from '../model/labels.js';
import { Matcher } from '../model/matchers.js';
import { exportOpenMetrics, importOpenMetrics } from './openmetrics-io.js';
import { Tsdb } from './sqlite/tsdb.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-om-review-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Exactly `bytes` long, ending in "# EOF\n". */
function inputOf(bytes: number): string {
  let s = '# TYPE g gauge\n';
  let i = 0;
  const tail = '# EOF\n';
  for (;;) {
    const line = `g{i="${i}"} 1 ${1_700_000_000 + i}\n`;
    if (s.length + line.length + tail.length > bytes) break;
    s += line;
    i++;
  }
  // pad the last gap with a sample of the right length
  const pad = bytes - s.length - tail.length;
  if (pad > 0) {
    const base = `h{p=""} 1 1\n`.length;
    s += `h{p="${'x'.repeat(Math.max(1, pad - base))}"} 1 1\n`;
  }
  s += tail;
  return s;
}

async function* buffers(text: string, size: number) {
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

describe('import and export edge cases: OpenMetrics import', () => {
  it('accepts a valid input delivered as one chunk of more than 4 MiB', async () => {
    const db = Tsdb.open(path.join(dir, 'a.db'));
    const text = inputOf(5 << 20);
    await expect(importOpenMetrics(db, (async function* () { yield text; })())).resolves.toMatchObject({ outOfOrder: 0 });
    db.close();
  });

  it('accepts a valid file of exactly 4 MiB read in 1 MiB chunks (createReadStream highWaterMark in data.ts)', async () => {
    const db = Tsdb.open(path.join(dir, 'b.db'));
    const text = inputOf(4 << 20);
    expect(Buffer.byteLength(text)).toBe(4 << 20);
    await expect(importOpenMetrics(db, buffers(text, 1 << 20))).resolves.toMatchObject({ outOfOrder: 0 });
    db.close();
  });

  it('keeps multi-byte UTF-8 intact when a Buffer chunk boundary splits a character', async () => {
    const db = Tsdb.open(path.join(dir, 'c.db'));
    const text = 'a{city="Zürich"} 1 1\n# EOF\n';
    const split = Buffer.from(text).indexOf(0xc3) + 1; // inside "ü"
    const b = Buffer.from(text);
    await importOpenMetrics(db, (async function* () { yield b.subarray(0, split); yield b.subarray(split); })());
    expect(db.querier(-Infinity, Infinity).labelValues('city')).toEqual(['Zürich']);
    db.close();
  });

  it('decodes ASCII and UTF-8 chunks alike, also an ASCII chunk after a split character or invalid bytes', async () => {
    const text = 'a{x="plain"} 1 1\na{x="Zürich"} 2 2\na{x="日本"} 3 3\nb{y="ascii"} 4 4\n# EOF\n';
    const b = Buffer.from(text);
    const at = (c: string) => b.indexOf(Buffer.from(c));
    const cuts = [at('ü') + 1, at('ü') + 2, at('日') + 1, at('本') + 2, at('b{y'), at('# EOF')];
    const db = Tsdb.open(path.join(dir, 'e.db'));
    await importOpenMetrics(db, (async function* () {
      for (let i = 0, from = 0; i <= cuts.length; from = cuts[i++]!) yield b.subarray(from, cuts[i]);
    })());
    expect(db.querier(-Infinity, Infinity).labelValues('x')).toEqual(['Zürich', 'plain', '日本']);
    expect(db.querier(-Infinity, Infinity).labelValues('y')).toEqual(['ascii']);
    db.close();
    // A lone lead byte before an ASCII chunk decodes as U+FFFD, as one UTF-8 decode of it all would.
    const bad = Buffer.concat([Buffer.from('a{x="'), Buffer.from([0xc3]), Buffer.from('z"} 1 1\n# EOF\n')]);
    const db2 = Tsdb.open(path.join(dir, 'f.db'));
    await importOpenMetrics(db2, (async function* () { yield bad.subarray(0, 6); yield bad.subarray(6, 7); yield bad.subarray(7); })());
    expect(db2.querier(-Infinity, Infinity).labelValues('x')).toEqual([bad.toString('utf8').slice(5, 7)]);
    expect(bad.toString('utf8').slice(5, 7)).toBe('\ufffdz');
    db2.close();
  });

  it('reports the line of an error several slices in, whatever the chunk size', async () => {
    const lines = ['# HELP g A gauge, ünïcode in its help.', '# TYPE g gauge'];
    for (let i = 0; i < 150_000; i++) lines.push(`g{i="${i % 7}",pad="${'x'.repeat(40)}",u="${i % 5 === 0 ? 'Zürich' : 'plain'}"} ${i} ${1_700_000_000 + i}`);
    lines[140_001] = 'g{i="1" 2 3';
    lines.push('# EOF', '');
    const text = lines.join('\n');
    expect(text.length).toBeGreaterThan(10 << 20);
    for (const size of [1 << 20, 65536, 999_999]) {
      const db = Tsdb.open(path.join(dir, `g${size}.db`));
      await expect(importOpenMetrics(db, buffers(text, size))).rejects.toThrow(/^line 140002, column 8: expected comma or brace close/);
      db.close();
    }
  });

  it('imports a multi-slice file with non-ASCII labels in every slice', async () => {
    let text = '# HELP g A gauge, ünïcode in its help.\n# TYPE g gauge\n';
    for (let i = 0; i < 120_000; i++) text += `g{i="${i % 3}",pad="${'x'.repeat(40)}",u="${i % 3 === 0 ? 'Zürich 日本' : 'plain'}"} ${i} ${1_700_000_000 + i}\n`;
    text += '# EOF\n';
    const db = Tsdb.open(path.join(dir, 'h.db'));
    expect(await importOpenMetrics(db, buffers(text, 1 << 20))).toEqual({ samples: 120_000, series: 3, outOfOrder: 0, duplicate: 0 });
    expect(db.querier(-Infinity, Infinity).labelValues('u')).toEqual(['Zürich 日本', 'plain']);
    expect(db.metadata().get('g')).toEqual({ type: 'gauge', help: 'A gauge, ünïcode in its help.', unit: '' });
    db.close();
  });

  it('exports negative (pre-1970) timestamps correctly', async () => {
    const db = Tsdb.open(path.join(dir, 'd.db'));
    const app = db.appender();
    app.append(labelsFrom({ __name__: 'old' }), -1500, 1);
    await app.commit();
    let out = '';
    exportOpenMetrics(db, (s) => (out += s), { matchers: [new Matcher('=', '__name__', 'old')], mint: -1e15, maxt: 1e15 });
    expect(out).toContain('old 1 -1.5\n');
    db.close();
  });
});
