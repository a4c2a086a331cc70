import { describe, expect, it } from 'vitest';
import { timelineBars } from './alertTimeline.js';

const m = (alertstate: string, extra: Record<string, string> = {}) => ({ __name__: 'ALERTS', alertname: 'CountGreaterThan5', alertstate, pod: 'ping-0', severity: 'info', ...extra });

describe('timelineBars', () => {
  it('joins one alert’s pending and firing stretches into one bar, splitting at gaps', () => {
    const bars = timelineBars(
      {
        resultType: 'matrix',
        result: [
          { metric: m('pending'), values: [[100, '1'], [102, '1'], [104, '1']] },
          { metric: m('firing'), values: [[106, '1'], [108, '1'], [120, '1']] },
          { metric: m('firing', { pod: 'ping-1' }), values: [[110, '1']] },
        ],
      },
      2000,
    );
    // Labelled by what tells the alerts of one name apart.
    expect(bars.map((b) => b.label)).toEqual(['CountGreaterThan5 pod=ping-0', 'CountGreaterThan5 pod=ping-1']);
    expect(bars[0]!.segments).toEqual([
      [100_000, 104_000, 'pending'],
      [106_000, 108_000, 'firing'],
      [120_000, 120_000, 'firing'],
    ]);
    expect(bars[1]!.segments).toEqual([[110_000, 110_000, 'firing']]);
  });

  it('labels a lone alert by its name only', () => {
    const bars = timelineBars({ resultType: 'matrix', result: [{ metric: { __name__: 'ALERTS', alertname: 'KubeletDown', alertstate: 'pending', severity: 'critical' }, values: [[1, '1']] }] }, 1000);
    expect(bars.map((b) => b.label)).toEqual(['KubeletDown']);
  });

  it('draws nothing for other result types or no data', () => {
    expect(timelineBars(null, 1000)).toEqual([]);
    expect(timelineBars({ resultType: 'vector', result: [] }, 1000)).toEqual([]);
  });
});
