// Faults injected into the demo cluster show on the affected target with a clear reason, and
// scraping recovers when they clear: a malformed exposition, a target that hangs past the scrape
// timeout, one that refuses connections, and the API server going away and coming back (with
// scrapes through its proxy, and through port-forwards, whose dropped streams are replaced).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiServerDown, apiServerUp, clearTargetFaults, hangTarget, malformedTarget, refuseTarget, slowProxy, startDemoCluster, type RunningDemoCluster } from '../demo/index.js';
import { runFaultCommand } from '../demo/fault-commands.js';
import type { Node } from './objects.js';
import { sharedCA } from '../demo/testing.js';
import type { TargetStatus } from '../scrape/manager.js';
import { MemoryStorage } from '../tsdb/memory.js';
import { ClusterScraping } from './cluster-scraping.js';
import { eventually } from './sd/testing.js';

let demo: RunningDemoCluster;
let scraping: ClusterScraping;


/**
 * The node-exporter target of the first worker, scraped once more; null while its pool is being
 * replaced (the cluster's own ServiceMonitor takes over from the built-in job once it is listed).
 */
async function exporter(): Promise<TargetStatus | null> {
  await scraping.manager.scrapeAllOnce();
  return scraping.targets().active.find((x) => x.labels['job'] === 'node-exporter' && x.labels['instance'] === 'demo-worker-01') ?? null;
}

/** The target once it is in the given health. */
const inHealth = (health: TargetStatus['health']) => eventually(async () => {
  const t = await exporter();
  return t?.health === health ? t : null;
});

beforeAll(async () => {
  demo = await startDemoCluster({ nodes: 3, seed: 3, ca: await sharedCA(), dialTimeoutMs: 300 });
  scraping = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: new MemoryStorage(), autoStart: false, scrapeTimeoutMs: 1000, scrapeIntervalMs: 5000 });
  scraping.start();
  await eventually(() => scraping.targets().active.some((x) => x.labels['instance'] === 'demo-worker-01' && x.labels['job'] === 'node-exporter'));
  expect((await inHealth('up')).health).toBe('up');
}, 60_000);
afterAll(async () => {
  await scraping?.stop();
  await demo?.close();
});

describe('faults on a target', () => {
  const ref = { node: 'demo-worker-01', port: 9100 };

  it.each<[string, () => () => void, RegExp]>([
    ['a malformed exposition', () => malformedTarget(demo.network, ref), /line \d+/],
    ['a target that hangs past the timeout', () => hangTarget(demo.network, ref, 10_000), /deadline exceeded|timeout/i],
    ['a target that refuses connections', () => refuseTarget(demo.network, ref), /503|refused/i],
  ])('%s: down with the reason, up again once cleared', async (_name, inject, reason) => {
    const undo = inject();
    try {
      const down = await inHealth('down');
      expect(down.lastError).toMatch(reason);
    } finally {
      undo();
      clearTargetFaults(demo.network);
    }
    expect((await inHealth('up')).lastError).toBe('');
  }, 30_000);
});

describe('the API server going away', () => {
  it('makes scrapes fail with the connection error, and they recover when it is back', async () => {
    await apiServerDown(demo);
    try {
      const t = await inHealth('down');
      expect(t.lastError).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await apiServerUp(demo);
    }
    expect((await inHealth('up')).health).toBe('up');
  }, 40_000);
});

describe('a port-forward dropped by the API server going away', () => {
  it('fails the scrape, and a new forward carries the next scrapes once it is back', async () => {
    const pf = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: new MemoryStorage(), autoStart: false, preferPortForward: true, scrapeTimeoutMs: 5000, scrapeIntervalMs: 10000, derivedCheckMs: 0 });
    pf.start();
    const target = async () => {
      await pf.manager.scrapeAllOnce();
      return pf.targets().active.find((x) => x.labels['job'] === 'node-exporter' && x.labels['instance'] === 'demo-worker-01') ?? null;
    };
    try {
      const up = await eventually(async () => {
        const t = await target();
        return t?.health === 'up' ? t : null;
      });
      expect(up.via).toMatch(/^port-forward to pod monitoring\//);
      await apiServerDown(demo);
      try {
        const down = await eventually(async () => {
          const t = await target();
          return t?.health === 'down' ? t : null;
        });
        // Either the stream that carried the kept-alive connection closing, or the new forward refused.
        expect(down.lastError).toMatch(/^port-forward to pod monitoring\/node-exporter-[a-z0-9]+:9100 failed: (the API server closed the port-forward stream|.*ECONNREFUSED)/);
      } finally {
        await apiServerUp(demo);
      }
      const back = await eventually(async () => {
        const t = await target();
        return t?.health === 'up' ? t : null;
      });
      expect(back.via).toMatch(/^port-forward to pod monitoring\//);
    } finally {
      await pf.stop();
    }
  }, 60_000);
});

