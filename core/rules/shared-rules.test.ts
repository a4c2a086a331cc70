// kube-prometheus's rule files (../shared/rules) evaluated over generated cluster data (the bench
// generator's node-exporter, cAdvisor, kubelet and kube-state-metrics series, backfilled into our
// TSDB): every rule must evaluate without error at every step, and the groups write their outputs.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromEngine } from '../promql/engine.js';
import { importOpenMetrics } from '../tsdb/openmetrics-io.js';
import { Tsdb } from '../tsdb/sqlite/tsdb.js';
import { groupsFromDefs, type Group } from './group.js';
import { engineQueryFunc } from './rule.js';
import { loadRuleFile } from './rulefmt.js';

const shared = new URL('../../../shared', import.meta.url).pathname;
const START = 1704067200; // gen-cluster's default start, seconds

describe('kube-prometheus rules over generated cluster data', () => {
  let dir: string;
  let db: Tsdb;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-rules-'));
    const om = path.join(dir, 'cluster.om');
    execFileSync('node', [path.join(shared, 'bench', 'gen-cluster.mjs'), '--nodes', '3', '--hours', '1', '--seed', '7', '--step', '30', '--out', om], { stdio: 'ignore' });
    db = Tsdb.open(path.join(dir, 'kubeglass.db'));
    await importOpenMetrics(db, createReadStream(om));
  }, 120_000);

  afterAll(() => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates every rule without errors', async () => {
    const query = engineQueryFunc(new PromEngine(), db);
    const groups: Group[] = [];
    for (const f of readdirSync(path.join(shared, 'rules')).filter((x) => x.endsWith('.yaml'))) {
      const file = path.join(shared, 'rules', f);
      groups.push(...groupsFromDefs(file, loadRuleFile(readFileSync(file, 'utf8'), file), { query, appendable: db, queryable: db }));
    }
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(50);
    const errors: string[] = [];
    // Evaluate the last 30 minutes of the hour, once a minute, after the data has built up.
    for (let t = (START + 1800) * 1000; t <= (START + 3600 - 60) * 1000; t += 60_000) {
      for (const g of groups) {
        await g.eval(t);
        for (const r of g.rules) if (r.health !== 'ok') errors.push(`${g.name}/${r.name} @${t}: ${r.lastError}`);
      }
    }
    expect(errors).toEqual([]);
    const recorded = new Set((await query('count by (__name__) ({__name__=~".+:.+"})', (START + 3600 - 60) * 1000)).map((s) => s.metric[0]?.value));
    expect(recorded.size).toBeGreaterThan(0);
  }, 180_000);
});
