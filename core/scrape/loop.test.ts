import { describe, expect, it } from 'vitest';
import { ADDRESS, getLabel, labelsFrom, labelsToRecord } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { parseScrapeConfig, type ScrapeConfig } from './config.js';
import type { Fetcher, ScrapeRequest } from './fetch.js';
import { ScrapeLoop } from './loop.js';
import { populateTarget, type Target } from './target.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';

function config(extra = ''): ScrapeConfig {
  return parseScrapeConfig(`
scrape_configs:
- job_name: node
  scrape_interval: 15s
  static_configs: [{targets: ['10.0.0.1:9100'], labels: {team: infra}}]
${extra}`).scrapeConfigs[0]!;
}

function target(cfg: ScrapeConfig): Target {
  const r = populateTarget(labelsFrom([[ADDRESS, '10.0.0.1:9100'], ['team', 'infra']]), cfg);
  if ('dropped' in r) throw new Error(r.reason);
  return r.target;
}

/** A fetcher that answers from a queue of bodies (or errors), recording requests. */
function scripted(...answers: (string | Error)[]) {
  const requests: ScrapeRequest[] = [];
  const fetch: Fetcher = async (req) => {
    requests.push(req);
    const a = answers.shift();
    if (a === undefined) throw new Error('no more answers');
    if (a instanceof Error) throw a;
    return { contentType: TEXT, body: Buffer.from(a) };
  };
  return { fetch, requests };
}

function setup(bodies: (string | Error)[], extra = '') {
  const cfg = config(extra);
  const storage = new MemoryStorage();
  let clock = 1_700_000_000_000;
  const { fetch, requests } = scripted(...bodies);
  const loop = new ScrapeLoop({ target: target(cfg), config: cfg, appendable: storage, fetch, now: () => clock });
  const scrape = async (advance = 15_000) => {
    clock += advance;
    await loop.scrapeAndReport(clock);
    return clock;
  };
  return { storage, loop, scrape, requests, cfg, tick: () => clock };
}

const value = (storage: MemoryStorage, name: string, t?: number) => {
  const s = storage.byName(name);
  expect(s, name).toHaveLength(1);
  const i = t === undefined ? s[0]!.t.length - 1 : s[0]!.t.indexOf(t);
  return s[0]!.v.get(i);
};

const BODY1 = `# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 0.5
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 100
node_cpu_seconds_total{cpu="0",mode="user"} 20
`;

