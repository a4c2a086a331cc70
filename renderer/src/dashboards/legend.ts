// Legend templates ({{label}}) and the "no data" explanation, both from the query alone.

/** Replaces each {{label}} with the series' value for it ('' when absent); no template: the labels as PromQL would print them. */
export function legendName(template: string | undefined, metric: Record<string, string>, fallback: string): string {
  if (template !== undefined && template !== '') {
    return template.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_m, name: string) => metric[name] ?? '');
  }
  const name = metric['__name__'] ?? '';
  const rest = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}="${metric[k]}"`);
  if (rest.length === 0) return name || fallback;
  return `${name}{${rest.join(', ')}}`;
}

const KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'vector', 'scalar', 'rate',
  'irate', 'increase', 'delta', 'idelta', 'deriv', 'time', 'abs', 'clamp', 'clamp_min', 'clamp_max', 'label_replace', 'label_join',
]);

/** The metric names an expression selects (identifiers followed by a selector, a range or nothing PromQL-ish). */
export function metricNames(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  // Drop label matchers and grouping lists so label names are not taken for metrics.
  const noBraces = noStrings.replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const out: string[] = [];
  for (const m of noBraces.matchAll(/(?<![\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    const name = m[1]!;
    if (KEYWORDS.has(name) || /^\d/.test(name) || /^(inf|nan)$/i.test(name)) continue;
    // Durations such as 5m are caught by the leading-digit rule; bare words after "offset" are durations too.
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Which exporter a metric name usually comes from. */
export function sourceOf(metric: string): string | null {
  if (metric.startsWith('kube_')) return 'kube-state-metrics';
  if (metric.startsWith('container_') || metric.startsWith('machine_')) return "the kubelet's cAdvisor";
  if (metric.startsWith('kubelet_')) return 'the kubelet';
  if (metric.startsWith('node_')) return 'node-exporter';
  if (metric.startsWith('DCGM_')) return 'the DCGM exporter';
  return null;
}

/** "No series for kube_node_status_condition: is kube-state-metrics scraped? See Targets." */
export function noDataReason(expr: string): string {
  const names = metricNames(expr);
  if (names.length === 0) return 'The query returned no series.';
  const sources = [...new Set(names.map(sourceOf).filter((s): s is string => s !== null))];
  const where =
    sources.length === 0 ? ' Is the exporter that exposes it scraped? See Targets.' : ` ${sources.length > 1 ? 'Are' : 'Is'} ${sources.join(' and ')} scraped? See Targets.`;
  return `No series for ${names.join(', ')}.${where}`;
}
