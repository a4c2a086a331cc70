// codemirror-promql's PrometheusClient on top of the API contract (promql.labels, labelValues,
// metadata, series) instead of HTTP to /api/v1: the renderer talks only to the contract. Answers
// are cached for a minute (the editor asks on nearly every keystroke); failures answer empty so
// the editor keeps working, and are reported once through onError.
import type { PrometheusClient } from '@prometheus-io/codemirror-promql';
import { EqlRegex, EqlSingle, Neq, NeqRegex } from '@prometheus-io/lezer-promql';
import type { KubeglassApi } from '../../../core/api/contract.js';

/** A label matcher as codemirror-promql hands it over (type is lezer-promql's token id). */
export interface EditorMatcher {
  type: number;
  name: string;
  value: string;
}

export interface ContractClientOptions {
  /** How far back label names, values and series are looked up (ms); default 12 h. */
  lookbackMs?: number;
  /** How long an answer is reused (ms); default 60 s. */
  cacheMs?: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

const PLAIN_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PLAIN_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function opOf(type: number): string {
  switch (type) {
    case Neq:
      return '!=';
    case EqlRegex:
      return '=~';
    case NeqRegex:
      return '!~';
    case EqlSingle:
    default:
      return '=';
  }
}

/** A double-quoted PromQL string for a value as typed between quotes (escapes kept, bare quotes escaped). */
function quoted(value: string): string {
  return `"${value.replace(/\\.|"/g, (m) => (m === '"' ? '\\"' : m))}"`;
}

/**
 * The series selector for a metric and the matchers typed so far, leaving out the label being
 * completed and empty matchers: up{job="x"} (UTF-8 names in quotes: {"my.metric", job="x"}).
 */
export function selectorFor(metricName: string, matchers: readonly EditorMatcher[] = [], skipLabel?: string): string {
  const parts: string[] = [];
  let name = metricName;
  if (name !== '' && !PLAIN_NAME.test(name)) {
    parts.push(quoted(name));
    name = '';
  }
  for (const m of matchers) {
    if (m.name === skipLabel || m.value === '') continue;
    parts.push(`${PLAIN_LABEL.test(m.name) ? m.name : quoted(m.name)}${opOf(m.type)}${quoted(m.value)}`);
  }
  if (parts.length === 0) return name;
  return `${name}{${parts.join(',')}}`;
}

type Api = Pick<KubeglassApi, 'call'>;

export class ContractPrometheusClient implements PrometheusClient {
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();
  private readonly lookbackMs: number;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private controller = new AbortController();

  constructor(
    private readonly api: Api,
    private readonly options: ContractClientOptions = {},
  ) {
    this.lookbackMs = options.lookbackMs ?? 12 * 3_600_000;
    this.cacheMs = options.cacheMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  private window(): { start: number; end: number } {
    const end = this.now();
    return { start: end - this.lookbackMs, end };
  }

  private cached<T>(key: string, empty: T, load: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.cacheMs) return hit.value as Promise<T>;
    const signal = this.controller.signal;
    const value = load(signal).catch((err: unknown) => {
      // Not cached: the next keystroke asks again.
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
      if (!signal.aborted) this.options.onError?.(err);
      return empty;
    });
    this.cache.set(key, { at: now, value });
    return value;
  }

  labelNames(metricName?: string): Promise<string[]> {
    const match = metricName ? [selectorFor(metricName)] : undefined;
    return this.cached(`names|${metricName ?? ''}`, [], (signal) =>
      this.api.call('promql.labels', { ...this.window(), ...(match ? { match } : {}) }, { signal }),
    );
  }

  labelValues(labelName: string, metricName?: string, matchers?: EditorMatcher[]): Promise<string[]> {
    const selector = metricName || matchers?.length ? selectorFor(metricName ?? '', matchers, labelName) : '';
    const match = selector !== '' ? [selector] : undefined;
    return this.cached(`values|${labelName}|${selector}`, [], (signal) =>
      this.api.call('promql.labelValues', { name: labelName, ...this.window(), ...(match ? { match } : {}) }, { signal }),
    );
  }

  metricMetadata(): Promise<Record<string, { type: string; help: string }[]>> {
    return this.cached('metadata', {}, async (signal) => {
      const all = await this.api.call('promql.metadata', {}, { signal });
      const out: Record<string, { type: string; help: string }[]> = {};
      for (const [name, entries] of Object.entries(all)) out[name] = entries.map((e) => ({ type: e.type, help: e.help }));
      return out;
    });
  }

  series(metricName: string, matchers?: EditorMatcher[], labelName?: string): Promise<Map<string, string>[]> {
    const selector = selectorFor(metricName, matchers, labelName);
    if (selector === '') return Promise.resolve([]);
    return this.cached(`series|${selector}`, [], async (signal) => {
      const list = await this.api.call('promql.series', { match: [selector], ...this.window() }, { signal });
      return list.map((m) => new Map(Object.entries(m)));
    });
  }

  /** Every metric name (the editor filters them by what is typed). */
  metricNames(): Promise<string[]> {
    return this.labelValues('__name__');
  }

  flags(): Promise<Record<string, string>> {
    return Promise.resolve({});
  }

  /** Cancels the calls in flight and forgets the cache (the client stays usable: editors come and go). */
  destroy(): void {
    this.controller.abort();
    this.controller = new AbortController();
    this.cache.clear();
  }
}
