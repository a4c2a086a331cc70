// The Prometheus HTTP API (/api/v1/…) over the contract's promql.* calls, so Grafana, promtool
// and codemirror-promql can use Kubeglass as a datasource. Read-only and, like Prometheus, without
// a token; the browser server in front of it already refuses foreign Host and Origin headers
// (DNS rebinding, cross-site reads) and grants no CORS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeglassApi, TargetInfo } from '../api/contract.js';
import { formatTime } from '../alerting/alert.js';
import { ContractError, type ErrorCode } from '../api/errors.js';
import { formatDuration, parseDuration } from '../scrape/duration.js';
import { VERSION } from '../version.js';

type ErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found';

type ErrorTypeOrMethod = ErrorType | 'method';
// Prometheus's codes; 499 is its "client closed request" for a cancelled query.
const STATUS: Record<ErrorTypeOrMethod, number> = { bad_data: 400, execution: 422, timeout: 503, canceled: 499, internal: 500, unavailable: 503, not_found: 404, method: 405 };

const FROM_CODE: Partial<Record<ErrorCode, ErrorType>> = {
  bad_data: 'bad_data',
  invalid_params: 'bad_data',
  execution: 'execution',
  timeout: 'timeout',
  cancelled: 'canceled',
  unavailable: 'unavailable',
  not_found: 'not_found',
};

class ApiError extends Error {
  constructor(
    readonly type: ErrorTypeOrMethod,
    message: string,
  ) {
    super(message);
  }
}

const MAX_FORM = 1 << 20;
// Prometheus's sentinels for "no bound", accepted as time parameters, and the range a time may
// take (JavaScript dates end at ±8.64e15 ms; beyond, times are clamped rather than infinite).
const MIN_TIME = '-292273086-05-16T16:47:06Z';
const MAX_TIME = '292277025-08-18T07:12:54.999999999Z';
const MIN_MS = -8.64e15;
const MAX_MS = 8.64e15;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function success(res: ServerResponse, data: unknown, warnings: string[] = [], infos: string[] = []): void {
  const body: Record<string, unknown> = { status: 'success', data };
  if (warnings.length > 0) body.warnings = warnings;
  if (infos.length > 0) body.infos = infos;
  send(res, 200, body);
}

function failure(res: ServerResponse, err: unknown): void {
  let type: ErrorTypeOrMethod = 'internal';
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof ApiError) type = err.type;
  else if (err instanceof ContractError) {
    type = FROM_CODE[err.code] ?? 'internal';
    message = err.message;
  }
  send(res, STATUS[type], { status: 'error', errorType: type === 'method' ? 'bad_data' : type, error: message });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_FORM) throw new ApiError('bad_data', `request body larger than ${MAX_FORM} bytes`);
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Prometheus's parseTime: Unix seconds (fractions allowed) or RFC 3339; result in ms. */
export function parseTime(name: string, s: string): number {
  if (s === MIN_TIME) return MIN_MS;
  if (s === MAX_TIME) return MAX_MS;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const ms = Math.round(Number(s) * 1000);
    if (Number.isFinite(ms)) return Math.min(MAX_MS, Math.max(MIN_MS, ms));
  }
  // RFC 3339 needs a zone (Z or ±hh:mm); Date.parse would take a zoneless time as local time.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  throw new ApiError('bad_data', `invalid parameter "${name}": cannot parse "${s}" to a valid timestamp`);
}

/** Prometheus's parseDuration: float seconds or a duration such as 1m30s; result in ms. */
export function parseDurationParam(name: string, s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const v = Number(s) * 1000;
    if (Number.isFinite(v)) return Math.round(v);
  }
  try {
    return parseDuration(s);
  } catch {
    throw new ApiError('bad_data', `invalid parameter "${name}": cannot parse "${s}" to a valid duration`);
  }
}

