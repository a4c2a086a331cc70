// Content negotiation for scrapes, as Prometheus 3.x does it: the Accept header it sends by
// default (scrape/scrape.go acceptHeader over config.DefaultScrapeProtocols, with the
// "allow-utf-8" escaping that the default UTF-8 name validation selects), and how a response's
// Content-Type picks a parser (model/textparse/interface.go extractMediaType and New). With no
// fallback_scrape_protocol configured, which is the default, a missing, unparsable or unknown
// Content-Type fails the scrape.
import { OpenMetricsParser } from './openmetrics.js';
import { TextParser } from './text.js';
import { type ExpositionFormat, type ExpositionParser } from './types.js';

export type ScrapeProtocol = 'PrometheusProto' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0';

/** config.ScrapeProtocolsHeaders. Its size sets the q-values, so the protobuf entry stays even though we never offer it. */
const PROTOCOL_HEADERS: Record<ScrapeProtocol, string> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/** config.DefaultScrapeProtocols, in order of preference. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];

/**
 * Prometheus's acceptHeader: each protocol with a descending q (from 0.<protocols known + 1>), the
 * escaping scheme on the 1.0.0 formats only (since 3.4; 3.0–3.3 put it on every entry), and a
 * final catch-all.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS, escaping = 'allow-utf-8'): string {
  let weight = Object.keys(PROTOCOL_HEADERS).length + 1;
  const vals: string[] = [];
  for (const p of protocols) {
    let v = PROTOCOL_HEADERS[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += `;escaping=${escaping}`;
    vals.push(`${v};q=0.${weight--}`);
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

/** What Prometheus 3.x sends by default. */
export const SCRAPE_ACCEPT_HEADER = acceptHeader();

export type FormatChoice =
  /** warning: set when a fallback protocol was used, with Prometheus's wording (it logs it). */
  | { format: ExpositionFormat; warning?: string }
  /** error: the scrape fails with this message. */
  | { format: null; error: string };

/**
 * The parser format for a response's Content-Type, as Prometheus chooses it. `fallback` is
 * fallback_scrape_protocol (unset by default).
 */
export function formatForContentType(contentType: string, fallback?: ScrapeProtocol): FormatChoice {
  const fallbackType = fallback === undefined ? '' : mediaTypeOf(PROTOCOL_HEADERS[fallback]);
  const withFallback = (warning: string): FormatChoice => {
    const f = formatOfMediaType(fallbackType);
    return typeof f === 'string' ? { format: f, warning } : { format: null, error: `${warning}\n${f.error}` };
  };
  if (contentType === '') {
    if (fallbackType === '') return { format: null, error: 'non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target' };
    return withFallback(`non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol ${JSON.stringify(fallbackType)}`);
  }
  const parsed = parseMediaType(contentType);
  if (typeof parsed !== 'string') {
    if (fallbackType === '') return { format: null, error: `cannot parse Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol for target\n${parsed.error}` };
    return withFallback(`could not parse received Content-Type ${JSON.stringify(contentType)}, using fallback_scrape_protocol ${JSON.stringify(fallbackType)}\n${parsed.error}`);
  }
  if (parsed === 'application/openmetrics-text' || parsed === 'text/plain' || parsed === 'application/vnd.google.protobuf') {
    const f = formatOfMediaType(parsed);
    return typeof f === 'string' ? { format: f } : { format: null, error: f.error };
  }
  if (fallbackType === '') return { format: null, error: `received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target` };
  return withFallback(`received unsupported Content-Type ${JSON.stringify(contentType)}, using fallback_scrape_protocol ${JSON.stringify(fallbackType)}`);
}

function formatOfMediaType(mediaType: string): ExpositionFormat | { error: string } {
  if (mediaType === 'application/openmetrics-text') return 'openmetrics';
  if (mediaType === 'text/plain') return 'text';
  // Prometheus parses protobuf; we never ask for it, so a target that sends it anyway fails.
  return { error: `unsupported Content-Type ${JSON.stringify(mediaType)}: the protobuf exposition format is not supported` };
}

function mediaTypeOf(header: string): string {
  const m = parseMediaType(header);
  return typeof m === 'string' ? m : '';
}

