// Grafana import: both reference dashboards convert completely, and small table-driven cases for
// panel types, units, thresholds, variables, rows (old and new layouts) and repeats.
/// <reference types="vite/client" />
// The reference dashboards (../shared/dashboards), as text.
import full1860 from '../../../../shared/dashboards/node-exporter-full-1860.json?raw';
import starsl11074 from '../../../../shared/dashboards/starsl-node-exporter-en-11074.json?raw';
import { describe, expect, it } from 'vitest';
import { convertGrafana, mapColor, mapUnit, toUid } from './grafana.js';
import { layoutDashboard } from './layout.js';
import type { Panel } from './schema.js';
import type { VarValue } from './variables.js';

const FILES: Record<string, string> = { 'node-exporter-full-1860.json': full1860, 'starsl-node-exporter-en-11074.json': starsl11074 };
const load = (f: string): unknown => JSON.parse(FILES[f]!);

const dash = (panels: unknown[], extra: Record<string, unknown> = {}) => ({ uid: 'T1', title: 'T', schemaVersion: 39, panels, ...extra });
const one = (p: Record<string, unknown>): Panel => convertGrafana(dash([{ id: 1, gridPos: { x: 0, y: 0, w: 12, h: 8 }, targets: [{ expr: 'up', refId: 'A' }], ...p }])).dashboard.panels[0]!;
const vv = (values: string[], extra: Partial<VarValue> = {}): VarValue => ({ values, all: false, multi: true, includeAll: false, ...extra });

describe('reference dashboards', () => {
  it('Node Exporter Full (1860): every panel, rows and variables', () => {
    const { dashboard: d, summary } = convertGrafana(load('node-exporter-full-1860.json'));
    expect(summary.panels).toBe(125);
    expect(summary.converted).toBe(125);
    expect(summary.unsupported).toEqual([]);
    expect(summary.rows).toBe(16);
    expect(d.rows.filter((r) => r.collapsed)).toHaveLength(14);
    expect(d.variables.map((v) => v.name)).toEqual(['job', 'nodename', 'node']);
    expect(summary.droppedVariables).toHaveLength(1);
    expect(d.uid).toBe('rydddlpwk');
    const cpu = d.panels.find((p) => p.title === 'CPU Basic')!;
    expect(cpu.type).toBe('timeseries');
    expect(cpu.row).toBe('row-2');
    expect(cpu.targets[0]!.expr).toContain('$__rate_interval');
    const types = new Set(d.panels.map((p) => p.type));
    expect([...types].sort()).toEqual(['gauge', 'stat', 'timeseries']);
    // Collapsed rows' panels are all there, in their rows.
    expect(d.panels.filter((p) => p.row && d.rows.find((r) => r.id === p.row)!.collapsed).length).toBeGreaterThan(100);
  });

  it('StarsL 11074: graphs, stats, old tables with styles, query_result variables', () => {
    const { dashboard: d, summary } = convertGrafana(load('starsl-node-exporter-en-11074.json'));
    expect(summary.panels).toBe(24);
    expect(summary.converted).toBe(24);
    expect(d.variables.find((v) => v.name === 'maxmount')).toMatchObject({ type: 'query', hide: true, regex: '/.*\\"(.*)\\".*/' });
    expect(d.variables.find((v) => v.name === 'node')).toMatchObject({ multi: true, sort: 'alpha' });
    const table = d.panels.find((p) => p.title.startsWith('Server Resource Overview'))!;
    expect(table.type).toBe('table');
    if (table.type !== 'table') return;
    expect(table.by).toEqual(['instance']);
    expect(table.labelColumns).toEqual([{ label: 'nodename', title: 'Hostname' }]);
    const cpu = table.targets.find((t) => t.legend === 'CPU used%')!;
    expect(cpu).toMatchObject({ unit: 'percent', thresholds: [{ value: null, color: 'ok' }, { value: 70, color: 'warn' }, { value: 85, color: 'bad' }] });
    // The uname query only brings the hostname label: hidden by the catch-all /.*/ style.
    expect(table.targets[0]).toMatchObject({ hidden: true });
    expect(table.targets.filter((t) => t.hidden)).toHaveLength(1);
    const ram = d.panels.find((p) => p.title === 'Total RAM')!;
    expect(ram.targets).toEqual([{ expr: expect.stringContaining('node_memory_MemTotal_bytes') as string }]);
    const disk = d.panels.find((p) => p.title.includes('Disk Space Used Basic'))!;
    expect(disk.type === 'table' && disk.by).toEqual(['mountpoint', 'fstype', 'device']);
    expect(d.panels.filter((p) => p.type === 'timeseries')).toHaveLength(15);
  });
});