export async function handlePromApi(req: IncomingMessage, res: ServerResponse, url: URL, api: KubeglassApi): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const signal = controller.signal;
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw new ApiError('method', `method ${req.method} not allowed`);
    const form = req.method === 'POST' ? await readForm(req) : new URLSearchParams();
    const get = (name: string): string | null => form.get(name) ?? url.searchParams.get(name);
    const all = (name: string): string[] => [...url.searchParams.getAll(name), ...form.getAll(name)];
    const optTime = (name: string) => {
      const v = get(name);
      return v === null || v === '' ? undefined : parseTime(name, v);
    };
    const finite = (t: number | undefined) => (t === undefined || !Number.isFinite(t) ? undefined : t);
    const optLimit = () => {
      const v = get('limit');
      if (v === null || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new ApiError('bad_data', `invalid parameter "limit": cannot parse "${v}" to a valid limit`);
      return n === 0 ? undefined : n;
    };
    const required = (name: string) => {
      const v = get(name);
      if (v === null || v === '') throw new ApiError('bad_data', `invalid parameter "${name}": parameter is required`);
      return v;
    };
    const timeout = () => {
      const v = get('timeout');
      return v === null || v === '' ? undefined : parseDurationParam('timeout', v);
    };
    const lookback = () => {
      const v = get('lookback_delta');
      return v === null || v === '' ? undefined : parseDurationParam('lookback_delta', v);
    };
    const path = url.pathname.slice('/api/v1/'.length);
    switch (path) {
      case 'query': {
        const r = await api.call('promql.query', { query: required('query'), time: optTime('time'), timeoutMs: timeout(), lookbackDeltaMs: lookback() }, { signal });
        return success(res, r.data, r.warnings, r.infos);
      }
      case 'query_range': {
        const start = parseTime('start', required('start'));
        const end = parseTime('end', required('end'));
        const step = parseDurationParam('step', required('step'));
        if (end < start) throw new ApiError('bad_data', 'end timestamp must not be before start time');
        if (step <= 0) throw new ApiError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
        const r = await api.call('promql.queryRange', { query: required('query'), start, end, step, timeoutMs: timeout(), lookbackDeltaMs: lookback() }, { signal });
        return success(res, r.data, r.warnings, r.infos);
      }
      case 'series': {
        const match = all('match[]');
        if (match.length === 0) throw new ApiError('bad_data', 'no match[] parameter provided');
        return success(res, await api.call('promql.series', { match, start: finite(optTime('start')), end: finite(optTime('end')), limit: optLimit() }, { signal }));
      }
      case 'labels': {
        const match = all('match[]');
        return success(res, await api.call('promql.labels', { match: match.length ? match : undefined, start: finite(optTime('start')), end: finite(optTime('end')), limit: optLimit() }, { signal }));
      }
      case 'metadata':
        return success(res, await api.call('promql.metadata', { metric: get('metric') ?? undefined, limit: optLimit() }, { signal }));
      case 'format_query':
        return success(res, await api.call('promql.format', { query: required('query') }, { signal }));
      case 'status/buildinfo':
        return success(res, { version: VERSION, revision: '', branch: '', buildUser: 'kubeglass', buildDate: '', goVersion: `node${process.versions.node}` });
      case 'targets': {
        const state = get('state') ?? 'any';
        const pool = get('scrapePool');
        const t = await api.call('targets.list', {}, { signal });
        const active = t.active.filter((x) => pool === null || x.scrapePool === pool);
        const dropped = t.dropped.filter((x) => pool === null || x.scrapePool === pool);
        const counts: Record<string, number> = {};
        for (const d of t.dropped) counts[d.scrapePool] = (counts[d.scrapePool] ?? 0) + 1;
        return success(res, {
          activeTargets: state === 'dropped' ? [] : active.map(promTarget),
          droppedTargets: state === 'active' ? [] : dropped.map((d) => ({ discoveredLabels: d.discoveredLabels, scrapePool: d.scrapePool })),
          droppedTargetCounts: counts,
        });
      }
      // The viewed context's rule groups and alerts (the selected context's, or serve's --context).
      case 'rules': {
        const type = get('type');
        if (type !== null && type !== '' && type !== 'alert' && type !== 'record') throw new ApiError('bad_data', `invalid parameter "type": not supported value "${type}"`);
        const excl = get('exclude_alerts');
        if (excl !== null && excl !== '' && !/^(true|false|1|0|t|f|TRUE|FALSE|True|False|T|F)$/.test(excl)) throw new ApiError('bad_data', `invalid parameter "exclude_alerts": strconv.ParseBool: parsing "${excl}": invalid syntax`);
        const list = (name: string) => (all(name).length > 0 ? all(name) : undefined);
        const r = await api.call(
          'rules.list',
          {
            type: type === 'alert' || type === 'record' ? type : undefined,
            ruleName: list('rule_name[]'),
            ruleGroup: list('rule_group[]'),
            file: list('file[]'),
            excludeAlerts: excl !== null && /^(true|1|t|TRUE|True|T)$/.test(excl),
          },
          { signal },
        );
        const groups = r.contexts.find((c) => c.context === r.viewed)?.groups ?? [];
        return success(res, { groups: groups.map(({ source: _source, ...g }) => g) });
      }
      case 'alerts': {
        const r = await api.call('alerts.list', {}, { signal });
        const alerts = r.alerts
          .filter((a) => a.context === r.viewed)
          .map((a) => ({
            labels: a.labels,
            annotations: a.annotations,
            state: a.state,
            activeAt: formatTime(a.activeAt),
            ...(a.keepFiringSince !== null ? { keepFiringSince: formatTime(a.keepFiringSince) } : {}),
            value: a.value,
          }));
        return success(res, { alerts });
      }
      case 'query_exemplars':
        return success(res, []);
      default: {
        const m = /^label\/([^/]+)\/values$/.exec(path);
        if (m) {
          let name: string;
          try {
            name = decodeURIComponent(m[1]!);
          } catch {
            throw new ApiError('bad_data', `invalid label name: "${m[1]}"`);
          }
          // UTF-8 label names arrive escaped as U__…, as Prometheus 3.x clients send them.
          if (name.startsWith('U__')) name = unescapeName(name);
          const match = all('match[]');
          return success(
            res,
            await api.call('promql.labelValues', { name, match: match.length ? match : undefined, start: finite(optTime('start')), end: finite(optTime('end')), limit: optLimit() }, { signal }),
          );
        }
        throw new ApiError('not_found', `unknown API endpoint /api/v1/${path}`);
      }
    }
  } catch (err) {
    if (!res.destroyed) failure(res, err);
  }
}

