import { describe, expect, it } from 'vitest';
import { toColumnar } from './columnar.js';
import { diagnoseNoData } from './diagnose.js';
import { legendName, metricNames, noDataReason } from './legend.js';
import { DASHBOARD_SOURCES } from './registry.js';
import { parseDashboard } from './schema.js';
import { anchorRange, chooseStep, formatView, interpolate, parseDuration, parseView, PRESETS, rateInterval, resolveRange, shiftRange } from './timerange.js';
import { formatDateTimeInput, formatTime, parseDateTimeInput } from './timezone.js';
import { autoDecimals, formatValue } from './units.js';
import { parseVariableQuery, referencedVars } from './variables.js';

describe('dashboard files', () => {
  // The registry globs resources/dashboards/*.json, as the bundle does: every file is checked here.
  const files = Object.keys(DASHBOARD_SOURCES);
  it('bundles the built-in dashboards', () => {
    expect(files).toContain('cluster.json');
  });
  for (const f of files) {
    it(`${f} is a valid dashboard`, () => {
      const d = parseDashboard(DASHBOARD_SOURCES[f], f);
      expect(d.panels.length).toBeGreaterThan(0);
      // No two panels overlap on the 24-column grid.
      const cells = new Set<string>();
      for (const p of d.panels) {
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            const k = `${x},${y}`;
            expect(cells.has(k), `${p.id} overlaps at ${k}`).toBe(false);
            cells.add(k);
          }
        }
      }
    });
  }
  for (const f of files) {
    it(`${f} refers only to its own variables and Grafana's built-ins`, () => {
      const d = parseDashboard(DASHBOARD_SOURCES[f], f);
      const known = new Set([...d.variables.map((v) => v.name), '__rate_interval', '__interval', '__range']);
      const texts = [
        d.title,
        ...d.variables.map((v) => v.query),
        ...d.panels.flatMap((p) => [p.title, ...p.targets.flatMap((t) => [t.expr, t.legend ?? ''])]),
      ];
      for (const t of texts) for (const name of referencedVars(t)) expect(known.has(name), `$${name} in ${f}: ${t}`).toBe(true);
      for (const v of d.variables) if (v.type === 'query') expect(parseVariableQuery(v.query), v.query).not.toBeNull();
      // Table links name labels the table's rows carry.
      for (const p of d.panels) {
        if (p.type !== 'table' || !p.link) continue;
        for (const name of referencedVars(p.link)) expect(p.by.includes(name) || (p.labelColumns ?? []).some((c) => c.label === name), `${p.id} link $${name}`).toBe(true);
      }
    });
  }
  it('bundles the Nodes, Node, Workloads and GPU dashboards with their variables', () => {
    expect(files).toEqual(expect.arrayContaining(['nodes.json', 'node.json', 'workloads.json', 'gpu.json']));
    const node = parseDashboard(DASHBOARD_SOURCES['node.json'], 'node.json');
    expect(node.variables.map((v) => v.name)).toEqual(['node', 'instance', 'device', 'maxmount']);
    const nodes = parseDashboard(DASHBOARD_SOURCES['nodes.json'], 'nodes.json');
    const table = nodes.panels.find((p) => p.id === 'nodes');
    expect(table?.type === 'table' && table.link).toBe('#/node?node=${nodename}');
  });
  it('rejects a broken dashboard with the paths of its problems', () => {
    const bad = { schemaVersion: 1, uid: 'x', title: 'X', panels: [{ id: 'a', type: 'pie', title: 'A', gridPos: { x: 20, y: 0, w: 8, h: 2 }, targets: [] }] };
    expect(() => parseDashboard(bad, 'bad.json')).toThrow(/bad\.json is not a valid dashboard/);
    const dup = {
      schemaVersion: 1,
      uid: 'x',
      title: 'X',
      panels: ['a', 'a'].map((id, i) => ({ id, type: 'stat', title: 'A', gridPos: { x: i * 4, y: 0, w: 4, h: 2 }, targets: [{ expr: 'up' }] })),
    };
    expect(() => parseDashboard(dup)).toThrow(/duplicate panel id "a"/);
    const wide = { ...dup, panels: [{ ...dup.panels[0], gridPos: { x: 20, y: 0, w: 8, h: 2 } }] };
    expect(() => parseDashboard(wide)).toThrow(/at most 24/);
  });
});

