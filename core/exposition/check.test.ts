import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMetrics, runCheckMetrics } from './check.js';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

function run(stdin: string, args: string[] = []) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCheckMetrics(stdin, args, (s) => out.push(s), (s) => err.push(s));
  return { code, out, err };
}

const PROBLEMS_PROM = [
  'bytes_read_total non-counter metrics should not have "_total" suffix',
  "cpuUsage label names should be written in 'snake_case' not 'camelCase'",
  "cpuUsage label names should be written in 'snake_case' not 'camelCase'",
  "cpuUsage metric names should be written in 'snake_case' not 'camelCase'",
  'gc_pause non-histogram metrics should not have "le" label',
  'gc_pause non-summary metrics should not have "quantile" label',
  'items_count non-histogram and non-summary metrics should not have "_count" suffix',
  "job:up:sum metric names should not contain ':'",
  'latency_milliseconds use base unit "seconds" instead of "milliseconds"',
  'queue_length no help text',
  'requests counter metrics should have "_total" suffix',
  'size_kb metric names should not contain abbreviated units',
];

describe('checkMetrics, text format', () => {
  it('finds nothing wrong with a clean exposition', () => {
    expect(checkMetrics(fixture('clean.prom'), 'text')).toEqual({ problems: [] });
  });

  it('reports lint problems sorted by metric, then text', () => {
    const r = checkMetrics(fixture('problems.prom'), 'text');
    expect(r.parseError).toBeUndefined();
    expect(r.problems.map((p) => `${p.metric} ${p.text}`)).toEqual(PROBLEMS_PROM);
  });

  it.each([
    ['a histogram counts a camelCase label once per series, not per bucket', '# HELP h x\n# TYPE h histogram\nh_bucket{fooBar="1",le="1"} 1\nh_bucket{fooBar="1",le="+Inf"} 1\nh_count{fooBar="1"} 1\nh_sum{fooBar="1"} 1\n', ["h label names should be written in 'snake_case' not 'camelCase'"]],
    ["a summary's _count and _sum belong to it", '# HELP s x\n# TYPE s summary\ns{quantile="0.5"} 1\ns_count 1\ns_sum 1\n', []],
    ['without a summary TYPE, _count is its own untyped family', '# HELP s x\ns_count 1\n', ['s_count no help text']],
    ['a repeated series is not unique', '# HELP a x\n# TYPE a gauge\na 1\na 2\n', ['a metric not unique']],
    ['label order matters for uniqueness, as in promlint', '# HELP a x\n# TYPE a gauge\na{x="1",y="2"} 1\na{y="2",x="1"} 1\n', []],
    ['an empty HELP is no HELP', '# HELP a \n# TYPE a gauge\na 1\n', ['a no help text']],
    ['an empty le value still counts as an le label', '# HELP a_total x\n# TYPE a_total counter\na_total{le=""} 1\n', ['a_total non-histogram metrics should not have "le" label']],
    ['metadata without samples is not linted', '# HELP a x\n# TYPE a counter\n# TYPE b gauge\n', []],
  ])('%s', (_name, input, problems) => {
    const r = checkMetrics(input, 'text');
    expect(r.parseError).toBeUndefined();
    expect(r.problems.map((p) => `${p.metric} ${p.text}`)).toEqual(problems);
  });

  it.each([
    // Rejected by the scrape parser itself.
    [fixture('broken.prom'), 4, 17, 'expected label name, got "1"'],
    ['a{b="c",b="d"} 1\n', 1, 9, 'label name "b" is not unique'],
    // Rejected by the decoder promtool lints through.
    ['a 1', 1, 4, 'unexpected end of input stream'],
    ['a 1\n# c', 2, 4, 'unexpected end of input stream'],
    ['# HELP a x\n# TYPE a gauge\na 1\n# TYPE a gauge\n', 4, 1, 'second TYPE line for metric name "a", or TYPE reported after samples'],
    ['a 1\n# TYPE a gauge\n', 2, 1, 'second TYPE line for metric name "a", or TYPE reported after samples'],
    ['# TYPE s summary\ns 1\n# TYPE s_count counter\n', 3, 1, 'second TYPE line for metric name "s", or TYPE reported after samples'],
    ['# HELP a x\n# HELP a y\n', 2, 1, 'second HELP line for metric name "a"'],
    ['# HELP a x\\y\n', 1, 1, "invalid escape sequence '\\y'"],
    ['a{b="\\x"} 1\n', 1, 1, "invalid escape sequence '\\x'"],
    ['# HELP abc{x y\n', 1, 1, 'invalid metric name in comment'],
    ['{"a.b"} 1\n', 1, 1, 'invalid metric name "a.b"'],
    ['# HELP "a.b" x\n', 1, 1, 'invalid metric name "a.b"'],
    ['a{"b.c"="d"} 1\n', 1, 1, 'invalid label name "b.c"'],
    ['# TYPE h histogram\nh_bucket{le="x"} 1\n', 2, 1, 'expected float as value for \'le\' label, got "x"'],
    ['# TYPE s summary\ns{quantile="0.5.0"} 1\n', 2, 1, 'expected float as value for \'quantile\' label, got "0.5.0"'],
    ['# TYPE h histogram\nh_bucket{le="1"} -1\n', 2, 1, 'negative bucket population for histogram "h"'],
    ['# TYPE h histogram\nh_count -2\n', 2, 1, 'negative count for histogram "h"'],
  ])('%j fails at %i:%i', (input, line, column, reason) => {
    const r = checkMetrics(input, 'text');
    expect(r.problems).toEqual([]);
    expect({ line: r.parseError?.line, column: r.parseError?.column, reason: r.parseError?.reason }).toEqual({ line, column, reason });
  });

  it('accepts what the decoder accepts: -0 and NaN histogram counts, blank last lines', () => {
    expect(checkMetrics('# HELP h x\n# TYPE h histogram\nh_count -0\nh_bucket{le="+Inf"} NaN\n  ', 'text')).toEqual({ problems: [] });
  });
});

