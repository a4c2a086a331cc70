import { describe, expect, it } from 'vitest';
import { formatFloat, GoInt, sprintf } from './gofmt.js';
import { AlertTemplate, humanize, humanize1024, humanizeDuration, prometheusFuncs, templateParseError } from './template-funcs.js';
import { Template } from './template.js';

const data = (value: number, labels: Record<string, string> = {}) => ({ labels, externalLabels: { cluster: 'c1' }, externalURL: 'http://prom.example.com:9090/prefix', value });

async function expand(text: string, value = 1, labels: Record<string, string> = {}): Promise<string> {
  return new AlertTemplate('T', text).expand(data(value, labels), { timeMs: 1_700_000_000_000, externalURL: 'http://prom.example.com:9090/prefix' });
}

describe('Go number formatting', () => {
  it.each([
    [1234.5, 'f', 0, '1234'],
    [1235.5, 'f', 0, '1236'],
    [0.125, 'f', 2, '0.12'],
    [0.375, 'f', 2, '0.38'],
    [2.5, 'f', 0, '2'],
    [-0, 'f', 1, '-0.0'],
    [1e21, 'g', -1, '1e+21'],
    [100000, 'g', 4, '1e+05'],
    [12345, 'g', 4, '1.234e+04'],
    [0, 'g', 4, '0'],
    [0.0001, 'g', 4, '0.0001'],
    [0.00001, 'g', 4, '1e-05'],
    [123456, 'e', 2, '1.23e+05'],
    [1, 'e', -1, '1e+00'],
    [NaN, 'g', 4, 'NaN'],
    [-Infinity, 'f', 2, '-Inf'],
  ] as const)('FormatFloat(%d, %s, %d) = %s', (v, f, p, want) => {
    expect(formatFloat(v, f, p)).toBe(want);
  });

  it('formats printf verbs as fmt does', () => {
    expect(sprintf('%s=%d (%.1f%%) %v %q', ['a', new GoInt(3), 99.95, 1e6, 'x"y'])).toBe('a=3 (100.0%) 1e+06 "x\\"y"');
    expect(sprintf('%5s|%-5s|%05.1f', ['ab', 'cd', 3.14159])).toBe('   ab|cd   |003.1');
    expect(sprintf('%d %s', [1.5])).toBe('%!d(float64=1.5) %!s(MISSING)');
  });

  it('humanizes like Prometheus', () => {
    expect([humanize(0), humanize(999), humanize(1000), humanize(1234567), humanize(0.00123), humanize(-2500)]).toEqual(['0', '999', '1k', '1.235M', '1.23m', '-2.5k']);
    expect([humanize1024(1), humanize1024(1024), humanize1024(1536 * 1024 * 1024)]).toEqual(['1', '1ki', '1.5Gi']);
    expect([humanizeDuration(0), humanizeDuration(0.5), humanizeDuration(59), humanizeDuration(61), humanizeDuration(90061)]).toEqual(['0s', '500ms', '59s', '1m 1s', '1d 1h 1m 1s']);
  });
});

describe('alert templates', () => {
  it('defines $labels, $value, $externalLabels and $externalURL', async () => {
    expect(await expand('{{ $labels.job }} {{ $value }} {{ $externalLabels.cluster }} {{ $externalURL }} {{ .Labels.job }} {{ .Value }}', 0.5, { job: 'api' })).toBe(
      'api 0.5 c1 http://prom.example.com:9090/prefix api 0.5',
    );
  });

  it('has the 3.x functions promtool 2.42 lacks or breaks', async () => {
    expect(await expand('{{ toDuration 90.5 }}|{{ toDuration 0.002 }}|{{ parseDuration "1h30m" }}|{{ pathPrefix }}|{{ externalURL }}|{{ now }}')).toBe(
      '1m30.5s|2ms|5400|/prefix|http://prom.example.com:9090/prefix|1.7e+09',
    );
    expect(await expand('{{ urlQueryEscape "a b/c" }}')).toBe('a+b%2Fc');
  });

  it('renders execution errors as Prometheus does', async () => {
    expect(await expand('{{ .Foo }}')).toBe(
      '<error expanding template: error executing template __alert_T: template: __alert_T:1:115: executing "__alert_T" at <.Foo>: can\'t evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }>',
    );
    expect(await expand('{{ humanize "x" }}')).toContain('at <humanize "x">: error calling humanize: strconv.ParseFloat: parsing "x": invalid syntax>');
  });

  it('reports parse errors with Go wording', () => {
    expect(templateParseError('T', '{{ if true }}x')).toBe('template: __alert_T:1: unexpected EOF');
    expect(templateParseError('T', '{{ $nope }}')).toBe('template: __alert_T:1: undefined variable "$nope"');
    expect(templateParseError('T', '{{ end }}')).toBe('template: __alert_T:1: unexpected {{end}}');
    expect(templateParseError('T', '{{ range . }}{{ break }}{{ end }}{{ .x }}')).toBeNull();
    expect(templateParseError('T', 'plain text')).toBeNull();
  });

  it('runs queries through the injected function', async () => {
    const funcs = prometheusFuncs({
      timeMs: 5000,
      query: (q, t) =>
        Promise.resolve([
          { metric: [{ name: 'pod', value: 'b' }], t, f: 2 },
          { metric: [{ name: 'pod', value: 'a' }], t, f: q === 'x' ? 1 : 9 },
        ]),
    });
    const t = Template.parse('q', '{{ range query "x" | sortByLabel "pod" }}{{ .Labels.pod }}={{ .Value }} {{ end }}{{ with query "x" }}{{ len . }}{{ end }}', funcs);
    expect(await t.execute(null, funcs)).toBe('a=1 b=2 2');
  });
});
