// Writing the text formats: series as `name{labels}`, floats as Prometheus writes them, and lines
// with timestamps (for `kubeglass scrape`, and the OpenMetrics export).
import { METRIC_NAME, type Labels } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';

function escapeValue(v: string): string {
  return escapeHelp(v).replace(/"/g, '\\"');
}

/** HELP text escaping: backslash and newline (label values also escape the double quote). */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** `name{a="b",c="d"}`, or just `name` without other labels. */
export function formatSeries(labels: Labels): string {
  let name = '';
  const parts: string[] = [];
  for (const l of labels) {
    if (l.name === METRIC_NAME) name = l.value;
    else parts.push(`${l.name}="${escapeValue(l.value)}"`);
  }
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

export function formatSample(labels: Labels, t: number, v: number): string {
  // Staleness markers have no text form; they are shown as a comment so nothing parses them as NaN.
  if (isStaleNaN(v)) return `# stale ${formatSeries(labels)} ${t}`;
  return `${formatSeries(labels)} ${formatFloat(v)} ${t}`;
}
