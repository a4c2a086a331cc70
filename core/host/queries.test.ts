// The query service on a real TSDB, reached the way users reach it: through the contract, and
// through /api/v1 by Prometheus's own client, promtool (where installed; CI installs it).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError } from '../api/errors.js';
import { portPair, RpcClient, RpcServer } from '../api/rpc.js';
import { fakeHandlers } from '../api/testing.js';
import { labelsFrom } from '../model/labels.js';
import { startBrowserServer, type BrowserServer } from '../server/http.js';
import { openContextDb } from '../tsdb/store.js';
import { QueryService } from './queries.js';

const PROMTOOL = '/usr/bin/promtool';
const T0 = 1_700_000_000_000;
const signal = new AbortController().signal;

let dir: string;
let service: QueryService;
let context: string | null = 'prod';

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kg-queries-'));
  const db = openContextDb(dir, 'prod');
  const app = db.appender();
  // Two jobs' counters every 15 s for 10 minutes.
  for (let i = 0; i <= 40; i++) {
    for (const [job, per] of [['api', 10], ['db', 2]] as const) {
      app.append(labelsFrom({ __name__: 'http_requests_total', job, instance: `${job}:80` }), T0 + i * 15_000, i * per * 15);
      app.append(labelsFrom({ __name__: 'up', job, instance: `${job}:80` }), T0 + i * 15_000, 1);
    }
  }
  app.updateMetadata('http_requests_total', { type: 'counter', help: 'Requests served.', unit: '' });
  await app.commit();
  db.close();
  service = new QueryService({ dataDir: dir, context: () => context, now: () => T0 + 600_000 });
});

afterAll(() => {
  service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('QueryService', () => {
  const h = () => service.handlers;

  it('runs instant and range queries on the context database, in the API shapes', async () => {
    const r = await h()['promql.query']({ query: 'sum by (job) (rate(http_requests_total[5m]))' }, { signal });
    expect(r.data.resultType).toBe('vector');
    const byJob = Object.fromEntries((r.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => [s.metric.job, s.value]));
    expect(Object.keys(byJob).sort()).toEqual(['api', 'db']);
    expect(byJob.api![0]).toBe(T0 / 1000 + 600);
    expect(Number(byJob.api![1])).toBeCloseTo(10, 9);
    expect(Number(byJob.db![1])).toBeCloseTo(2, 9);
    const range = await h()['promql.queryRange']({ query: 'up{job="api"}', start: T0, end: T0 + 60_000, step: 30_000 }, { signal });
    expect(range.data).toEqual({ resultType: 'matrix', result: [{ metric: { __name__: 'up', instance: 'api:80', job: 'api' }, values: [[T0 / 1000, '1'], [T0 / 1000 + 30, '1'], [T0 / 1000 + 60, '1']] }] });
  });

  it('answers series, labels, label values, metadata and format_query', async () => {
    expect(await h()['promql.series']({ match: ['up{job="db"}'] }, { signal })).toEqual([{ __name__: 'up', instance: 'db:80', job: 'db' }]);
    expect(await h()['promql.labels']({}, { signal })).toEqual(['__name__', 'instance', 'job']);
    expect(await h()['promql.labelValues']({ name: 'job', match: ['http_requests_total'] }, { signal })).toEqual(['api', 'db']);
    expect(await h()['promql.metadata']({}, { signal })).toEqual({ http_requests_total: [{ type: 'counter', help: 'Requests served.', unit: '' }] });
    expect(await h()['promql.format']({ query: 'sum(rate(x[5m]))by(job)' }, { signal })).toBe('sum by (job) (rate(x[5m]))');
  });

  it.each([
    ['a parse error', { query: 'sum(' }, 'bad_data', /^1:5: parse error: unclosed left parenthesis/],
    ['a bad series selector', { query: 'up' }, 'bad_data', /parse error/],
    ['an execution error', { query: 'http_requests_total + on() up' }, 'execution', /^found duplicate series for the match group \{\} on the right hand-side/],
  ])('reports %s with its type', async (_name, params, code, message) => {
    const run = () =>
      params.query === 'up' ? h()['promql.series']({ match: ['up{'] }, { signal }) : h()['promql.query'](params as { query: string }, { signal });
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractError);
    expect((err as ContractError).code).toBe(code);
    expect((err as ContractError).message).toMatch(message);
  });

  it('stops a query whose caller went away, and one over its time budget', async () => {
    const gone = new AbortController();
    gone.abort();
    await expect(h()['promql.queryRange']({ query: 'rate(http_requests_total[5m])', start: T0, end: T0 + 600_000, step: 1000 }, { signal: gone.signal })).rejects.toMatchObject({ code: 'cancelled' });
    await expect(h()['promql.queryRange']({ query: 'rate(http_requests_total[5m]) * on(job) group_left sum by (job) (rate(http_requests_total[1m]))', start: T0, end: T0 + 600_000, step: 100, timeoutMs: 1 }, { signal })).rejects.toMatchObject({ code: 'timeout', message: 'query timed out in query execution' });
  });

  it('stops a running query as soon as its caller goes away', async () => {
    // Hundreds of millions of window points: many seconds of work unless the cancellation gets
    // through, so it cannot finish before the abort on any machine.
    const gone = new AbortController();
    const running = h()['promql.queryRange']({ query: 'max_over_time(rate(http_requests_total[5m])[10m:10ms])', start: T0, end: T0 + 600_000, step: 60 }, { signal: gone.signal });
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      gone.abort();
    }, 50);
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(500);
  });

  it("refuses a range of more than 11,000 points, as Prometheus's API does", async () => {
    await expect(h()['promql.queryRange']({ query: 'up', start: T0, end: T0 + 600_000, step: 1 }, { signal })).rejects.toMatchObject({ code: 'bad_data', message: /exceeded maximum resolution of 11,000 points/ });
  });

  it('lets a running query finish on the database of the context it started on when the user switches', async () => {
    const dev = openContextDb(dir, 'dev');
    const app = dev.appender();
    app.append(labelsFrom({ __name__: 'up', job: 'dev' }), T0, 1);
    await app.commit();
    dev.close();
    // The right-hand selector is read after the left side's work, well after the switch.
    const running = h()['promql.queryRange']({ query: 'max_over_time(rate(http_requests_total[5m])[10m:10ms]) * on(job) group_left up', start: T0, end: T0 + 600_000, step: 10_000 }, { signal });
    await new Promise((r) => setTimeout(r, 15));
    context = 'dev';
    try {
      const other = await h()['promql.query']({ query: 'up', time: T0 }, { signal });
      expect(other.data.result).toHaveLength(1);
      const first = await running;
      expect(first.data.resultType).toBe('matrix');
      expect((first.data.result as unknown[]).length).toBe(2);
    } finally {
      context = 'prod';
    }
  });

  it('says so when no context is selected', async () => {
    context = null;
    try {
      await expect(h()['promql.query']({ query: 'up' }, { signal })).rejects.toMatchObject({ code: 'unavailable', message: /no context selected/ });
    } finally {
      context = 'prod';
    }
  });
});

