import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToRecord } from '../model/labels.js';
import { parseScrapeConfig } from './config.js';
import { populateTarget } from './target.js';

const cfg = (extra = '') =>
  parseScrapeConfig(`
scrape_configs:
- job_name: api
  scrape_interval: 30s
  scrape_timeout: 5s
${extra}`).scrapeConfigs[0]!;

describe('populateTarget', () => {
  it('adds job, instance and the URL from __scheme__, __address__, __metrics_path__ and params', () => {
    const r = populateTarget(labelsFrom({ __address__: 'pod:8080', __meta_kubernetes_pod_name: 'p', env: 'prod' }), cfg("  params: {module: [http_2xx, extra]}\n  metrics_path: /probe"));
    if (!('target' in r)) throw new Error(r.reason);
    expect(r.target.url).toBe('http://pod:8080/probe?module=http_2xx&module=extra');
    expect(labelsToRecord(r.target.labels)).toEqual({ env: 'prod', instance: 'pod:8080', job: 'api' });
    expect(labelsToRecord(r.target.relabeled)).toEqual({
      __address__: 'pod:8080',
      __metrics_path__: '/probe',
      __param_module: 'http_2xx',
      __scheme__: 'http',
      __scrape_interval__: '30s',
      __scrape_timeout__: '5s',
      env: 'prod',
      instance: 'pod:8080',
      job: 'api',
    });
    expect(r.target.intervalMs).toBe(30_000);
    expect(r.target.timeoutMs).toBe(5_000);
  });

  it('adds no default port (Prometheus 3)', () => {
    const r = populateTarget(labelsFrom({ __address__: 'example.com' }), cfg('  scheme: https'));
    if (!('target' in r)) throw new Error(r.reason);
    expect(r.target.url).toBe('https://example.com/metrics');
    expect(labelsToRecord(r.target.labels).instance).toBe('example.com');
  });

  it('lets relabeling set the address, scheme, path, params, interval and instance', () => {
    const r = populateTarget(
      labelsFrom({ __address__: '10.1.2.3:9100', __meta_node: 'worker-1' }),
      cfg(`  relabel_configs:
  - {source_labels: [__meta_node], target_label: instance}
  - {target_label: __address__, replacement: 'apiserver:443'}
  - {target_label: __scheme__, replacement: https}
  - {source_labels: [__meta_node], target_label: __metrics_path__, replacement: '/api/v1/nodes/$1/proxy/metrics'}
  - {target_label: __param_format, replacement: text}
  - {target_label: __scrape_interval__, replacement: 1m}
  - {target_label: __scrape_timeout__, replacement: 20s}`),
    );
    if (!('target' in r)) throw new Error(r.reason);
    expect(r.target.url).toBe('https://apiserver:443/api/v1/nodes/worker-1/proxy/metrics?format=text');
    expect(labelsToRecord(r.target.labels)).toEqual({ instance: 'worker-1', job: 'api' });
    expect(r.target.intervalMs).toBe(60_000);
    expect(r.target.timeoutMs).toBe(20_000);
  });

  it.each([
    ['dropped by relabeling', `  relabel_configs: [{source_labels: [__address__], regex: 'skip.*', action: drop}]`, { __address__: 'skip:1' }, /dropped by relabeling/],
    ['no address', `  relabel_configs: [{target_label: __address__, replacement: ''}]`, { __address__: 'a:1' }, /no address/],
    ['an address with a path', '', { __address__: 'a:1/metrics' }, /invalid \(non-empty\) address/],
    ['a timeout above the interval', `  relabel_configs: [{target_label: __scrape_timeout__, replacement: 1m}]`, { __address__: 'a:1' }, /scrape timeout cannot be greater than scrape interval/],
    ['a bad interval', `  relabel_configs: [{target_label: __scrape_interval__, replacement: soon}]`, { __address__: 'a:1' }, /not a valid duration/],
  ])('drops a target with %s', (_n, extra, labels, reason) => {
    const r = populateTarget(labelsFrom(labels), cfg(extra));
    expect('dropped' in r && r.reason).toMatch(reason);
  });
});

describe('parseScrapeConfig', () => {
  it.each([
    ['an unknown key', 'scrape_configs: [{job_name: a, scrape_intervall: 1s}]', /Unrecognized key.*scrape_intervall/i],
    ['a duplicate job', 'scrape_configs: [{job_name: a}, {job_name: a}]', /multiple scrape configs with job name "a"/],
    ['timeout above interval', 'scrape_configs: [{job_name: a, scrape_interval: 5s, scrape_timeout: 10s}]', /scrape timeout greater than scrape interval/],
    ['a bad duration', 'global: {scrape_interval: 5 seconds}', /not a valid duration string/],
    ['two auth methods', "scrape_configs: [{job_name: a, bearer_token: x, basic_auth: {username: u, password: p}}]", /at most one of/],
    ['a bad relabel action', 'scrape_configs: [{job_name: a, relabel_configs: [{action: explode}]}]', /job "a".*explode/],
    ['broken YAML', 'scrape_configs: [', /not valid YAML/],
  ])('rejects %s', (_n, text, message) => {
    expect(() => parseScrapeConfig(text)).toThrow(message);
  });

  it("takes Prometheus's defaults: 1m interval, 10s timeout capped by the job's interval", () => {
    const c = parseScrapeConfig('scrape_configs: [{job_name: a}, {job_name: b, scrape_interval: 5s}]');
    expect(c.scrapeConfigs.map((s) => [s.intervalMs, s.timeoutMs, s.metricsPath, s.scheme, s.honorTimestamps, s.honorLabels])).toEqual([
      [60_000, 10_000, '/metrics', 'http', true, false],
      [5_000, 5_000, '/metrics', 'http', true, false],
    ]);
  });

  it('builds the Authorization header from basic_auth, authorization or bearer_token', () => {
    const c = parseScrapeConfig(`scrape_configs:
- {job_name: a, basic_auth: {username: u, password: p}}
- {job_name: b, authorization: {credentials: tok}}
- {job_name: c, bearer_token: tok2}`);
    expect(c.scrapeConfigs.map((s) => s.authorization)).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`, 'Bearer tok', 'Bearer tok2']);
  });
});