describe('panels', () => {
  it.each([
    [{ type: 'timeseries' }, 'timeseries'],
    [{ type: 'graph' }, 'timeseries'],
    [{ type: 'stat' }, 'stat'],
    [{ type: 'singlestat' }, 'stat'],
    [{ type: 'gauge' }, 'gauge'],
    [{ type: 'bargauge' }, 'gauge'],
    [{ type: 'table' }, 'table'],
    [{ type: 'table-old' }, 'table'],
    [{ type: 'text', options: { content: '# Hi' } }, 'text'],
    [{ type: 'piechart' }, 'text'],
  ])('%j → %s', (p, type) => {
    expect(one(p).type).toBe(type);
  });

  it('unsupported panels become a note, never an error', () => {
    const p = one({ type: 'heatmap', title: 'Heat' });
    expect(p).toMatchObject({ type: 'text', note: 'panel type heatmap is not supported' });
    expect(one({ type: 'graph', targets: [{ refId: 'A' }] })).toMatchObject({ type: 'text', note: 'this graph panel has no PromQL queries' });
  });

  it('stacking, min/max, units, decimals and legends', () => {
    expect(one({ type: 'timeseries', fieldConfig: { defaults: { unit: 'bytes', min: 0, max: 100, decimals: 2, custom: { stacking: { mode: 'normal' } } } } })).toMatchObject({
      stack: true,
      min: 0,
      max: 100,
      unit: 'bytes',
      decimals: 2,
    });
    expect(one({ type: 'graph', stack: true, yaxes: [{ format: 'Bps', min: '0' }] })).toMatchObject({ stack: true, unit: 'Bps', min: 0 });
    expect(one({ type: 'timeseries', targets: [{ expr: 'up', legendFormat: '{{instance}}' }] }).targets[0]).toEqual({ expr: 'up', legend: '{{instance}}' });
    expect(one({ type: 'timeseries', targets: [{ expr: 'up', hide: true }, { expr: 'x' }] }).targets).toEqual([{ expr: 'x' }]);
  });

  it.each([
    ['bytes', 'bytes'],
    ['decbytes', 'decbytes'],
    ['bits', 'bits'],
    ['bps', 'bits'],
    ['Bps', 'Bps'],
    ['binBps', 'Bps'],
    ['percent', 'percent'],
    ['percentunit', 'percentunit'],
    ['s', 'seconds'],
    ['ms', 'ms'],
    ['ns', 'ns'],
    ['ops', 'ops'],
    ['reqps', 'ops'],
    ['short', 'short'],
    ['none', 'none'],
    ['celsius', 'celsius'],
    ['hertz', 'hertz'],
    ['rotrpm', 'short'],
    [undefined, 'short'],
  ])('unit %s → %s', (g, ours) => expect(mapUnit(g)).toBe(ours));

  it.each([
    ['green', 'ok'],
    ['dark-red', 'bad'],
    ['#EAB839', 'warn'],
    ['rgba(245, 54, 54, 0.9)', 'bad'],
    ['rgba(237, 129, 40, 0.89)', 'warn'],
    ['rgba(50, 172, 45, 0.97)', 'ok'],
    ['blue', 'accent'],
    ['transparent', 'muted'],
  ])('colour %s → %s', (c, tone) => expect(mapColor(c)).toBe(tone));

  it('thresholds: steps and singlestat strings', () => {
    expect(one({ type: 'stat', fieldConfig: { defaults: { thresholds: { steps: [{ color: 'green', value: null }, { color: 'red', value: 80 }] } } } }).thresholds).toEqual([
      { value: null, color: 'ok' },
      { value: 80, color: 'bad' },
    ]);
    expect(one({ type: 'singlestat', thresholds: '1,2', colors: ['green', 'orange', 'red'] }).thresholds).toEqual([
      { value: null, color: 'ok' },
      { value: 1, color: 'warn' },
      { value: 2, color: 'bad' },
    ]);
  });

  it('grid positions are kept, clamped to the 24 columns', () => {
    expect(one({ type: 'stat', gridPos: { x: 20, y: 3, w: 10, h: 60 } }).gridPos).toEqual({ x: 20, y: 3, w: 4, h: 40 });
  });
});

describe('variables', () => {
  const vars = (list: unknown[]) => convertGrafana(dash([{ id: 1, type: 'text', gridPos: { x: 0, y: 0, w: 1, h: 1 } }], { templating: { list } }));
  it('converts query, custom, interval, constant and textbox; drops data sources', () => {
    const r = vars([
      { name: 'ds', type: 'datasource', query: 'prometheus' },
      { name: 'job', type: 'query', query: { query: 'label_values(up, job)' }, regex: '/node.*/', sort: 1, multi: true, includeAll: true, allValue: '.*', current: { value: ['$__all'] } },
      { name: 'labels', type: 'query', definition: 'label_names()', query: 'label_names()' },
      { name: 'c', type: 'custom', query: 'a,b' },
      { name: 'iv', type: 'interval', query: '1m,5m,auto' },
      { name: 'k', type: 'constant', query: 'x' },
      { name: 'tb', type: 'textbox', query: 'y' },
      { name: 'bad', type: 'query', query: 'up{' },
      { name: 'ad', type: 'adhoc' },
    ]);
    expect(r.dashboard.variables).toEqual([
      { name: 'job', type: 'query', query: 'label_values(up, job)', regex: '/node.*/', sort: 'alpha', multi: true, includeAll: true, allValue: '.*', default: ['$__all'] },
      { name: 'labels', type: 'query', query: 'label_names()', sort: 'none' },
      { name: 'c', type: 'custom', query: 'a,b' },
      { name: 'iv', type: 'interval', query: '1m,5m' },
      { name: 'k', type: 'custom', query: 'x', hide: true, default: 'x' },
      { name: 'tb', type: 'custom', query: 'y', default: 'y' },
    ]);
    expect(r.summary.droppedVariables.map((d) => d.split(':')[0])).toEqual(['$ds', '$bad', '$ad']);
  });
});

