// What an exposition parser yields. A pull parser, as Prometheus's textparse: the scrape loop asks
// for the next entry and reads only what it needs, so a cached series costs no label parsing.
import type { Labels } from '../model/labels.js';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export type EntryKind = 'series' | 'help' | 'type' | 'unit' | 'comment' | 'eof';

export interface Exemplar {
  labels: Labels;
  value: number;
  /** Milliseconds, or null when the exemplar carries none. */
  timestamp: number | null;
}

export type ExpositionFormat = 'text' | 'openmetrics';

export interface ExpositionParser {
  readonly format: ExpositionFormat;
  /** Moves to the next entry and says what it is. Throws ParseError on malformed input. */
  next(): EntryKind;
  /**
   * For 'series': the series exactly as exposed (metric name and label block, before the value),
   * stable from scrape to scrape, so the scrape loop can cache by it.
   */
  seriesText(): string;
  /** For 'series': the metric name. */
  metricName(): string;
  /** For 'series': the labels including __name__, sorted, label values unescaped. */
  labels(): Labels;
  /** For 'series': the sample value (NaN, ±Inf as exposed). */
  value(): number;
  /** For 'series': the explicit timestamp in milliseconds, or null. */
  timestamp(): number | null;
  /** For 'series' (OpenMetrics only): the exemplar, or null. */
  exemplar(): Exemplar | null;
  /** For 'help', 'type', 'unit': the metric family the line describes. */
  metaName(): string;
  /** For 'help': the text, unescaped. */
  help(): string;
  /** For 'type'. */
  type(): MetricType;
  /** For 'unit'. */
  unit(): string;
  /**
   * For 'help', 'type', 'unit': whether the line is exactly `line` (as metaLine() gave it for an
   * earlier body), without allocating: a scrape loop skips metadata that did not change.
   */
  metaLineIs(line: string): boolean;
  /** For 'help', 'type', 'unit': the raw line without its newline, detached from the body. */
  metaLine(): string;
  /** 1-based line of the current entry. */
  line(): number;
}

export class ParseError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'ParseError';
  }
}
