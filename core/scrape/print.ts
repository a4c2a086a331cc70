// Samples as Prometheus text-format lines with timestamps, for `kubeglass scrape` output.
import { METRIC_NAME, type Labels } from '../model/labels.js';
import { isStaleNaN } from '../model/value.js';

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

export function formatSample(labels: Labels, t: number, v: number): string {
  let name = '';
  const parts: string[] = [];
  for (const l of labels) {
    if (l.name === METRIC_NAME) name = l.value;
    else parts.push(`${l.name}="${escapeValue(l.value)}"`);
  }
  // Staleness markers have no text form; they are shown as a comment so nothing parses them as NaN.
  if (isStaleNaN(v)) return `# stale ${name}{${parts.join(',')}} ${t}`;
  return `${name}${parts.length ? `{${parts.join(',')}}` : ''} ${formatFloat(v)} ${t}`;
}