describe('a slow API server proxy', () => {
  it('moves the pod to a port-forward after three slow scrapes, and back once the proxy is fast when tried again', async () => {
    // 1 s timeout: the proxy's 700 ms stall is over half of it; the proxy is retried after 2 s.
    const s = new ClusterScraping({ kubeconfig: demo.kubeconfig, appendable: new MemoryStorage(), autoStart: false, scrapeTimeoutMs: 1000, scrapeIntervalMs: 5000, derivedCheckMs: 0, slowProxy: { retryAfterMs: 2000 } });
    s.start();
    const target = async () => {
      await s.manager.scrapeAllOnce();
      // Routes are refreshed on the next tick after a decision.
      await new Promise((r) => setTimeout(r, 10));
      return s.targets().active.find((x) => x.labels['job'] === 'node-exporter' && x.labels['instance'] === 'demo-worker-01') ?? null;
    };
    const until = (ok: (t: TargetStatus) => boolean) => eventually(async () => {
      const t = await target();
      return t && ok(t) ? t : null;
    });
    try {
      const fast = await until((t) => t.health === 'up');
      expect(fast.via).toMatch(/^API server proxy of pod monitoring\/node-exporter-[a-z0-9]+$/);
      const undo = slowProxy(demo.network, { node: 'demo-worker-01', port: 9100 }, 700);
      let slowSeen = 0;
      const moved = await until((t) => {
        if (t.lastScrapeDurationMs >= 500) slowSeen++;
        return t.via?.startsWith('port-forward') ?? false;
      });
      expect(slowSeen).toBeGreaterThanOrEqual(3);
      expect(moved.via).toMatch(/^port-forward to pod monitoring\/node-exporter-[a-z0-9]+:9100 \(the API server proxy was slow: 3 scrapes in a row took at least 50% of the 1\.0 s timeout or timed out, the last took 0\.[5-9] s; the proxy is tried again at \d\d:\d\d:\d\d UTC\)$/);
      // Through the port-forward the stall is gone.
      const forwarded = await target();
      expect(forwarded).toMatchObject({ health: 'up' });
      expect(forwarded!.lastScrapeDurationMs).toBeLessThan(500);
      // Still slow when tried again: straight back to the port-forward.
      await new Promise((r) => setTimeout(r, 2100));
      const retried = await until((t) => t.via?.includes('still slow when tried again') ?? false);
      expect(retried.via).toMatch(/^port-forward to pod /);
      // The proxy recovers; at the next retry (the wait doubled to 4 s) the pod goes back to it for good.
      undo();
      await new Promise((r) => setTimeout(r, 4100));
      const back = await until((t) => t.via?.startsWith('API server proxy') === true && !t.via.includes('('));
      expect(back.health).toBe('up');
      expect(back.lastScrapeDurationMs).toBeLessThan(500);
    } finally {
      clearTargetFaults(demo.network);
      await s.stop();
    }
  }, 60_000);
});

describe('the slow-proxy fault command', () => {
  it.each<[string, string, number | null]>([
    ['slow-proxy demo-worker-01 9100 700', 'ok slow-proxy demo-worker-01 9100 700', 700],
    ['slow-proxy all 250', 'ok slow-proxy all 250', 250],
    ['slow-proxy demo-worker-01 9100', 'error: slow-proxy needs 3 arguments', null],
    ['slow-proxy demo-worker-01 9100 soon', 'error: "soon" is not a delay in milliseconds', null],
    ['slow-proxy nope 9100 10', 'error: nodes "nope" not found', null],
  ])('%s', async (line, answer, delay) => {
    try {
      expect(await runFaultCommand(demo, line)).toBe(answer);
      const ip = demo.cluster.get<Node>('nodes', undefined, 'demo-worker-01')!.status.addresses.find((a) => a.type === 'InternalIP')!.address;
      expect(demo.network.proxyDelay(ip, 9100) || null).toBe(delay);
    } finally {
      expect(await runFaultCommand(demo, 'clear-targets')).toBe('ok clear-targets');
    }
    expect(demo.network.proxyDelays.size).toBe(0);
  });
});
