// The /api/v1 transport: parameter parsing, Prometheus's JSON envelope, status codes and error
// types, and the guards it shares with the browser server. The engine behind it is faked here;
// core/promql/api.test.ts runs the real one.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError } from '../api/errors.js';
import { portPair, RpcClient, RpcServer } from '../api/rpc.js';
import { fakeHandlers } from '../api/testing.js';
import { startBrowserServer, type BrowserServer } from './http.js';
import { parseDurationParam, parseTime } from './prom-api.js';

let server: BrowserServer;
let rpc: RpcServer;
let root: string;
let calls: { name: string; params: unknown }[];

beforeEach(async () => {
  calls = [];
  root = mkdtempSync(path.join(os.tmpdir(), 'kg-promapi-'));
  const record = (name: string, params: unknown) => calls.push({ name, params });
  const handlers = fakeHandlers({
    'promql.query': async (p) => {
      record('promql.query', p);
      if (p.query === 'bad(') throw new ContractError('bad_data', '1:5: parse error: unexpected end of input');
      if (p.query === 'boom') throw new ContractError('execution', 'vector cannot contain metrics with the same labelset');
      if (p.query === 'slow') throw new ContractError('timeout', 'query timed out in query execution');
      return { data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [1.5, '1'] }] }, warnings: p.query === 'warn' ? ['PromQL warning: w'] : [], infos: [] };
    },
    'promql.queryRange': async (p) => {
      record('promql.queryRange', p);
      return { data: { resultType: 'matrix', result: [] }, warnings: [], infos: [] };
    },
    'promql.series': async (p) => {
      record('promql.series', p);
      return [{ __name__: 'up', job: 'a' }];
    },
    'promql.labelValues': async (p) => {
      record('promql.labelValues', p);
      return ['a', 'b'];
    },
    'targets.list': async () => ({
      context: 'prod',
      state: 'running',
      message: '',
      jobs: [],
      active: [
        {
          scrapePool: 'kubeglass/node-exporter',
          url: 'http://10.0.0.5:9100/metrics',
          via: 'API server proxy of pod monitoring/ne-1',
          unreachable: null,
          health: 'up',
          lastError: '',
          lastScrape: 1_700_000_000_250,
          lastScrapeDurationMs: 42,
          samplesScraped: 10,
          samplesPostRelabeling: 10,
          seriesAdded: 0,
          samplesRejected: 0,
          intervalMs: 30_000,
          timeoutMs: 10_000,
          labels: { job: 'node-exporter', instance: 'node-1' },
          discoveredLabels: { __address__: '10.0.0.5:9100' },
        },
      ],
      dropped: [{ scrapePool: 'kubeglass/annotated-pods', discoveredLabels: { __address__: '10.0.0.7:80' }, reason: 'dropped by relabeling' }],
    }),
  });
  const [a, b] = portPair();
  rpc = new RpcServer(b, handlers);
  server = await startBrowserServer({ api: new RpcClient(a), staticDir: root, token: 'tok' });
});

afterEach(async () => {
  await server.close();
  rpc.close();
  rmSync(root, { recursive: true, force: true });
});

// The Prometheus envelope, loosely: each test looks at the fields it asserts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of many shapes
type Reply = Record<string, any>;