describe.skipIf(!existsSync(PROMTOOL))('promtool as a client of /api/v1', () => {
  let server: BrowserServer;
  let rpc: RpcServer;
  const promtool = (...args: string[]) => promisify(execFile)(PROMTOOL, ['query', ...args], { timeout: 20_000 }).then((r) => r.stdout);

  beforeAll(async () => {
    const [a, b] = portPair();
    rpc = new RpcServer(b, fakeHandlers(service.handlers));
    server = await startBrowserServer({ api: new RpcClient(a), staticDir: dir });
  });
  afterAll(async () => {
    await server.close();
    rpc.close();
  });

  it('reads instant and range results', async () => {
    const url = `http://127.0.0.1:${server.port}`;
    const instant = await promtool('instant', '--time', String((T0 + 600_000) / 1000), url, 'sum by (job) (rate(http_requests_total[5m]))');
    const lines = instant.trim().split('\n').sort();
    expect(lines.map((l) => l.replace(/=> \S+ /, '=> V '))).toEqual([`{job="api"} => V @[${(T0 + 600_000) / 1000}]`, `{job="db"} => V @[${(T0 + 600_000) / 1000}]`]);
    expect(lines.map((l) => Number(/=> (\S+) /.exec(l)![1]))).toEqual([expect.closeTo(10, 9), expect.closeTo(2, 9)]);
    const range = await promtool('range', '--start', String(T0 / 1000), '--end', String(T0 / 1000 + 30), '--step', '15s', url, 'up{job="db"}');
    expect(range.trim()).toBe(`up{instance="db:80", job="db"} =>\n1 @[${T0 / 1000}]\n1 @[${T0 / 1000 + 15}]\n1 @[${T0 / 1000 + 30}]`);
  });

  it('reads series and label values, and reports our errors', async () => {
    const url = `http://127.0.0.1:${server.port}`;
    expect((await promtool('series', '--match', 'up{job="api"}', url)).trim()).toBe('{__name__="up", instance="api:80", job="api"}');
    expect((await promtool('labels', url, 'job')).trim().split('\n')).toEqual(['api', 'db']);
    const failed = await promtool('instant', url, 'sum(').catch((e: { stderr: string }) => e.stderr);
    expect(failed).toMatch(/bad_data: 1:5: parse error: unclosed left parenthesis/);
  });
});