describe('ScrapeLoop', () => {
  it('writes samples with the target labels and the five report series at the scrape time', async () => {
    const t = setup([BODY1]);
    const at = await t.scrape();
    const cpu = t.storage.byName('node_cpu_seconds_total');
    expect(cpu.map((s) => labelsToRecord(s.labels))).toEqual([
      { __name__: 'node_cpu_seconds_total', cpu: '0', mode: 'idle', instance: '10.0.0.1:9100', job: 'node', team: 'infra' },
      { __name__: 'node_cpu_seconds_total', cpu: '0', mode: 'user', instance: '10.0.0.1:9100', job: 'node', team: 'infra' },
    ]);
    expect(cpu[0]!.t).toEqual([at]);
    expect(value(t.storage, 'up')).toBe(1);
    expect(value(t.storage, 'scrape_samples_scraped')).toBe(3);
    expect(value(t.storage, 'scrape_samples_post_metric_relabeling')).toBe(3);
    expect(value(t.storage, 'scrape_series_added')).toBe(3);
    expect(value(t.storage, 'scrape_duration_seconds')).toBeGreaterThanOrEqual(0);
    expect(labelsToRecord(t.storage.byName('up')[0]!.labels)).toEqual({ __name__: 'up', instance: '10.0.0.1:9100', job: 'node', team: 'infra' });
    expect(t.storage.metadata.get('node_load1')).toEqual({ type: 'gauge', help: '1m load average.', unit: '' });
    expect(t.loop.health).toMatchObject({ health: 'up', lastError: '', samplesScraped: 3, seriesAdded: 3 });
    expect(t.requests[0]!.url).toBe('http://10.0.0.1:9100/metrics');
    expect(t.requests[0]!.accept).toMatch(/application\/openmetrics-text/);
    expect(t.requests[0]!.timeoutMs).toBe(10_000);
  });

  it('keeps each value with its series when the target reorders, adds or drops series between scrapes', async () => {
    const t = setup(['a 1\nb 2\nc 3\ndrop_me 9\n', 'drop_me 8\nc 30\nd 40\na 10\n', 'a 100\nc 300\nd 400\ndrop_me 7\n'], `  metric_relabel_configs:
  - {source_labels: [__name__], regex: drop_me, action: drop}`);
    await t.scrape();
    await t.scrape();
    expect(value(t.storage, 'a')).toBe(10);
    expect(value(t.storage, 'c')).toBe(30);
    expect(value(t.storage, 'd')).toBe(40);
    expect(value(t.storage, 'scrape_series_added')).toBe(1);
    expect(t.storage.byName('drop_me')).toHaveLength(0);
    await t.scrape();
    expect([value(t.storage, 'a'), value(t.storage, 'c'), value(t.storage, 'd')]).toEqual([100, 300, 400]);
    expect(value(t.storage, 'scrape_series_added')).toBe(0);
    expect(value(t.storage, 'scrape_samples_post_metric_relabeling')).toBe(3);
  });

  it('marks a vanished series stale at the next scrape, and counts only new series as added', async () => {
    const t = setup([BODY1, 'node_load1 0.7\nnode_cpu_seconds_total{cpu="0",mode="idle"} 101\nnode_boot_time_seconds 1e9\n']);
    await t.scrape();
    const second = await t.scrape();
    const user = t.storage.byName('node_cpu_seconds_total').find((s) => getLabel(s.labels, 'mode') === 'user')!;
    expect(user.t).toEqual([second - 15_000, second]);
    expect(isStaleNaN(user.v.get(1))).toBe(true);
    expect(value(t.storage, 'scrape_series_added')).toBe(1);
    expect(value(t.storage, 'node_load1')).toBe(0.7);
  });

  it('marks everything stale and reports up=0 when a scrape fails, touching nothing stored', async () => {
    const t = setup([BODY1, new Error('server returned HTTP status 500 Internal Server Error')]);
    const first = await t.scrape();
    const failed = await t.scrape();
    for (const s of [...t.storage.byName('node_cpu_seconds_total'), ...t.storage.byName('node_load1')]) {
      expect(s.t).toEqual([first, failed]);
      expect(s.v.get(0)).not.toBeNaN();
      expect(isStaleNaN(s.v.get(1))).toBe(true);
    }
    expect(value(t.storage, 'up', failed)).toBe(0);
    expect(value(t.storage, 'scrape_samples_scraped', failed)).toBe(0);
    expect(t.loop.health).toMatchObject({ health: 'down', lastError: 'server returned HTTP status 500 Internal Server Error' });
  });

  it('rejects a malformed exposition whole, with the line and column, and keeps the earlier samples', async () => {
    const t = setup([BODY1, 'node_load1 0.9\nnode_cpu_seconds_total{cpu="0" 5\n']);
    await t.scrape();
    const bad = await t.scrape();
    expect(t.loop.health.health).toBe('down');
    expect(t.loop.health.lastError).toMatch(/^line 2, column \d+: /);
    // The good first line of the broken scrape was rolled back: 0.5, then a staleness marker.
    const load = t.storage.byName('node_load1')[0]!;
    expect(load.v.get(0)).toBe(0.5);
    expect(isStaleNaN(load.v.get(1))).toBe(true);
    expect(value(t.storage, 'up', bad)).toBe(0);
  });

  it.each([
    ['honor_labels: false renames conflicting exposed labels', 'honor_labels: false', { job: 'node', exported_job: 'pushed', instance: '10.0.0.1:9100', exported_instance: 'x' }],
    ['honor_labels: true keeps exposed labels', 'honor_labels: true', { job: 'pushed', instance: 'x' }],
  ])('%s', async (_n, extra, expected) => {
    const t = setup(['m{job="pushed",instance="x"} 1\n'], `  ${extra}`);
    await t.scrape();
    expect(labelsToRecord(t.storage.byName('m')[0]!.labels)).toMatchObject(expected);
  });

  it('writes no staleness marker for a series another text still gives (two texts relabeled to one label set)', async () => {
    // metric_relabel_configs drops the label that tells the two apart; the second scrape has one.
    const extra = `  metric_relabel_configs: [{action: labeldrop, regex: replica}]`;
    const t = setup(['m{replica="a"} 1\nm{replica="b"} 1\n', 'm{replica="b"} 2\n', 'other 1\n'], extra);
    const first = await t.scrape();
    const second = await t.scrape();
    const third = await t.scrape();
    const m = t.storage.byName('m');
    expect(m).toHaveLength(1);
    // The first scrape's second sample is a duplicate of the first; the marker for the vanished
    // text is refused at the second scrape's timestamp; the series goes stale once both are gone.
    expect(m[0]!.t).toEqual([first, second, third]);
    expect([m[0]!.v.get(0), m[0]!.v.get(1)]).toEqual([1, 2]);
    expect(isStaleNaN(m[0]!.v.get(2))).toBe(true);
  });

  it('uses exposed timestamps when honoring them, and writes no staleness for such series', async () => {
    const t = setup(['a 1 1600000000000\nb 2\n', 'c 3\n']);
    await t.scrape();
    const second = await t.scrape();
    expect(t.storage.byName('a')[0]!.t).toEqual([1600000000000]);
    expect(t.storage.byName('b')[0]!.t).toEqual([second - 15_000, second]);
  });

  it('ignores exposed timestamps with honor_timestamps: false', async () => {
    const t = setup(['a 1 1600000000000\n'], '  honor_timestamps: false');
    const at = await t.scrape();
    expect(t.storage.byName('a')[0]!.t).toEqual([at]);
  });

  it.each([
    ['sample_limit', '  sample_limit: 2', /^sample limit exceeded$/],
    ['label_limit', '  label_limit: 5', /^label_limit exceeded \(metric: node_cpu_seconds_total, number of labels: 6, limit: 5\)$/],
    ['label_value_length_limit', '  label_value_length_limit: 3', /^label_value_length_limit exceeded \(metric: node_load1, label name: __name__/],
  ])('fails the whole scrape when %s is exceeded', async (_n, extra, message) => {
    const t = setup([BODY1], extra);
    const at = await t.scrape();
    expect(t.loop.health.lastError).toMatch(message);
    expect(t.storage.byName('node_load1')).toEqual([]);
    expect(value(t.storage, 'up', at)).toBe(0);
  });

  it('applies metric_relabel_configs and counts what survives', async () => {
    const t = setup([BODY1], `  metric_relabel_configs:
  - {source_labels: [mode], regex: user, action: drop}
  - {source_labels: [__name__], regex: 'node_(.*)', target_label: short, replacement: '$1'}`);
    await t.scrape();
    expect(t.storage.byName('node_cpu_seconds_total')).toHaveLength(1);
    expect(getLabel(t.storage.byName('node_load1')[0]!.labels, 'short')).toBe('load1');
    expect(value(t.storage, 'scrape_samples_scraped')).toBe(3);
    expect(value(t.storage, 'scrape_samples_post_metric_relabeling')).toBe(2);
  });

  it('fails the scrape when metric relabeling removes __name__, as Prometheus does', async () => {
    const t = setup([BODY1], `  metric_relabel_configs:
  - {action: labeldrop, regex: __name__}`);
    await t.scrape();
    expect(t.loop.health.lastError).toBe('__name__ label is missing');
    expect(t.storage.byName('up')[0]!.v.get(0)).toBe(0);
  });

  it('snaps the timestamp to the tick within 2 ms, and not beyond', async () => {
    const t = setup([BODY1, BODY1]);
    await t.loop.scrapeAndReport(t.tick() - 2);
    expect(t.storage.byName('up')[0]!.t).toEqual([t.tick() - 2]);
    await t.loop.scrapeAndReport(t.tick() - 3);
    expect(t.storage.byName('up')[0]!.t[1]).toBe(t.tick());
  });

  it('spreads 200 targets over the interval by their hash', () => {
    const cfg = config();
    const offsets = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const r = populateTarget(labelsFrom([[ADDRESS, `10.0.${i >> 8}.${i & 255}:9100`]]), cfg);
      if ('dropped' in r) throw new Error();
      const loop = new ScrapeLoop({ target: r.target, config: cfg, appendable: new MemoryStorage(), fetch: scripted().fetch, now: () => 0 });
      const o = loop.startOffset(0);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThanOrEqual(15_000);
      offsets.add(Math.floor((o % 15_000) / 1000));
    }
    // 200 targets over 15 one-second buckets: every bucket is used.
    expect(offsets.size).toBe(15);
  });

  it.each([
    [15_000, undefined, 100],
    [1_000, undefined, 100],
    [500, undefined, 50],
    [15_000, 0, 1],
  ])('rounds offsets of a %d ms interval (granularity %s) to a %d ms grid, so nearby targets share a wake-up', (interval, granularity, grid) => {
    const cfg = parseScrapeConfig(`scrape_configs: [{job_name: j, scrape_interval: ${interval}ms, scrape_timeout: ${interval}ms}]`).scrapeConfigs[0]!;
    const exact = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const r = populateTarget(labelsFrom([[ADDRESS, `10.1.0.${i}:9100`]]), cfg);
      if ('dropped' in r) throw new Error();
      const loop = new ScrapeLoop({ target: r.target, config: cfg, appendable: new MemoryStorage(), fetch: scripted().fetch, now: () => 0, offsetGranularityMs: granularity });
      const o = loop.startOffset(0) % interval;
      expect(o % grid).toBe(0);
      exact.add(o);
    }
    // Still spread: more than one slot in use.
    expect(exact.size).toBeGreaterThan(grid === 1 ? 45 : 3);
  });
});

