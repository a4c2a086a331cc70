// The engine with alerting on its built-in demo cluster: the demo's PrometheusRules are read by
// default (the informer path), CountGreaterThan5 goes pending then firing with the demo's context,
// the built-in rules evaluate next to it, and the desktop notice arrives as an alerts.notification
// event naming the context.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../kube/sd/testing.js';
import { Engine } from './engine.js';

const signal = new AbortController().signal;
const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-alert-engine-'));
let engine: Engine | null = null;

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('engine alerting on the demo cluster', () => {
  it('evaluates the demo PrometheusRules by default, fires CountGreaterThan5 and emits a desktop notice', async () => {
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'alerting.yml'), 'route:\n  receiver: d\n  group_by: [alertname, context]\n  group_wait: 1s\nreceivers:\n  - name: d\n    desktop_configs:\n      - send_resolved: true\n');
    const events: { name: string; payload: unknown }[] = [];
    engine = new Engine({
      dataDir,
      shell: 'browser',
      env: { KUBECONFIG: path.join(dir, 'missing') },
      probeIntervalMs: 0,
      watch: false,
      demoNodes: 3,
      scrapeIntervalMs: 2000,
      ruleIntervalMs: 2000,
    });
    engine.start((name, payload) => events.push({ name, payload }));
    const h = engine.handlers;
    const rules = await eventually(
      async () => {
        const r = await h['rules.list']({}, { signal });
        const groups = r.contexts.find((c) => c.context === 'kubeglass-demo')?.groups ?? [];
        return groups.some((g) => g.name === 'ping') ? r : null;
      },
      40_000,
      'the demo PrometheusRules',
    );
    expect(rules.viewed).toBe('kubeglass-demo');
    const groups = rules.contexts[0]!.groups;
    expect(groups.find((g) => g.name === 'ping')).toMatchObject({ source: 'cluster', file: 'prometheusrule/demo/ping' });
    expect(groups.some((g) => g.source === 'builtin' && g.name === 'general.rules')).toBe(true);
    const settings = await h['alerts.settings']({}, { signal });
    expect(settings.clusterRules.find((c) => c.context === 'kubeglass-demo')).toEqual({ context: 'kubeglass-demo', enabled: true, chosen: false });

    const firing = await eventually(
      async () => (await h['alerts.list']({}, { signal })).alerts.find((a) => a.rule === 'CountGreaterThan5' && a.state === 'firing'),
      60_000,
      'CountGreaterThan5 firing',
    );
    expect(firing.context).toBe('kubeglass-demo');
    const notice = await eventually(() => events.find((e) => e.name === 'alerts.notification' && (e.payload as { title: string }).title.includes('CountGreaterThan5')), 15_000, 'a desktop notice');
    const notices = events.filter((e) => e.name === 'alerts.notification').map((e) => e.payload);
    expect(notice.payload, JSON.stringify(notices)).toMatchObject({ status: 'firing', context: 'kubeglass-demo' });
    // The notice opens one of the rule's alerts (the demo may have several ping pods).
    const fps = (await h['alerts.list']({}, { signal })).alerts.filter((a) => a.rule === 'CountGreaterThan5').map((a) => a.fingerprint);
    expect(fps).toContain((notice.payload as { alertKey: string }).alertKey);

    // Rules evaluated without errors (the demo has the metrics the built-in and its own rules use).
    const after = await h['rules.list']({}, { signal });
    const broken = after.contexts[0]!.groups.flatMap((g) => g.rules.filter((r) => r.health === 'err').map((r) => `${g.file}/${r.name}: ${r.lastError}`));
    expect(broken).toEqual([]);
    const groupsNow = after.contexts[0]!.groups;
    const ms = groupsNow.reduce((n, g) => n + g.evaluationTime * 1000, 0);
    console.log(`demo cluster: ${groupsNow.length} groups, ${groupsNow.reduce((n, g) => n + g.rules.length, 0)} rules, ${ms.toFixed(1)} ms of evaluation per cycle`);
    expect(after.problems).toEqual([]);
  }, 120_000);
});