/** Prometheus's "U__" value-encoding of label names: _ + hex code point + _ escapes, __ is _. */
function unescapeName(s: string): string {
  const body = s.slice(3);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '_') {
      out += c;
      continue;
    }
    if (body[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const end = body.indexOf('_', i + 1);
    if (end < 0) return s;
    const cp = parseInt(body.slice(i + 1, end), 16);
    if (Number.isNaN(cp) || cp > 0x10ffff) return s;
    out += String.fromCodePoint(cp);
    i = end;
  }
  return out;
}

/** A target in Prometheus's /api/v1/targets shape (its URL, not the API-server route Kubeglass takes). */
function promTarget(t: TargetInfo): Record<string, unknown> {
  return {
    discoveredLabels: t.discoveredLabels,
    labels: t.labels,
    scrapePool: t.scrapePool,
    scrapeUrl: t.url,
    globalUrl: t.url,
    lastError: t.lastError,
    lastScrape: t.lastScrape === null ? '0001-01-01T00:00:00Z' : new Date(t.lastScrape).toISOString(),
    lastScrapeDuration: t.lastScrapeDurationMs / 1000,
    health: t.health,
    scrapeInterval: formatDuration(t.intervalMs),
    scrapeTimeout: formatDuration(t.timeoutMs),
  };
}