describe('checkMetrics, OpenMetrics', () => {
  it('finds nothing wrong with the all-types fixture', () => {
    expect(checkMetrics(fixture('all-types.om'), 'openmetrics')).toEqual({ problems: [] });
  });

  it.each([
    ['a counter is linted under its samples\' _total name', '# HELP foo x\n# TYPE foo counter\nfoo_total 1\nfoo_created 1\n# EOF\n', []],
    ['a counter whose samples lack _total is told so', '# HELP foo x\n# TYPE foo counter\nfoo 1\n# EOF\n', ['foo counter metrics should have "_total" suffix']],
    ['samples outside the family form their own', '# HELP foo x\n# TYPE foo gauge\nfoo 1\nbar 2\n# EOF\n', ['bar no help text']],
    ['a repeated point is not unique', '# HELP a x\n# TYPE a gauge\na 1\na 2\n# EOF\n', ['a metric not unique']],
    ['points at different times are fine', '# HELP a x\n# TYPE a gauge\na 1 1\na 2 2\n# EOF\n', []],
    ['units follow the same rules', '# HELP a_minutes x\n# TYPE a_minutes gauge\n# UNIT a_minutes minutes\na_minutes 1\n# EOF\n', ['a_minutes use base unit "seconds" instead of "minutes"']],
  ])('%s', (_name, input, problems) => {
    const r = checkMetrics(input, 'openmetrics');
    expect(r.parseError).toBeUndefined();
    expect(r.problems.map((p) => `${p.metric} ${p.text}`)).toEqual(problems);
  });

  it('reports parse errors with their position', () => {
    const r = checkMetrics('# HELP a x\na 1\n', 'openmetrics');
    expect([r.parseError?.line, r.parseError?.column, r.parseError?.reason]).toEqual([3, 1, 'data does not end with # EOF']);
  });
});

