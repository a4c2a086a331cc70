import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['15s', 15_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h2m3s4ms', 3_723_004],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1y', 31_536_000_000],
    ['0', 0],
    ['0s', 0],
  ])('parses %s', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each(['', '15', '1.5s', 's', '-1s', '1s1m', '1 s', '1S'])('rejects %j', (s) => {
    expect(() => parseDuration(s)).toThrow(/not a valid duration string/);
  });

  it.each([
    [0, '0s'],
    [15_000, '15s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [1500, '1s500ms'],
  ])('formats %d as %s', (ms, s) => {
    expect(formatDuration(ms)).toBe(s);
  });
});
