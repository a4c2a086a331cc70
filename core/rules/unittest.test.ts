// The differential test of rule evaluation against the real Prometheus: each testdata/*.test.yaml
// is a promtool rule-test file whose expectations (firing alerts with their templated labels and
// annotations at given times, ALERTS and recorded series) the real `promtool test rules`
// (Debian's 2.42) confirms, and our runner must meet the same expectations over our engine.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRuleUnitTests } from './unittest.js';

const dir = new URL('./testdata', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.test.yaml'));
const PROMTOOL = '/usr/bin/promtool';
const havePromtool = existsSync(PROMTOOL);
if (!havePromtool && process.env.CI) throw new Error('CI must install prometheus (see .ci/run)');

describe('promtool rule tests', () => {
  it.each(files)('%s passes in our evaluator', async (f) => {
    // Debian's promtool is 2.42: compare with the engine's 2.x window rules.
    const outcomes = await runRuleUnitTests(readFileSync(path.join(dir, f), 'utf8'), { baseDir: dir, prometheus2: true });
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) {
      expect(o.errors, `${f}: ${o.name}\n${o.errors.join('\n')}`).toEqual([]);
      expect(o.checks).toBeGreaterThan(0);
    }
  });

  it('reports wrong expectations (the comparison is not vacuous)', async () => {
    const text = readFileSync(path.join(dir, 'alerts.test.yaml'), 'utf8')
      .replace('Job api at 1.5 req/s', 'Job api at 1.6 req/s')
      .replace('value: 120', 'value: 60');
    const [o] = await runRuleUnitTests(text, { baseDir: dir, prometheus2: true });
    expect(o!.errors, o!.errors.join("\n")).toHaveLength(2);
    expect(o!.errors[0]).toContain('alertname: HighRequestRate, time: 10m');
    expect(o!.errors[1]).toContain('expr: "ALERTS_FOR_STATE{alertname=\\"InstanceDown\\"}", time: 5m');
  });

  it.skipIf(!havePromtool).each(files)('%s passes in the real promtool', (f) => {
    const out = execFileSync(PROMTOOL, ['test', 'rules', f], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('SUCCESS');
  });
});
