import { describe, expect, it } from 'vitest';
import { type LintFamily, lintFamilies, lintFamily, type LintType } from './lint.js';

function family(name: string, type: LintType, labels: string[][] = [[]], extra: Partial<LintFamily> = {}): LintFamily {
  return {
    name,
    type,
    help: 'help',
    metrics: labels.map((names) => ({ labels: names.map((n) => ({ name: n, value: 'v' })) })),
    duplicates: 0,
    ...extra,
  };
}

describe('promlint rules', () => {
  it.each([
    ['a clean counter', family('http_requests_total', 'counter'), []],
    ['no help', family('up', 'gauge', [[]], { help: null }), ['no help text']],
    ['counter without _total', family('http_requests', 'counter'), ['counter metrics should have "_total" suffix']],
    ['gauge with _total', family('x_total', 'gauge'), ['non-counter metrics should not have "_total" suffix']],
    ['untyped with _total is fine', family('x_total', 'untyped'), []],
    ['non-base unit', family('latency_milliseconds', 'gauge'), ['use base unit "seconds" instead of "milliseconds"']],
    ['prefixed unit', family('distance_kilometers', 'gauge'), ['use base unit "meters" instead of "kilometers"']],
    ['base unit with a prefix', family('size_kilobytes', 'gauge'), ['use base unit "bytes" instead of "kilobytes"']],
    ['bits', family('net_bits_total', 'counter'), ['use base unit "bytes" instead of "bits"']],
    ['kelvins', family('temp_kelvins', 'gauge'), ['use base unit "kelvin" instead of "kelvins"']],
    ['a word that only ends like a unit', family('thermometers', 'gauge'), []],
    ['the first unit word decides', family('x_seconds_hours', 'gauge'), []],
    ['_bucket on a gauge', family('x_bucket', 'gauge'), ['non-histogram metrics should not have "_bucket" suffix']],
    ['_bucket on a summary', family('x_bucket', 'summary'), ['non-histogram metrics should not have "_bucket" suffix']],
    ['_count on a gauge', family('x_count', 'gauge'), ['non-histogram and non-summary metrics should not have "_count" suffix']],
    ['_sum on a counter', family('x_sum', 'counter'), ['counter metrics should have "_total" suffix', 'non-histogram and non-summary metrics should not have "_sum" suffix']],
    ['_count on a summary is fine', family('x_count', 'summary'), []],
    ['untyped _count is fine', family('x_count', 'untyped'), []],
    ['le on a gauge, per metric', family('x', 'gauge', [['le'], ['le']]), ['non-histogram metrics should not have "le" label', 'non-histogram metrics should not have "le" label']],
    ['quantile on a histogram', family('x', 'histogram', [['quantile']]), ['non-summary metrics should not have "quantile" label']],
    ['le on a gauge histogram', family('x', 'gauge_histogram', [['le']]), ['non-histogram metrics should not have "le" label']],
    ['type in the name', family('queue_gauge', 'gauge'), ["metric name should not include type 'gauge'"]],
    ['type inside the name', family('x_histogram_seconds', 'histogram'), ["metric name should not include type 'histogram'"]],
    ['type in the name, any case', family('x_Summary', 'summary'), ["metric name should not include type 'summary'"]],
    ['another type in the name is fine', family('x_gauge', 'counter'), ['counter metrics should have "_total" suffix']],
    ['colon', family('job:up:sum', 'gauge'), ["metric names should not contain ':'"]],
    ['camelCase name', family('cpuUsage', 'gauge'), ["metric names should be written in 'snake_case' not 'camelCase'"]],
    ['camelCase label, per metric', family('x', 'gauge', [['coreId'], ['coreId']]), ["label names should be written in 'snake_case' not 'camelCase'", "label names should be written in 'snake_case' not 'camelCase'"]],
    ['upper case alone is not camelCase', family('X_Y', 'gauge'), []],
    ['abbreviated unit at the end', family('size_kb', 'gauge'), ['metric names should not contain abbreviated units']],
    ['abbreviated unit inside', family('x_ms_total', 'counter'), ['metric names should not contain abbreviated units']],
    ['two abbreviations', family('x_s_ms', 'gauge'), ['metric names should not contain abbreviated units', 'metric names should not contain abbreviated units']],
    ['duplicates', family('x', 'gauge', [[]], { duplicates: 2 }), ['metric not unique', 'metric not unique']],
  ])('%s', (_name, mf, problems) => {
    expect(lintFamily(mf)).toEqual(problems);
  });

  it('sorts problems by metric name, then text', () => {
    const problems = lintFamilies([family('b', 'counter', [[]], { help: null }), family('a_total', 'gauge'), family('b_ms', 'untyped')]);
    expect(problems).toEqual([
      { metric: 'a_total', text: 'non-counter metrics should not have "_total" suffix' },
      { metric: 'b', text: 'counter metrics should have "_total" suffix' },
      { metric: 'b', text: 'no help text' },
      { metric: 'b_ms', text: 'metric names should not contain abbreviated units' },
    ]);
  });
});
