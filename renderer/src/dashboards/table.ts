// Table panels, pure: instant results of several targets merged into rows by the `by` labels,
// columns (the `by` labels, label columns, one per visible target), sorting and filtering.
import type { QueryData } from '../../../core/api/contract.js';
import type { Panel, Threshold, Unit } from './schema.js';
import { formatValue } from './units.js';

type TablePanel = Extract<Panel, { type: 'table' }>;

export interface Column {
  /** Stable id: "by:<label>", "label:<label>" or "target:<index>". */
  id: string;
  title: string;
  kind: 'by' | 'label' | 'value';
  label?: string;
  target?: number;
  unit?: Unit;
  decimals?: number | undefined;
  thresholds?: Threshold[] | undefined;
}

export interface Row {
  key: string;
  /** The `by` labels, then every other label of the row's series (the first series to carry one wins). */
  labels: Record<string, string>;
  values: (number | null)[];
}

export function tableColumns(panel: TablePanel): Column[] {
  const label = (after: boolean): Column[] =>
    (panel.labelColumns ?? []).filter((c) => !!c.after === after).map((c) => ({ id: `label:${c.label}`, title: c.title ?? c.label, kind: 'label', label: c.label }));
  return [
    ...panel.by.map((l): Column => ({ id: `by:${l}`, title: panel.byTitles?.[l] ?? l, kind: 'by', label: l })),
    ...label(false),
    ...panel.targets.flatMap((t, i): Column[] =>
      t.hidden
        ? []
        : [{ id: `target:${i}`, title: t.legend ?? `#${i + 1}`, kind: 'value', target: i, unit: t.unit ?? panel.unit, decimals: t.decimals ?? panel.decimals, thresholds: t.thresholds ?? panel.thresholds }],
    ),
    ...label(true),
  ];
}

/** One row per distinct value of the `by` labels over every target's series. */
export function tableRows(by: readonly string[], results: readonly QueryData[]): Row[] {
  const rows = new Map<string, Row>();
  results.forEach((d, ti) => {
    if (d.resultType !== 'vector') return;
    for (const s of d.result) {
      if (!('value' in s)) continue;
      const keyLabels = by.map((l) => s.metric[l] ?? '');
      const key = keyLabels.join('\u0000');
      let row = rows.get(key);
      if (!row) {
        row = { key, labels: Object.fromEntries(by.map((l, i) => [l, keyLabels[i]!])), values: new Array<number | null>(results.length).fill(null) };
        rows.set(key, row);
      }
      for (const [k, v] of Object.entries(s.metric)) if (!(k in row.labels) && v !== '') row.labels[k] = v;
      // Several series of one target in a row: the first stays (a query should aggregate by the row's labels).
      if (row.values[ti] === null) row.values[ti] = Number(s.value[1]);
    }
  });
  return [...rows.values()];
}

/** A cell's text as shown. */
export function cellText(col: Column, row: Row): string {
  if (col.kind === 'value') return formatValue(row.values[col.target!], col.unit ?? 'short', col.decimals);
  const v = row.labels[col.label!] ?? '';
  return v === '' && col.kind === 'by' ? `(no ${col.label})` : v;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Rows sorted by a column (numbers by value with blanks last, labels in natural order), ties by the row key. */
export function sortRows(rows: readonly Row[], col: Column | null, desc: boolean): Row[] {
  const out = [...rows];
  const byKey = (a: Row, b: Row) => collator.compare(a.key, b.key);
  if (!col) return out.sort(byKey);
  out.sort((a, b) => {
    if (col.kind === 'value') {
      const x = a.values[col.target!] ?? null;
      const y = b.values[col.target!] ?? null;
      const xn = x === null || Number.isNaN(x);
      const yn = y === null || Number.isNaN(y);
      if (xn || yn) return xn && yn ? byKey(a, b) : xn ? 1 : -1;
      return (desc ? y! - x! : x! - y!) || byKey(a, b);
    }
    const c = collator.compare(a.labels[col.label!] ?? '', b.labels[col.label!] ?? '');
    return (desc ? -c : c) || byKey(a, b);
  });
  return out;
}

/** Rows with any cell containing every word of `filter` (case-insensitive). */
export function filterRows(rows: readonly Row[], columns: readonly Column[], filter: string): Row[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((r) => {
    const text = columns.map((c) => cellText(c, r).toLowerCase()).join('\u0000');
    return words.every((w) => text.includes(w));
  });
}

/** The column an initial sort names ("-CPU used" = that column, descending). */
export function initialSort(columns: readonly Column[], spec: string | undefined): { id: string; desc: boolean } | null {
  if (!spec) return null;
  const desc = spec.startsWith('-');
  const name = desc ? spec.slice(1) : spec;
  const col = columns.find((c) => c.title === name || c.id === name || c.label === name);
  return col ? { id: col.id, desc } : null;
}
