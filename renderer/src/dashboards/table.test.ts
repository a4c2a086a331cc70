import { describe, expect, it } from 'vitest';
import type { QueryData } from '../../../core/api/contract.js';
import { Panel } from './schema.js';
import { cellText, filterRows, initialSort, sortRows, tableColumns, tableRows, type Row } from './table.js';

const vec = (...series: [Record<string, string>, number][]): QueryData => ({
  resultType: 'vector',
  result: series.map(([metric, v]) => ({ metric, value: [1, String(v)] as [number, string] })),
});

const panel = Panel.parse({
  id: 'nodes',
  type: 'table',
  title: 'Nodes',
  gridPos: { x: 0, y: 0, w: 24, h: 8 },
  by: ['nodename'],
  byTitles: { nodename: 'Hostname' },
  labelColumns: [{ label: 'internal_ip', title: 'IP' }, { label: 'kernel', after: true }],
  unit: 'short',
  targets: [
    { expr: 'info', hidden: true },
    { expr: 'mem', legend: 'Memory', unit: 'bytes' },
    { expr: 'cpu', legend: 'CPU used', unit: 'percent', decimals: 1, thresholds: [{ value: null, color: 'ok' }, { value: 80, color: 'bad' }] },
  ],
});
if (panel.type !== 'table') throw new Error('table expected');

const results = [
  vec([{ nodename: 'b', internal_ip: '10.0.0.2', kernel: '6.8' }, 1], [{ nodename: 'a', internal_ip: '10.0.0.1' }, 1]),
  vec([{ nodename: 'a', instance: 'a:9100' }, 2048], [{ nodename: 'b' }, 1024], [{ nodename: 'c' }, 4096]),
  vec([{ nodename: 'a' }, 12.34], [{ nodename: 'b' }, 91], [{ nodename: 'c' }, Number.NaN]),
];

describe('table panels', () => {
  const columns = tableColumns(panel);
  const rows = tableRows(panel.by, results);
  const row = (k: string) => rows.find((r) => r.key === k)!;

  it('lays out by-label, label and value columns, hiding hidden targets', () => {
    expect(columns.map((c) => `${c.id}=${c.title}`)).toEqual(['by:nodename=Hostname', 'label:internal_ip=IP', 'target:1=Memory', 'target:2=CPU used', 'label:kernel=kernel']);
    expect(columns.find((c) => c.id === 'target:2')).toMatchObject({ unit: 'percent', decimals: 1, thresholds: [{ value: null, color: 'ok' }, { value: 80, color: 'bad' }] });
    expect(columns.find((c) => c.id === 'target:1')).toMatchObject({ unit: 'bytes' });
  });

  it('merges every target into one row per by-label value, with the labels of its series', () => {
    expect(rows.map((r) => r.key).sort()).toEqual(['a', 'b', 'c']);
    expect(row('a').values).toEqual([1, 2048, 12.34]);
    expect(row('c').values.slice(0, 2)).toEqual([null, 4096]);
    expect(row('a').labels).toEqual({ nodename: 'a', internal_ip: '10.0.0.1', instance: 'a:9100' });
    expect(row('b').labels['kernel']).toBe('6.8');
  });

  it.each<[string, string, string]>([
    ['by:nodename', 'a', 'a'],
    ['label:internal_ip', 'b', '10.0.0.2'],
    ['label:internal_ip', 'c', ''],
    ['target:1', 'a', '2 KiB'],
    ['target:2', 'a', '12.3%'],
    ['target:2', 'c', '–'],
  ])('shows %s of row %s as %j', (col, key, text) => {
    expect(cellText(columns.find((c) => c.id === col)!, row(key))).toBe(text);
  });

  it('says which label is missing in a blank by-label cell', () => {
    const [blank] = tableRows(['node'], [vec([{}, 1])]);
    expect(cellText({ id: 'by:node', title: 'node', kind: 'by', label: 'node' }, blank!)).toBe('(no node)');
  });

  const keys = (rs: Row[]) => rs.map((r) => r.key);
  const col = (id: string) => columns.find((c) => c.id === id)!;
  it.each<[string | null, boolean, string[]]>([
    [null, false, ['a', 'b', 'c']],
    ['target:1', false, ['b', 'a', 'c']],
    ['target:1', true, ['c', 'a', 'b']],
    // NaN and missing values last, either way.
    ['target:2', true, ['b', 'a', 'c']],
    ['target:2', false, ['a', 'b', 'c']],
    ['label:internal_ip', false, ['c', 'a', 'b']],
    ['by:nodename', true, ['c', 'b', 'a']],
  ])('sorts by %s (descending %s)', (id, desc, want) => {
    expect(keys(sortRows(rows, id ? col(id) : null, desc))).toEqual(want);
  });

  it('sorts names naturally (node-2 before node-10)', () => {
    const rs = tableRows(['n'], [vec([{ n: 'node-10' }, 1], [{ n: 'node-2' }, 1], [{ n: 'node-1' }, 1])]);
    expect(keys(sortRows(rs, null, false))).toEqual(['node-1', 'node-2', 'node-10']);
  });

  it.each<[string, string[]]>([
    ['', ['a', 'b', 'c']],
    ['10.0.0.2', ['b']],
    ['KiB', ['a', 'b', 'c']],
    ['4 kib', ['c']],
    ['b 91', ['b']],
    ['nothing', []],
  ])('filters on %j', (f, want) => {
    expect(keys(filterRows(sortRows(rows, null, false), columns, f))).toEqual(want);
  });

  it.each<[string | undefined, { id: string; desc: boolean } | null]>([
    [undefined, null],
    ['Hostname', { id: 'by:nodename', desc: false }],
    ['-CPU used', { id: 'target:2', desc: true }],
    ['internal_ip', { id: 'label:internal_ip', desc: false }],
    ['nope', null],
  ])('initial sort %j', (spec, want) => {
    expect(initialSort(columns, spec)).toEqual(want);
  });
});
