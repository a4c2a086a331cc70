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
          const s = await client.call('promql.series', { match: [m], start, end, limit: 1 }, { signal });
          if (s.length === 0) {
            absent = m;
            break;
          }
        }
        const targets = absent ? await client.call('targets.list', {}, { signal }) : null;
        if (!signal.aborted) setFound({ expr, reason: diagnoseNoData(absent ?? names[0]!, absent === null, targets) });
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