describe('ScrapeLoop end of run', () => {
  it('writes staleness markers for every series one interval after the last scrape when its target goes away', async () => {
    const cfg = parseScrapeConfig(`
scrape_configs:
- job_name: fast
  scrape_interval: 100ms
  scrape_timeout: 100ms
  static_configs: [{targets: ['h:1']}]`).scrapeConfigs[0]!;
    const r = populateTarget(labelsFrom([[ADDRESS, 'h:1']]), cfg);
    if ('dropped' in r) throw new Error();
    const storage = new MemoryStorage();
    const loop = new ScrapeLoop({ target: r.target, config: cfg, appendable: storage, fetch: async () => ({ contentType: TEXT, body: Buffer.from('a 1\n') }) });
    loop.start();
    await new Promise((res) => setTimeout(res, 350));
    const started = Date.now();
    await loop.stop({ staleness: true });
    const a = storage.byName('a')[0]!;
    const up = storage.byName('up')[0]!;
    const last = a.t.length - 1;
    expect(isStaleNaN(a.v.get(last))).toBe(true);
    expect(isStaleNaN(up.v.get(up.v.length - 1))).toBe(true);
    expect(a.t[last]! - a.t[last - 1]!).toBe(100);
    // It waited for two would-be scrapes plus 10% before writing them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('ScrapeLoop metadata', () => {
  const H = '# HELP load 1m load.\n# TYPE load gauge\nload 1\n# HELP x Requests.\n# TYPE x counter\nx 2\n';
  // [name, bodies, updateMetadata calls of each scrape]
  const cases: [string, string[], string[][]][] = [
    ['unchanged lines write nothing again', [H, H, H], [['load gauge 1m load.', 'x counter Requests.'], [], []]],
    ['a changed HELP rewrites its family whole', [H, H.replace('Requests.', 'All requests.')], [['load gauge 1m load.', 'x counter Requests.'], ['x counter All requests.']]],
    ['a TYPE line gone from the middle makes the family unknown', [H, H.replace('# TYPE load gauge\n', '')], [['load gauge 1m load.', 'x counter Requests.'], ['load unknown 1m load.']]],
    ['a TYPE line gone from the end makes the family unknown', [H, H.replace('# TYPE x counter\n', '')], [['load gauge 1m load.', 'x counter Requests.'], ['x unknown Requests.']]],
    ['a family whose lines all went is left as it was', [H, 'load 1\nx 2\n'], [['load gauge 1m load.', 'x counter Requests.'], []]],
    ['a family added at the end is written', [H, H + '# TYPE y gauge\ny 3\n'], [['load gauge 1m load.', 'x counter Requests.'], ['y gauge ']]],
    ['a changed value line does not touch metadata', [H, H.replace('load 1\n', 'load 5\n')], [['load gauge 1m load.', 'x counter Requests.'], []]],
  ];
  it.each(cases)('%s', async (_name, bodies, want) => {
    const cfg = config();
    const storage = new MemoryStorage();
    let calls: string[] = [];
    const appendable = {
      appender: () => {
        const a = storage.appender();
        return {
          append: (l: Parameters<typeof a.append>[0], t: number, v: number) => a.append(l, t, v),
          updateMetadata: (n: string, m: { type: string; help: string }) => (calls.push(`${n} ${m.type} ${m.help}`), a.updateMetadata(n, m as never)),
          commit: () => a.commit(),
          rollback: () => a.rollback(),
        };
      },
    };
    const { fetch } = scripted(...bodies);
    let clock = 1_700_000_000_000;
    const loop = new ScrapeLoop({ target: target(cfg), config: cfg, appendable, fetch, now: () => clock });
    const got: string[][] = [];
    for (let i = 0; i < bodies.length; i++) {
      calls = [];
      clock += 15_000;
      await loop.scrapeAndReport(clock);
      got.push(calls.sort());
    }
    expect(got).toEqual(want);
  });

  it('writes metadata again after a scrape whose commit failed', async () => {
    const cfg = config();
    const storage = new MemoryStorage();
    let calls = 0;
    let fail = true;
    const appendable = {
      appender: () => {
        const a = storage.appender();
        return {
          append: (l: Parameters<typeof a.append>[0], t: number, v: number) => a.append(l, t, v),
          updateMetadata: (n: string, m: Parameters<typeof a.updateMetadata>[1]) => (calls++, a.updateMetadata(n, m)),
          commit: async () => {
            if (fail) {
              fail = false;
              a.rollback();
              throw new Error('disk I/O error');
            }
            await a.commit();
          },
          rollback: () => a.rollback(),
        };
      },
    };
    const body = '# TYPE x counter\nx 1\n';
    const { fetch } = scripted(body, body, body);
    let clock = 1_700_000_000_000;
    const loop = new ScrapeLoop({ target: target(cfg), config: cfg, appendable, fetch, now: () => clock });
    for (const want of [1, 2, 2]) {
      clock += 15_000;
      await loop.scrapeAndReport(clock);
      expect(calls).toBe(want);
    }
    expect(storage.metadata.get('x')).toEqual({ type: 'counter', help: '', unit: '' });
  });
});