export class ContentTypeError extends Error {
  override readonly name = 'ContentTypeError';
}

/**
 * The parser for a scrape response. Throws ContentTypeError when Prometheus would fail the
 * scrape for its Content-Type; an empty body is an empty scrape whatever the Content-Type, since
 * Prometheus does not look at the Content-Type of an empty body.
 */
export function createParser(body: string, contentType: string, fallback?: ScrapeProtocol): ExpositionParser {
  const choice = formatForContentType(contentType, fallback);
  if (body === '') {
    // "# EOF" alone is an OpenMetrics exposition with nothing in it.
    return choice.format === 'openmetrics' ? new OpenMetricsParser('# EOF\n') : new TextParser('');
  }
  if (choice.format === null) throw new ContentTypeError(choice.error);
  return choice.format === 'openmetrics' ? new OpenMetricsParser(body) : new TextParser(body);
}

// ---------- Go's mime.ParseMediaType, as far as deciding type/subtype and validity ----------

function isGoSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) || c === 32 || c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

function trimLeft(v: string): string {
  let i = 0;
  while (i < v.length && isGoSpace(v.charCodeAt(i))) i++;
  return v.slice(i);
}

function trimSpace(v: string): string {
  let e = v.length;
  while (e > 0 && isGoSpace(v.charCodeAt(e - 1))) e--;
  return trimLeft(v.slice(0, e));
}

const TSPECIALS = '()<>@,;:\\"/[]?=';

function isTokenChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && !TSPECIALS.includes(String.fromCharCode(c));
}

/** [token, rest]; token is '' when v does not start with a token character. */
function consumeToken(v: string): [string, string] {
  let i = 0;
  while (i < v.length && isTokenChar(v.charCodeAt(i))) i++;
  return [v.slice(0, i), v.slice(i)];
}

function consumeValue(v: string): [string, string] {
  if (v === '') return ['', v];
  if (v[0] !== '"') return consumeToken(v);
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i]!;
    if (c === '"') return [out, v.slice(i + 1)];
    if (c === '\\' && i + 1 < v.length) out += v[++i];
    else if (c !== '\r' && c !== '\n') out += c;
    else return ['', v];
  }
  return ['', v];
}

function consumeMediaParam(v: string): [string, string, string] {
  let rest = trimLeft(v);
  if (!rest.startsWith(';')) return ['', '', v];
  rest = trimLeft(rest.slice(1));
  let param: string;
  [param, rest] = consumeToken(rest);
  param = param.toLowerCase();
  if (param === '') return ['', '', v];
  rest = trimLeft(rest);
  if (!rest.startsWith('=')) return ['', '', v];
  const [value, after] = consumeValue(trimLeft(rest.slice(1)));
  if (value === '') return ['', '', v];
  return [param, value, after];
}

/** The lower-cased media type, or Go's error message. Parameters are checked, not returned. */
export function parseMediaType(v: string): string | { error: string } {
  const semi = v.indexOf(';');
  const base = semi < 0 ? v : v.slice(0, semi);
  const mediaType = trimSpace(base.toLowerCase());
  const [typ, afterType] = consumeToken(mediaType);
  if (typ === '') return { error: 'mime: no media type' };
  if (afterType !== '') {
    if (!afterType.startsWith('/')) return { error: 'mime: expected slash after first token' };
    const [sub, afterSub] = consumeToken(afterType.slice(1));
    if (sub === '') return { error: 'mime: expected token after slash' };
    if (afterSub !== '') return { error: 'mime: unexpected content after media subtype' };
  }
  const seen = new Set<string>();
  let rest = v.slice(base.length);
  while (rest.length > 0) {
    rest = trimLeft(rest);
    if (rest === '') break;
    const [key, , after] = consumeMediaParam(rest);
    if (key === '') {
      if (trimSpace(after) === ';') break; // trailing semicolons are fine
      return { error: 'mime: invalid media parameter' };
    }
    // RFC 2231 continuations ("name*0") live in their own namespace in Go; a plain Set of the
    // full keys rejects exactly the same duplicates.
    if (seen.has(key)) return { error: 'mime: duplicate parameter name' };
    seen.add(key);
    rest = after;
  }
  return mediaType;
}
