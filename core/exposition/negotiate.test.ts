import { describe, expect, it } from 'vitest';
import { acceptHeader, ContentTypeError, createParser, formatForContentType, parseMediaType, SCRAPE_ACCEPT_HEADER, type ScrapeProtocol } from './negotiate.js';

describe('Accept header', () => {
  it("is Prometheus 3.x's default", () => {
    expect(SCRAPE_ACCEPT_HEADER).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,' +
        'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
  });

  it("builds the same header as Prometheus's TestAcceptHeader for other protocol lists", () => {
    const protoFirst: ScrapeProtocol[] = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];
    expect(acceptHeader(protoFirst, 'dots')).toBe(
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=dots;q=0.5,' +
        'application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=dots;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
    );
    expect(acceptHeader(['PrometheusText0.0.4'])).toBe('text/plain;version=0.0.4;q=0.6,*/*;q=0.5');
  });
});

describe('Content-Type → parser', () => {
  it.each([
    ['text/plain; version=0.0.4; charset=utf-8', 'text'],
    ['text/plain;version=1.0.0;escaping=allow-utf-8', 'text'],
    ['text/plain', 'text'],
    ['  TEXT/Plain ; Charset="utf-8"', 'text'],
    ['text/plain;', 'text'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'openmetrics'],
    ['Application/OpenMetrics-Text', 'openmetrics'],
  ])('%j → %s', (ct, format) => {
    expect(formatForContentType(ct)).toEqual({ format });
  });

  it.each([
    ['', 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target'],
    ['text/html; charset=utf-8', 'received unsupported Content-Type "text/html; charset=utf-8" and no fallback_scrape_protocol specified for target'],
    ['text', 'received unsupported Content-Type "text" and no fallback_scrape_protocol specified for target'],
    ['/plain', 'cannot parse Content-Type "/plain" and no fallback_scrape_protocol for target\nmime: no media type'],
    ['text/', 'cannot parse Content-Type "text/" and no fallback_scrape_protocol for target\nmime: expected token after slash'],
    ['text plain', 'cannot parse Content-Type "text plain" and no fallback_scrape_protocol for target\nmime: expected slash after first token'],
    ['text/plain x', 'cannot parse Content-Type "text/plain x" and no fallback_scrape_protocol for target\nmime: unexpected content after media subtype'],
    ['text/plain; charset', 'cannot parse Content-Type "text/plain; charset" and no fallback_scrape_protocol for target\nmime: invalid media parameter'],
    ['text/plain; a=1; A=2', 'cannot parse Content-Type "text/plain; a=1; A=2" and no fallback_scrape_protocol for target\nmime: duplicate parameter name'],
    [
      'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
      'unsupported Content-Type "application/vnd.google.protobuf": the protobuf exposition format is not supported',
    ],
  ])('%j fails the scrape', (ct, error) => {
    expect(formatForContentType(ct)).toEqual({ format: null, error });
  });

  it.each([
    ['', 'PrometheusText0.0.4', { format: 'text', warning: 'non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol "text/plain"' }],
    ['text/html', 'OpenMetricsText1.0.0', { format: 'openmetrics', warning: 'received unsupported Content-Type "text/html", using fallback_scrape_protocol "application/openmetrics-text"' }],
    ['/x', 'PrometheusText1.0.0', { format: 'text', warning: 'could not parse received Content-Type "/x", using fallback_scrape_protocol "text/plain"\nmime: no media type' }],
    ['text/plain', 'OpenMetricsText1.0.0', { format: 'text' }],
  ] as const)('%j with fallback_scrape_protocol %s', (ct, fallback, choice) => {
    expect(formatForContentType(ct, fallback)).toEqual(choice);
  });

  it('parses media types as Go does', () => {
    expect(parseMediaType('text/plain; charset="a;b"; x=y;')).toBe('text/plain');
    expect(parseMediaType('text/plain; charset="unterminated')).toEqual({ error: 'mime: invalid media parameter' });
    expect(parseMediaType('a/b;=c')).toEqual({ error: 'mime: invalid media parameter' });
  });
});

describe('createParser', () => {
  it('picks the parser for the Content-Type', () => {
    const om = createParser('a 1\n# EOF\n', 'application/openmetrics-text; version=1.0.0');
    expect(om.format).toBe('openmetrics');
    expect([om.next(), om.next()]).toEqual(['series', 'eof']);
    const text = createParser('a 1\n', 'text/plain; version=0.0.4');
    expect(text.format).toBe('text');
    expect([text.next(), text.next()]).toEqual(['series', 'eof']);
  });

  it('throws the reason the scrape fails with', () => {
    expect(() => createParser('a 1\n', 'text/html')).toThrow(ContentTypeError);
    expect(() => createParser('a 1\n', '')).toThrow('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  });

  it('uses the fallback protocol when given one', () => {
    expect(createParser('a 1\n', '', 'PrometheusText0.0.4').format).toBe('text');
  });

  it('treats an empty body as an empty scrape whatever the Content-Type, as Prometheus does', () => {
    for (const ct of ['', 'text/html', 'text/plain', 'application/openmetrics-text']) {
      const p = createParser('', ct);
      expect(p.next()).toBe('eof');
    }
    expect(createParser('', 'application/openmetrics-text').format).toBe('openmetrics');
  });
});
