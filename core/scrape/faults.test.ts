import { describe, expect, it } from 'vitest';
import { ADDRESS, labelsFrom } from '../model/labels.js';
import { MemoryStorage } from '../tsdb/memory.js';
import type { Appendable } from '../tsdb/interface.js';
import { parseScrapeConfig, type ScrapeConfig } from './config.js';
import type { Fetcher } from './fetch.js';
import { ScrapeLoop } from './loop.js';
import { ScrapeManager } from './manager.js';
import type { TargetGroup, TargetSource } from './source.js';
import { populateTarget } from './target.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const BODY = `# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 0.5
node_cpu_seconds_total{cpu="0",mode="idle"} 100
node_cpu_seconds_total{cpu="0",mode="user"} 20
`;

function cfgOf(extra = '', interval = '15s'): ScrapeConfig {
  return parseScrapeConfig(`
scrape_configs:
- job_name: node
  scrape_interval: ${interval}
  scrape_timeout: ${interval}
  static_configs: [{targets: ['10.0.0.1:9100']}]
${extra}`).scrapeConfigs[0]!;
}

function loopWith(appendable: Appendable, cfg: ScrapeConfig, bodies: string[]) {
  const r = populateTarget(labelsFrom([[ADDRESS, '10.0.0.1:9100']]), cfg);
  if ('dropped' in r) throw new Error(r.reason);
  let clock = 1_700_000_000_000;
  const fetch: Fetcher = async () => ({ contentType: TEXT, body: Buffer.from(bodies.shift() ?? BODY) });
  const loop = new ScrapeLoop({ target: r.target, config: cfg, appendable, fetch, now: () => clock });
  return {
    loop,
    scrape: async () => {
      clock += 15_000;
      await loop.scrapeAndReport(clock);
      return clock;
    },
  };
}

describe('scrape faults: scrape loop', () => {
  it('reports scrape_samples_scraped for a scrape that exceeded sample_limit (Prometheus keeps counting)', async () => {
    const storage = new MemoryStorage();
    const { scrape } = loopWith(storage, cfgOf('  sample_limit: 2'), [BODY]);
    await scrape();
    const s = storage.byName('scrape_samples_scraped')[0]!;
    expect(s.v.get(0)).toBe(3);
    expect(storage.byName('scrape_samples_post_metric_relabeling')[0]!.v.get(0)).toBe(3);
  });

  it('metadata of a scrape whose commit failed is never written again', async () => {
    const storage = new MemoryStorage();
    let fail = true;
    const flaky: Appendable = {
      appender() {
        const app = storage.appender();
        return {
          ...app,
          commit: async () => {
            if (fail) {
              fail = false;
              app.rollback();
              throw new Error('disk I/O error');
            }
            await app.commit();
          },
        };
      },
    };
    const { scrape, loop } = loopWith(flaky, cfgOf(), [BODY, BODY]);
    await scrape();
    expect(loop.health.lastError).toMatch(/storage: disk I\/O error/);
    await scrape();
    expect(storage.byName('node_load1')).toHaveLength(1);
    expect(storage.metadata.get('node_load1')).toEqual({ type: 'gauge', help: '1m load average.', unit: '' });
  });
});

describe('scrape faults: scrape loop limits', () => {
  it('rejects exposed timestamps more than 10 minutes ahead (Prometheus timeLimitAppender, ErrOutOfBounds)', async () => {
    const storage = new MemoryStorage();
    const cfg = cfgOf();
    const future = 1_700_000_000_000 + 15_000 + 24 * 3600_000;
    const { scrape, loop } = loopWith(storage, cfg, [`a 1 ${future}\n`]);
    await scrape();
    expect(storage.byName('a')).toEqual([]);
    expect(loop.health.samplesRejected).toBe(1);
  });
});

class PushSource implements TargetSource {
  cb: ((g: TargetGroup[]) => void) | null = null;
  constructor(private groups: TargetGroup[]) {}
  subscribe(onGroups: (g: TargetGroup[]) => void) {
    this.cb = onGroups;
    onGroups(this.groups);
    return () => {
      this.cb = null;
    };
  }
  push(groups: TargetGroup[]) {
    this.groups = groups;
    this.cb?.(groups);
  }
}
const group = (addr: string): TargetGroup => ({ source: '0', targets: [labelsFrom([[ADDRESS, addr]])], labels: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scrape faults: scrape manager', () => {
  it('routes requests where the route says, keeps the target URL for display, and fails unreachable targets with the reason', async () => {
    const storage = new MemoryStorage();
    const cfg = cfgOf('', '1s');
    const asked: string[] = [];
    const fetch: Fetcher = async (req) => {
      asked.push(req.url);
      return { contentType: TEXT, body: Buffer.from('a 1\n') };
    };
    const m = new ScrapeManager({
      appendable: storage,
      fetcherFor: () => fetch,
      autoStart: false,
      route: (t) => (t.url.includes('h:1') ? { requestUrl: 'https://api.example/proxy/h1', via: 'proxy of h1' } : { unreachable: 'no way to h:2' }),
    });
    m.addPool(cfg, new PushSource([group('h:1'), group('h:2')]));
    await m.scrapeAllOnce();
    expect(asked).toEqual(['https://api.example/proxy/h1']);
    const { active } = m.targets();
    const byInstance = new Map(active.map((t) => [t.labels['instance'], t]));
    expect(byInstance.get('h:1')).toMatchObject({ url: 'http://h:1/metrics', via: 'proxy of h1', health: 'up' });
    expect(byInstance.get('h:2')).toMatchObject({ unreachable: 'no way to h:2', health: 'down', lastError: 'no way to h:2' });
    await m.stop();
  });

  it('stop() (shutdown, no staleness) does not wait two intervals for removed targets', async () => {
    const storage = new MemoryStorage();
    const cfg = cfgOf('', '500ms');
    const fetch: Fetcher = async () => ({ contentType: TEXT, body: Buffer.from('a 1\n') });
    const m = new ScrapeManager({ appendable: storage, fetcherFor: () => fetch });
    const src = new PushSource([group('h:1')]);
    m.addPool(cfg, src);
    await sleep(700);
    src.push([]); // target goes away
    const t0 = Date.now();
    await m.stop({ staleness: false });
    expect(Date.now() - t0).toBeLessThan(300);
  });

  it('a replaced pool keeps writing after stop() returned (its removal is not tracked)', async () => {
    let closed = false;
    const late: number[] = [];
    const storage = new MemoryStorage();
    const appendable: Appendable = {
      appender() {
        const app = storage.appender();
        return {
          ...app,
          append: (l, t, v) => {
            if (closed) late.push(t);
            return app.append(l, t, v);
          },
        };
      },
    };
    const cfg = cfgOf('', '200ms');
    const fetch: Fetcher = async () => ({ contentType: TEXT, body: Buffer.from('a 1\n') });
    const m = new ScrapeManager({ appendable, fetcherFor: () => fetch });
    const src = new PushSource([group('h:1')]);
    m.addPool(cfg, src);
    await sleep(500);
    m.addPool(cfg, src); // config reload: replaces the pool
    await m.stop();
    closed = true; // the caller now closes the database
    await sleep(700);
    expect(late).toEqual([]);
  });

  it('a failing end-of-run commit becomes an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const onRej = (e: unknown) => seen.push(e);
    const listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onRej);
    try {
      let closed = false;
      const storage = new MemoryStorage();
      const appendable: Appendable = {
        appender() {
          const app = storage.appender();
          return { ...app, commit: async () => { if (closed) throw new Error('database closed'); await app.commit(); } };
        },
      };
      const cfg = cfgOf('', '100ms');
      const fetch: Fetcher = async () => ({ contentType: TEXT, body: Buffer.from('a 1\n') });
      const m = new ScrapeManager({ appendable, fetcherFor: () => fetch });
      const src = new PushSource([group('h:1')]);
      m.addPool(cfg, src);
      await sleep(300);
      src.push([]); // target removed: stop({staleness:true}) tracked via track()
      closed = true;
      await sleep(500);
      expect(seen).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRej);
      for (const l of listeners) process.on('unhandledRejection', l as never);
    }
  });
});