describe('units', () => {
  it('formats IEC bytes', () => {
    expect(formatValue(0, 'bytes')).toBe('0 B');
    expect(formatValue(512, 'bytes')).toBe('512 B');
    expect(formatValue(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatValue(16527034368, 'bytes')).toBe('15.4 GiB');
    expect(formatValue(243073675264, 'bytes')).toBe('226 GiB');
    expect(formatValue(1024 ** 4 * 2, 'bytes')).toBe('2 TiB');
    expect(formatValue(1536, 'bytes', 2)).toBe('1.50 KiB');
  });
  it('formats percent, seconds, ops/s, bits/s, cores and plain numbers', () => {
    expect(formatValue(7.575757, 'percent')).toBe('7.58%');
    expect(formatValue(7.575757, 'percent', 1)).toBe('7.6%');
    expect(formatValue(0.42, 'percentunit')).toBe('42%');
    expect(formatValue(0.0042, 'seconds')).toBe('4.2 ms');
    expect(formatValue(42, 'seconds')).toBe('42 s');
    expect(formatValue(5400, 'seconds')).toBe('1.5 h');
    expect(formatValue(1500, 'ops')).toBe('1.5k ops/s');
    expect(formatValue(12, 'ops')).toBe('12 ops/s');
    expect(formatValue(2_500_000, 'bits')).toBe('2.5 Mb/s');
    expect(formatValue(4.02, 'cores')).toBe('4.02 cores');
    expect(formatValue(1, 'cores')).toBe('1 core');
    expect(formatValue(330, 'short', 0)).toBe('330');
    expect(formatValue(12345, 'short')).toBe('12.3 k');
    expect(formatValue(null, 'short')).toBe('–');
    expect(formatValue(Number.NaN, 'short')).toBe('–');
    expect(formatValue(Infinity, 'short')).toBe('+Inf');
  });
  it('picks decimals by magnitude', () => {
    expect(autoDecimals(1234.5)).toBe(0);
    expect(autoDecimals(12.34)).toBe(1);
    expect(autoDecimals(1.234)).toBe(2);
    expect(autoDecimals(0.01234)).toBe(4);
    expect(autoDecimals(3)).toBe(0);
  });
});

describe('legends and no-data reasons', () => {
  it('fills {{label}} templates', () => {
    expect(legendName('{{node}} ({{resource}})', { node: 'n1', resource: 'cpu' }, 'x')).toBe('n1 (cpu)');
    expect(legendName('{{ missing }}!', {}, 'x')).toBe('!');
    expect(legendName(undefined, { __name__: 'up', job: 'a', instance: 'b' }, 'x')).toBe('up{instance="b", job="a"}');
    expect(legendName(undefined, {}, 'series 1')).toBe('series 1');
    expect(legendName('', { job: 'a' }, 'x')).toBe('{job="a"}');
  });
  it('names the metrics an expression selects and where they come from', () => {
    expect(metricNames('sum(rate(container_cpu_usage_seconds_total{job="kubelet", container!=""}[5m])) by (node)')).toEqual(['container_cpu_usage_seconds_total']);
    expect(
      metricNames('100 * sum(kube_pod_status_phase{phase="Running"}) / sum(kube_node_status_capacity{resource="pods"}) or vector(0)'),
    ).toEqual(['kube_pod_status_phase', 'kube_node_status_capacity']);
    expect(metricNames('x * on(namespace, pod) group_left() max by(namespace, pod) (y == 1) offset 5m')).toEqual(['x', 'y']);
    expect(noDataReason('sum(kube_node_status_condition{condition="Ready"})')).toBe(
      'No series for kube_node_status_condition. Is kube-state-metrics scraped? See Targets.',
    );
    expect(noDataReason('sum(container_memory_working_set_bytes) / sum(node_memory_MemTotal_bytes)')).toMatch(/Are the kubelet's cAdvisor and node-exporter scraped\?/);
    expect(noDataReason('vector(1) == 2')).toBe('The query returned no series.');
  });
});

describe('time ranges, the hash and steps', () => {
  it('parses and writes the view in the hash', () => {
    expect(parseView('')).toEqual({ range: { kind: 'relative', span: '1h' }, refresh: 'off' });
    expect(parseView('range=6h&refresh=30s')).toEqual({ range: { kind: 'relative', span: '6h' }, refresh: '30s' });
    expect(parseView('from=1000&to=5000')).toEqual({ range: { kind: 'absolute', from: 1000, to: 5000 }, refresh: 'off' });
    // Malformed parts fall back to the defaults.
    expect(parseView('range=soon&refresh=2s&from=9&to=3', '15m')).toEqual({ range: { kind: 'relative', span: '15m' }, refresh: 'off' });
    expect(formatView({ range: { kind: 'relative', span: '1h' }, refresh: 'off' })).toBe('');
    expect(formatView({ range: { kind: 'relative', span: '7d' }, refresh: '1m' })).toBe('range=7d&refresh=1m');
    const abs = { range: { kind: 'absolute' as const, from: 1, to: 2 }, refresh: '10s' as const };
    expect(parseView(formatView(abs))).toEqual(abs);
    expect(resolveRange({ kind: 'relative', span: '15m' }, 1_000_000)).toEqual({ start: 100_000, end: 1_000_000 });
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('0m')).toBeNull();
  });
  it('chooses about one point per 2.5 px, at least the scrape interval, rounded to a nice step', () => {
    expect(chooseStep(15 * 60_000, 1000)).toBe(15_000); // 400 points would be 2.25 s apart
    expect(chooseStep(3_600_000, 1000)).toBe(15_000); // 9 s → 15 s
    expect(chooseStep(6 * 3_600_000, 1000)).toBe(60_000); // 54 s → 1 m
    expect(chooseStep(24 * 3_600_000, 1000)).toBe(300_000); // 216 s → 5 m
    expect(chooseStep(7 * 86_400_000, 1000)).toBe(1_800_000); // 1512 s → 30 m
    expect(chooseStep(3_600_000, 250)).toBe(60_000); // 100 points: 36 s → 1 m
    expect(chooseStep(60_000, 1000, 30_000)).toBe(30_000);
    expect(anchorRange(100_500, 200_700, 15_000)).toEqual({ start: 95_700, end: 200_700 });
    expect(anchorRange(100_000, 100_000, 15_000)).toEqual({ start: 85_000, end: 100_000 });
  });
  it('interpolates Grafana interval variables', () => {
    expect(rateInterval(15_000)).toBe(60_000);
    expect(rateInterval(300_000)).toBe(315_000);
    expect(interpolate('rate(x[$__rate_interval]) + y[${__interval}] + z[$__range]', { stepMs: 300_000, rangeMs: 6 * 3_600_000 })).toBe(
      'rate(x[315s]) + y[5m] + z[6h]',
    );
  });
});

describe('range presets, shifting and absolute input', () => {
  it('offers 5 minutes to 30 days, each a valid duration', () => {
    expect(PRESETS[0]).toBe('5m');
    expect(PRESETS.at(-1)).toBe('30d');
    for (const p of PRESETS) expect(parseDuration(p), p).not.toBeNull();
  });

  it.each<[string, number, number, -1 | 1, number, { from: number; to: number }]>([
    ['back by half', 1000, 2000, -1, 5000, { from: 500, to: 1500 }],
    ['forward by half', 1000, 2000, 1, 5000, { from: 1500, to: 2500 }],
    ['forward, stopped at now', 1000, 2000, 1, 2200, { from: 1200, to: 2200 }],
  ])('shifts %s', (_n, start, end, dir, now, expected) => {
    expect(shiftRange(start, end, dir, now)).toEqual({ kind: 'absolute', ...expected });
  });

  it('reads and writes datetime-local values in local time', () => {
    const t = new Date(2026, 10, 23, 14, 5).getTime();
    expect(formatDateTimeInput(t, 'local')).toBe('2026-11-23T14:05');
    expect(parseDateTimeInput('2026-11-23T14:05', 'local')).toBe(t);
    expect(parseDateTimeInput('2026-11-23T14:05:30', 'local')).toBe(t + 30_000);
    expect(parseDateTimeInput('yesterday', 'local')).toBeNull();
  });

  it.each([
    ['a winter afternoon', Date.UTC(2026, 10, 23, 14, 5), '2026-11-23T14:05'],
    ['just past midnight on new year', Date.UTC(2027, 0, 1, 0, 1), '2027-01-01T00:01'],
    ['a summer morning', Date.UTC(2026, 6, 1, 9, 30), '2026-07-01T09:30'],
  ])('reads and writes datetime-local values in UTC: %s', (_n, t, text) => {
    expect(formatDateTimeInput(t, 'utc')).toBe(text);
    expect(parseDateTimeInput(text, 'utc')).toBe(t);
    expect(formatTime(t, 'full', 'utc')).toMatch(/ UTC$/);
    expect(formatTime(t, 'full', 'utc')).toContain(new Date(t).toLocaleString(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).split(' ')[0]!.slice(0, 5));
  });
});

describe('range results → uPlot columns', () => {
  it('aligns series with different timestamps on one sorted x axis, null where a series has no sample', () => {
    const c = toColumnar([
      {
        legend: '{{node}}',
        result: [
          { metric: { node: 'a' }, values: [[10, '1'], [20, '2'], [30, '3']] },
          { metric: { node: 'b' }, values: [[20, '5'], [40, '6']] },
        ],
      },
      { legend: 'total', result: [{ metric: {}, values: [[5, 'NaN'], [40, '+Inf']] }] },
      { result: [] },
    ]);
    expect(c.data[0]).toEqual([5, 10, 20, 30, 40]);
    expect(c.data[1]).toEqual([null, 1, 2, 3, null]);
    expect(c.data[2]).toEqual([null, null, 5, null, 6]);
    expect(c.data[3]).toEqual([null, null, null, null, null]);
    expect(c.series.map((s) => [s.name, s.target])).toEqual([
      ['a', 0],
      ['b', 0],
      ['total', 1],
    ]);
  });
});

describe('no-data diagnosis', () => {
  const target = (labels: Record<string, string>, health: 'up' | 'down' | 'unknown', lastError = '') => ({
    scrapePool: `serviceMonitor/monitoring/${labels['job']}/0`,
    url: 'http://10.0.0.1:8080/metrics',
    via: null,
    unreachable: null,
    health,
    lastError,
    lastScrape: null,
    lastScrapeDurationMs: 0,
    samplesScraped: 0,
    samplesPostRelabeling: 0,
    seriesAdded: 0,
    samplesRejected: 0,
    intervalMs: 30_000,
    timeoutMs: 10_000,
    labels,
    discoveredLabels: {},
  });
  const state = (active: ReturnType<typeof target>[], s: 'running' | 'off' = 'running') => ({
    context: 'c',
    state: s,
    message: s === 'off' ? 'scraping is off (--no-scrape)' : '',
    jobs: [],
    active,
    dropped: [],
  });
  it('says whether the target is missing, down, not scraped yet, or scraped without the metric', () => {
    const m = 'kube_node_status_condition';
    expect(diagnoseNoData(m, 'in-range', null)).toMatch(/is stored, but no series of it match/);
    expect(diagnoseNoData(m, 'elsewhere', null)).toBe(`No samples of ${m} in this range; Kubeglass has it from other times. Try a later or longer range.`);
    expect(diagnoseNoData(m, 'absent', state([], 'off'))).toBe(`No series for ${m}: no context is being scraped (scraping is off (--no-scrape)).`);
    expect(diagnoseNoData(m, 'absent', state([target({ job: 'node-exporter' }, 'up')]))).toMatch(/there is no kube-state-metrics target/);
    expect(diagnoseNoData(m, 'absent', state([target({ job: 'kube-state-metrics' }, 'down', 'connection refused')]))).toBe(
      `No series for ${m}: kube-state-metrics is down (1 of 1 targets): connection refused. See Targets.`,
    );
    expect(diagnoseNoData(m, 'absent', state([target({ job: 'kube-state-metrics' }, 'unknown')]))).toMatch(/has not been scraped yet/);
    expect(diagnoseNoData(m, 'absent', state([target({ job: 'kube-state-metrics' }, 'up')]))).toMatch(/is scraped \(1 of 1 targets up\) but does not expose it/);
    const cadvisor = target({ job: 'kubelet', metrics_path: '/metrics/cadvisor' }, 'down', 'HTTP 403');
    expect(diagnoseNoData('container_memory_working_set_bytes', 'absent', state([cadvisor]))).toMatch(/the kubelet's cAdvisor is down .*HTTP 403/);
    expect(diagnoseNoData('my_app_requests_total', 'absent', state([]))).toMatch(/Is the exporter that exposes it scraped/);
  });
});