describe('rows and repeats', () => {
  it('the old rows[] layout: spans and heights', () => {
    const r = convertGrafana({
      title: 'Old',
      schemaVersion: 16,
      rows: [
        { title: 'A', showTitle: true, height: '250px', panels: [{ id: 1, type: 'graph', span: 6, targets: [{ expr: 'up' }] }, { id: 2, type: 'singlestat', span: 6, targets: [{ expr: 'up' }] }] },
        { title: 'B', collapse: true, height: 300, panels: [{ id: 3, type: 'graph', span: 12, targets: [{ expr: 'up' }] }] },
      ],
    });
    expect(r.dashboard.rows).toEqual([
      { id: 'row-1', title: 'A', collapsed: false },
      { id: 'row-2', title: 'B', collapsed: true },
    ]);
    expect(r.dashboard.panels.map((p) => [p.row, p.gridPos])).toEqual([
      ['row-1', { x: 0, y: 1, w: 12, h: 9 }],
      ['row-1', { x: 12, y: 1, w: 12, h: 9 }],
      ['row-2', { x: 0, y: 11, w: 24, h: 10 }],
    ]);
  });

  const repeating = convertGrafana(
    dash(
      [
        { id: 1, type: 'stat', title: 'Up $i', repeat: 'i', maxPerRow: 2, gridPos: { x: 0, y: 0, w: 6, h: 3 }, targets: [{ expr: 'up{instance="$i"}' }] },
        { id: 2, type: 'stat', title: 'Below', gridPos: { x: 0, y: 3, w: 6, h: 3 }, targets: [{ expr: 'up' }] },
        { id: 3, type: 'row', title: 'Row $i', repeat: 'i', gridPos: { x: 0, y: 6, w: 24, h: 1 }, panels: [] },
        { id: 4, type: 'stat', title: 'In $i', gridPos: { x: 0, y: 7, w: 6, h: 3 }, targets: [{ expr: 'up{instance=~"$i"}' }] },
      ],
      { templating: { list: [{ name: 'i', type: 'custom', query: 'a,b,c', multi: true }] } },
    ),
  ).dashboard;

  it('a repeated panel: one copy per value, maxPerRow per line, panels below moved down', () => {
    const s = layoutDashboard(repeating, { i: vv(['a', 'b', 'c']) });
    const top = s[0]!;
    expect(top.panels.map((p) => [p.title, p.gridPos])).toEqual([
      ['Up a', { x: 0, y: 0, w: 12, h: 3 }],
      ['Up b', { x: 12, y: 0, w: 12, h: 3 }],
      ['Up c', { x: 0, y: 3, w: 12, h: 3 }],
      ['Below', { x: 0, y: 6, w: 6, h: 3 }],
    ]);
    expect(top.panels[1]!.targets[0]!.expr).toBe('up{instance="b"}');
    expect(top.height).toBe(9);
  });

  it('a repeated row: one section per value, collapsible', () => {
    const s = layoutDashboard(repeating, { i: vv(['a', 'b']) });
    expect(s.slice(1).map((x) => [x.row?.title, x.panels.map((p) => [p.id, p.targets[0]!.expr, p.gridPos.y])])).toEqual([
      ['Row a', [['p4-a-0', 'up{instance=~"a"}', 0]]],
      ['Row b', [['p4-b-1', 'up{instance=~"b"}', 0]]],
    ]);
    const closed = layoutDashboard(repeating, { i: vv(['a', 'b']) }, new Set(['row-1']));
    expect(closed.slice(1).map((x) => [x.row?.collapsed, x.panels.length])).toEqual([
      [true, 0],
      [true, 0],
    ]);
  });

  it('one value: no copies', () => {
    const s = layoutDashboard(repeating, { i: vv(['a']) });
    expect(s[0]!.panels.map((p) => p.title)).toEqual(['Up a', 'Below']);
    expect(s).toHaveLength(2);
  });
});

describe('misc', () => {
  it('uids and errors', () => {
    expect(toUid('xfpJB9FGz 1')).toBe('xfpjb9fgz-1');
    expect(() => convertGrafana({ title: 'x' })).toThrow(/neither "panels" nor "rows"/);
    expect(convertGrafana({ dashboard: dash([{ id: 1, type: 'stat', gridPos: { x: 0, y: 0, w: 4, h: 4 }, targets: [{ expr: 'up' }] }]) }).dashboard.panels).toHaveLength(1);
  });
});
