// "No data", with the reason: which metric is missing and what its exporter's targets say.
import { useEffect, useState } from 'react';
import { useClient } from '../api/hooks.js';
import { diagnoseNoData } from './diagnose.js';
import { metricNames, noDataReason } from './legend.js';

export function NoData({ expr, hint, start, end }: { expr: string; hint: string | undefined; start: number; end: number }) {
  const client = useClient();
  const [found, setFound] = useState<{ expr: string; reason: string } | null>(null);
  useEffect(() => {
    if (hint) return;
    const controller = new AbortController();
    const { signal } = controller;
    const names = metricNames(expr);
    if (names.length === 0) return;
    void (async () => {
      try {
        let absent: string | null = null;
        for (const m of names) {
          // Samples in the range (and the 5 minutes of lookback before it); series() is coarser (storage windows).
          const window = `${Math.ceil((end - start) / 1000) + 300}s`;
          const r = await client.call('promql.query', { query: `count(last_over_time(${m}[${window}]))`, time: end }, { signal });
          if (r.data.resultType === 'vector' && r.data.result.length === 0) {
            absent = m;
            break;
          }
        }
        let stored: 'in-range' | 'elsewhere' | 'absent' = absent === null ? 'in-range' : 'absent';
        if (absent !== null && (await client.call('promql.series', { match: [absent], limit: 1 }, { signal })).length > 0) stored = 'elsewhere';
        const targets = stored === 'absent' ? await client.call('targets.list', {}, { signal }) : null;
        if (!signal.aborted) setFound({ expr, reason: diagnoseNoData(absent ?? names[0]!, stored, targets) });
      } catch {
        // Keep the reason derived from the expression alone.
      }
    })();
    return () => controller.abort();
  }, [client, expr, hint, start, end]);
  const reason = hint ?? (found?.expr === expr ? found.reason : noDataReason(expr));
  return (
    <div className="panel-message panel-nodata" data-testid="no-data">
      {reason}
    </div>
  );
}
