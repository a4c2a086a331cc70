// Why a panel has no data: the metric absent from the database, its exporter without a target,
// down, not scraped yet, or scraped without that metric. Pure, from the Targets state.
import type { TargetInfo, TargetsState } from '../../../core/api/contract.js';
import { sourceOf } from './legend.js';

/** Whether a target is the exporter a metric name usually comes from. */
function isSourceTarget(metric: string, t: TargetInfo): boolean {
  const job = t.labels['job'] ?? '';
  if (metric.startsWith('kube_')) return job === 'kube-state-metrics' || t.scrapePool.includes('kube-state-metrics');
  if (metric.startsWith('container_') || metric.startsWith('machine_')) return t.labels['metrics_path'] === '/metrics/cadvisor';
  if (metric.startsWith('kubelet_')) return job === 'kubelet' && (t.labels['metrics_path'] ?? '/metrics') === '/metrics';
  if (metric.startsWith('node_')) return job === 'node-exporter' || t.scrapePool.includes('node-exporter');
  if (metric.startsWith('DCGM_')) return /dcgm/i.test(job) || /dcgm/i.test(t.scrapePool);
  return false;
}

/**
 * One sentence on why `metric` has no series. `stored`: whether the database holds series of it in
 * the range (then the query's label filters or arithmetic removed them), only at other times, or not at all.
 */
export function diagnoseNoData(metric: string, stored: 'in-range' | 'elsewhere' | 'absent', targets: TargetsState | null): string {
  if (stored === 'in-range') return `${metric} is stored, but no series of it match this query's labels in this range.`;
  if (stored === 'elsewhere') return `No samples of ${metric} in this range; Kubeglass has it from other times. Try a later or longer range.`;
  if (targets && targets.state !== 'running') {
    return `No series for ${metric}: no context is being scraped${targets.message ? ` (${targets.message})` : ''}.`;
  }
  const source = sourceOf(metric);
  if (!source || !targets) return `No series for ${metric}. Is the exporter that exposes it scraped? See Targets.`;
  const mine = targets.active.filter((t) => isSourceTarget(metric, t));
  if (mine.length === 0) return `No series for ${metric}: there is no ${source} target. Is it installed in the cluster? See Targets.`;
  const up = mine.filter((t) => t.health === 'up');
  const down = mine.filter((t) => t.health === 'down');
  if (up.length > 0) return `No series for ${metric}: ${source} is scraped (${up.length} of ${mine.length} targets up) but does not expose it.`;
  if (down.length > 0) {
    const err = down[0]!.lastError || down[0]!.unreachable || 'scrape failed';
    return `No series for ${metric}: ${source} is down (${down.length} of ${mine.length} targets): ${err}. See Targets.`;
  }
  return `No series for ${metric} yet: ${source} has not been scraped yet.`;
}