function request(pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: Reply; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('Prometheus HTTP API', () => {
  it("lists targets in Prometheus's shape, filtered by state and pool", async () => {
    const r = await request('/api/v1/targets');
    expect(r.body.data).toEqual({
      activeTargets: [
        {
          discoveredLabels: { __address__: '10.0.0.5:9100' },
          labels: { job: 'node-exporter', instance: 'node-1' },
          scrapePool: 'kubeglass/node-exporter',
          scrapeUrl: 'http://10.0.0.5:9100/metrics',
          globalUrl: 'http://10.0.0.5:9100/metrics',
          lastError: '',
          lastScrape: '2023-11-14T22:13:20.250Z',
          lastScrapeDuration: 0.042,
          health: 'up',
          scrapeInterval: '30s',
          scrapeTimeout: '10s',
        },
      ],
      droppedTargets: [{ discoveredLabels: { __address__: '10.0.0.7:80' }, scrapePool: 'kubeglass/annotated-pods' }],
      droppedTargetCounts: { 'kubeglass/annotated-pods': 1 },
    });
    expect((await request('/api/v1/targets?state=active')).body.data.droppedTargets).toEqual([]);
    expect((await request('/api/v1/targets?state=dropped')).body.data.activeTargets).toEqual([]);
    expect((await request('/api/v1/targets?scrapePool=other')).body.data.activeTargets).toEqual([]);
  });

  it('answers an instant query without a token, in the Prometheus envelope', async () => {
    const r = await request('/api/v1/query?query=up&time=1700000000.5');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.body).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [1.5, '1'] }] } });
    expect(calls[0]).toEqual({ name: 'promql.query', params: { query: 'up', time: 1700000000500 } });
  });

  it('takes form-encoded POST parameters, RFC 3339 times and duration steps', async () => {
    const body = new URLSearchParams({ query: 'rate(x[5m])', start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00.250Z', step: '1m30s', timeout: '10s' }).toString();
    const r = await request('/api/v1/query_range', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expect(r.status).toBe(200);
    expect(calls[0]).toEqual({ name: 'promql.queryRange', params: { query: 'rate(x[5m])', start: 1704067200000, end: 1704070800250, step: 90_000, timeoutMs: 10_000 } });
  });

  it('passes warnings along', async () => {
    expect((await request('/api/v1/query?query=warn')).body.warnings).toEqual(['PromQL warning: w']);
  });

  it.each([
    ['/api/v1/query?query=bad(', 400, 'bad_data', '1:5: parse error: unexpected end of input'],
    ['/api/v1/query?query=boom', 422, 'execution', 'vector cannot contain metrics with the same labelset'],
    ['/api/v1/query?query=slow', 503, 'timeout', 'query timed out in query execution'],
    ['/api/v1/query', 400, 'bad_data', 'invalid parameter "query": parameter is required'],
    ['/api/v1/query?query=up&time=yesterday', 400, 'bad_data', 'invalid parameter "time": cannot parse "yesterday" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=10&end=5&step=1', 400, 'bad_data', 'end timestamp must not be before start time'],
    ['/api/v1/query_range?query=up&start=0&end=5&step=0', 400, 'bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['/api/v1/query_range?query=up&start=0&end=5&step=x', 400, 'bad_data', 'invalid parameter "step": cannot parse "x" to a valid duration'],
    ['/api/v1/series', 400, 'bad_data', 'no match[] parameter provided'],
    ['/api/v1/nope', 404, 'not_found', 'unknown API endpoint /api/v1/nope'],
    ['/api/v1/query?query=up&time=2024-01-01T00:00:00', 400, 'bad_data', 'invalid parameter "time": cannot parse "2024-01-01T00:00:00" to a valid timestamp'],
    ['/api/v1/query_range?query=up&start=0&end=5&step=1s1h', 400, 'bad_data', 'invalid parameter "step": cannot parse "1s1h" to a valid duration'],
  ])('%s → %d %s', async (url, status, errorType, error) => {
    const r = await request(url);
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ status: 'error', errorType, error });
  });

  it('answers series, label values (with UTF-8 escaped names) and buildinfo', async () => {
    expect((await request('/api/v1/series?match[]=up&match[]=%7Bjob%3D%22a%22%7D&start=0')).body.data).toEqual([{ __name__: 'up', job: 'a' }]);
    expect(calls.at(-1)).toEqual({ name: 'promql.series', params: { match: ['up', '{job="a"}'], start: 0 } });
    expect((await request('/api/v1/label/U__my_2e_label/values')).body.data).toEqual(['a', 'b']);
    expect(calls.at(-1)).toEqual({ name: 'promql.labelValues', params: { name: 'my.label' } });
    const info = await request('/api/v1/status/buildinfo');
    expect(info.body.status).toBe('success');
    expect(typeof info.body.data.version).toBe('string');
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, and grants no CORS', async () => {
    expect((await request('/api/v1/query?query=up', { headers: { Host: 'evil.example:80' } })).status).toBe(421);
    expect((await request('/api/v1/query?query=up', { headers: { Origin: 'http://evil.example' } })).status).toBe(403);
    const ok = await new Promise<http.IncomingHttpHeaders>((resolve) => http.get({ host: '127.0.0.1', port: server.port, path: '/api/v1/query?query=up' }, (res) => (res.resume(), resolve(res.headers))));
    expect(ok['access-control-allow-origin']).toBeUndefined();
  });
});

it('answers other methods with 405', async () => {
  const r = await request('/api/v1/query?query=up', { method: 'PUT' });
  expect([r.status, r.body.errorType]).toEqual([405, 'bad_data']);
});

describe('time and duration parameters', () => {
  it.each([
    ['1700000000', 1700000000000],
    ['1700000000.123', 1700000000123],
    ['-1.5', -1500],
    ['2024-01-01T00:00:00Z', 1704067200000],
    ['2024-01-01T02:00:00+02:00', 1704067200000],
    // Prometheus's own "no bound" sentinels, clamped to the dates JavaScript can hold.
    ['-292273086-05-16T16:47:06Z', -8.64e15],
    ['292277025-08-18T07:12:54.999999999Z', 8.64e15],
    ['1e300', 8.64e15],
  ])('time %s', (s, ms) => expect(parseTime('time', s)).toBe(ms));
  it.each([
    ['15', 15_000],
    ['0.5', 500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['250ms', 250],
  ])('duration %s', (s, ms) => expect(parseDurationParam('step', s)).toBe(ms));
});
