import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsToRecord } from '../model/labels.js';
import { Matcher } from '../model/matchers.js';
import { exportOpenMetrics, importOpenMetrics } from './openmetrics-io.js';
import { Tsdb } from './sqlite/tsdb.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-om-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

// Big enough to span several 4 MiB slices, with a family's metadata right before a boundary.
function bigInput(series: number, samples: number): string {
  let s = '# HELP big_gauge_bytes A gauge with a \\\\ backslash and a \\n newline.\n# TYPE big_gauge_bytes gauge\n# UNIT big_gauge_bytes bytes\n';
  for (let k = 0; k < series; k++) for (let i = 0; i < samples; i++) s += `big_gauge_bytes{k="${k}",pad="${'x'.repeat(40)}"} ${k + i / 4} ${1_700_000_000 + i * 15}\n`;
  s += '# TYPE small counter\nsmall_total 1 1700000000.5\nsmall_total 2 1700000015\n# EOF\n';
  return s;
}

describe('OpenMetrics import/export', () => {
  it('imports a multi-slice stream exactly, with metadata, and exports what promtool reads', async () => {
    const db = Tsdb.open(path.join(dir, 'a.db'));
    const input = bigInput(200, 600);
    expect(input.length).toBeGreaterThan(8 << 20);
    const r = await importOpenMetrics(db, chunks(input, 65536));
    expect(r).toEqual({ samples: 200 * 600 + 2, series: 201, outOfOrder: 0, duplicate: 0 });
    const q = db.querier(-Infinity, Infinity);
    const s7 = q.select([new Matcher('=', 'k', '7')])[0]!;
    const { t, v } = s7.samples();
    expect(t.length).toBe(600);
    expect(t[1]).toBe(1_700_000_015_000);
    expect(v[2]).toBe(7.5);
    expect(labelsToRecord(q.select([new Matcher('=', '__name__', 'small_total')])[0]!.labels)).toEqual({ __name__: 'small_total' });
    expect([...q.select([new Matcher('=', '__name__', 'small_total')])[0]!.samples().t]).toEqual([1_700_000_000_500, 1_700_000_015_000]);
    expect(db.metadata().get('big_gauge_bytes')).toEqual({ type: 'gauge', help: 'A gauge with a \\ backslash and a \n newline.', unit: 'bytes' });

    let out = '';
    const e = exportOpenMetrics(db, (s) => (out += s), { matchers: [new Matcher('=~', 'k', '1|2')], mint: -Infinity, maxt: Infinity });
    expect(e).toEqual({ series: 2, samples: 1200 });
    expect(out.startsWith('# TYPE big_gauge_bytes gauge\n# HELP big_gauge_bytes A gauge with a \\\\ backslash and a \\n newline.\n')).toBe(true);
    expect(out).toContain('big_gauge_bytes{k="1",pad="' + 'x'.repeat(40) + '"} 1.25 1700000015\n');
    expect(out.endsWith('# EOF\n')).toBe(true);

    // The real promtool builds a block from it with every sample (CI installs it; see .ci/run).
    if (existsSync('/usr/bin/promtool') || process.env.CI) {
      writeFileSync(path.join(dir, 'export.om'), out);
      const report = execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'export.om'), path.join(dir, 'blocks')]).toString();
      // One row per 2 h block: NUM SAMPLES is the fifth column.
      const rows = report.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
      expect(rows.reduce((n, r) => n + Number(r[4]), 0)).toBe(1200);
    }

    // And the export imports back to the same samples.
    const db2 = Tsdb.open(path.join(dir, 'b.db'));
    const back = await importOpenMetrics(db2, chunks(out, 1000));
    expect(back.samples).toBe(1200);
    db.close();
    db2.close();
  });

  it.each([
    ['no # EOF', 'a 1 1\n', /does not end with # EOF/],
    ['a sample without timestamp', 'a 1\n# EOF\n', /line 1, column 1: sample without a timestamp/],
    ['a malformed line', 'a 1 1\na{ 2 2\n# EOF\n', /^line 2, column \d+/],
  ])('rejects %s with the line', async (_n, input, message) => {
    const db = Tsdb.open(path.join(dir, 'c.db'));
    await expect(importOpenMetrics(db, chunks(input, 3))).rejects.toThrow(message);
    db.close();
  });

  it('reports out-of-order and duplicate samples instead of failing', async () => {
    const db = Tsdb.open(path.join(dir, 'd.db'));
    const r = await importOpenMetrics(db, chunks('a 1 10\na 2 5\na 3 10\na 1 10\n# EOF\n', 100));
    expect(r).toMatchObject({ samples: 2, outOfOrder: 1, duplicate: 1 });
    db.close();
  });
});