describe('runCheckMetrics', () => {
  it('exits 0 and prints nothing for a clean exposition', () => {
    expect(run(fixture('clean.prom'))).toEqual({ code: 0, out: [], err: [] });
  });

  it('exits 3 and prints each problem as promtool does', () => {
    expect(run(fixture('problems.prom'))).toEqual({ code: 3, out: [], err: PROBLEMS_PROM });
  });

  it('exits 1 with the line and reason of a parse error', () => {
    expect(run(fixture('broken.prom'))).toEqual({ code: 1, out: [], err: ['error while linting: line 4, column 17: expected label name, got "1"'] });
  });

  it.each([[['--format', 'openmetrics']], [['--format=openmetrics']]])('reads OpenMetrics with %j', (args) => {
    expect(run(fixture('all-types.om'), args).code).toBe(0);
    expect(run(fixture('clean.prom'), args).code).toBe(1);
  });

  it('reads the text format with --format text', () => {
    expect(run(fixture('clean.prom'), ['--format', 'text']).code).toBe(0);
  });

  it.each([[['--format', 'json']], [['--format']], [['--strict']], [['extra']]])('exits 2 on bad arguments %j', (args) => {
    const r = run('a 1\n', args);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^kubeglass check-metrics: .*\n\nUsage: kubeglass check-metrics/);
  });

  it('prints usage for --help', () => {
    const r = run('', ['--help']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^Usage: kubeglass check-metrics \[--format text\|openmetrics\]/);
  });
});

// The reference: Debian's promtool. It is 2.42 there (client_golang 1.14's promlint), which
// differs from 3.x only in rules the fixtures below avoid: 2.42 flags any type name in a metric
// name and has no "metric not unique" rule.
const PROMTOOL = (() => {
  try {
    return execFileSync('promtool', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!;
  } catch {
    return null;
  }
})();

describe.skipIf(PROMTOOL === null)(`against promtool check metrics (${PROMTOOL ?? 'skipped: promtool is not installed'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeglass-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const genCluster = () => {
    const out = join(dir, 'node.prom');
    execFileSync(process.execPath, [new URL('../../../shared/bench/gen-cluster.mjs', import.meta.url).pathname, '--exposition', '--node', '1', '--seed', '42', '--out', out], { stdio: 'ignore' });
    return readFileSync(out, 'utf8');
  };

  it.each([
    ['clean.prom', () => fixture('clean.prom')],
    ['problems.prom', () => fixture('problems.prom')],
    ['broken.prom', () => fixture('broken.prom')],
    ['the gen-cluster node exposition', genCluster],
    ['a last line without a newline', () => '# HELP a x\n# TYPE a gauge\na 1'],
    ['a second TYPE line', () => '# HELP a x\n# TYPE a gauge\na 1\n# TYPE a gauge\n'],
    ['an invalid escape', () => '# HELP a x\n# TYPE a gauge\na{b="\\x"} 1\n'],
    ['a bad value', () => '# HELP a x\n# TYPE a gauge\na 1x\n'],
    ['a summary and a histogram', () => '# HELP s x\n# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\ns_count 1\n# HELP hh_seconds x\n# TYPE hh_seconds histogram\nhh_seconds_bucket{le="1"} 1\nhh_seconds_bucket{le="+Inf"} 1\nhh_seconds_sum 1\nhh_seconds_count 1\n'],
  ])('agrees on %s', (_name, input) => {
    const body = input();
    const ref = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const ours = run(body);
    expect(ours.code).toBe(ref.status);
    if (ref.status === 3) {
      expect(ours.err).toEqual(ref.stderr.trimEnd().split('\n'));
    } else if (ref.status === 1) {
      const refLine = /in line (\d+)/.exec(ref.stderr)?.[1];
      expect(ours.err[0]).toMatch(new RegExp(`^error while linting: line ${refLine}, `));
    }
  });
});
