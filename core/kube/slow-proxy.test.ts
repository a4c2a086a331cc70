import { describe, expect, it } from 'vitest';
import { isSlow, SlowProxyDecisions, type ScrapeObservation } from './slow-proxy.js';

const MIN = 60_000;
const TIMEOUT = 10_000;

/** One scrape's outcome: S slow (6 s), F fast (0.2 s), T timeout of a Ready pod, t of an unready one, E an error. */
const OBS: Record<string, ScrapeObservation> = {
  S: { durationMs: 6000, timeoutMs: TIMEOUT, outcome: 'ok', podReady: true },
  F: { durationMs: 200, timeoutMs: TIMEOUT, outcome: 'ok', podReady: true },
  T: { durationMs: TIMEOUT, timeoutMs: TIMEOUT, outcome: 'timeout', podReady: true },
  t: { durationMs: TIMEOUT, timeoutMs: TIMEOUT, outcome: 'timeout', podReady: false },
  E: { durationMs: 5, timeoutMs: TIMEOUT, outcome: 'error', podReady: true },
};

/**
 * Runs a script of scrapes 30 s apart ("w5" waits 5 minutes first), asking for the path before
 * each as the fetcher does; returns the path after each scrape: p proxy, f port-forward.
 */
function run(script: string): string {
  const d = new SlowProxyDecisions();
  let now = 1_000_000;
  let out = '';
  for (const token of script.split(' ').filter(Boolean)) {
    if (token.startsWith('w')) {
      now += Number(token.slice(1)) * MIN;
      continue;
    }
    for (const c of token) {
      const { path } = d.path('ns/pod:80', now);
      d.observe('ns/pod:80', path, OBS[c]!, now);
      out += d.current('ns/pod:80').path === 'proxy' ? 'p' : 'f';
      now += 30_000;
    }
    out += ' ';
  }
  return out.trim();
}

describe('slow proxy decisions', () => {
  it.each<[string, string, string]>([
    ['three slow proxied scrapes switch to a port-forward', 'SSS', 'ppf'],
    ['a fast one in between resets the count', 'SSFSS', 'ppppp'],
    ['other errors say nothing about the proxy', 'SSES', 'pppf'],
    ['timeouts of a Ready pod count as slow', 'TST', 'ppf'],
    ['timeouts of an unready pod do not', 'tttt', 'pppp'],
    ['fast scrapes stay on the proxy', 'FFFFFF', 'pppppp'],
    ['on a port-forward until the wait is over', 'SSS FFFF', 'ppf ffff'],
    ['after 5 minutes the proxy is tried again and kept when fast', 'SSS w5 FFFF', 'ppf pppp'],
    ['a slow retry goes back to the port-forward at once', 'SSS w5 S', 'ppf f'],
    ['the second wait is doubled: still forwarded after 5 minutes', 'SSS w5 S w5 F', 'ppf f f'],
    ['…and tried again after 10', 'SSS w5 S w10 F', 'ppf f p'],
    ['a probation passed resets the wait to 5 minutes', 'SSS w5 FFF SSS w5 F', 'ppf ppp ppf p'],
    ['slow through the port-forward too: back to the proxy', 'SSS SSS', 'ppf ffp'],
    ['…and held there while it stays slow', 'SSS SSS SSSS', 'ppf ffp pppp'],
    ['…until the hold (5 minutes) is over, then counts afresh', 'SSS SSS SS w5 SSS', 'ppf ffp pp ppf'],
    ['a failing port-forward goes back to the proxy', 'SSS EEE', 'ppf ffp'],
    ['the wait doubles up to an hour', 'SSS w5 S w10 S w20 S w40 S w60 S w59 F', 'ppf f f f f f f'],
    ['…and not beyond', 'SSS w5 S w10 S w20 S w40 S w60 S w60 F', 'ppf f f f f f p'],
  ])('%s', (_name, script, want) => {
    expect(run(script)).toBe(want);
  });

  it.each<[string, ScrapeObservation, boolean]>([
    ['exactly half the timeout', { durationMs: 5000, timeoutMs: 10_000, outcome: 'ok', podReady: true }, true],
    ['just under half', { durationMs: 4999, timeoutMs: 10_000, outcome: 'ok', podReady: true }, false],
    ['a timeout of a Ready pod', { durationMs: 10_000, timeoutMs: 10_000, outcome: 'timeout', podReady: true }, true],
    ['a slow error', { durationMs: 9000, timeoutMs: 10_000, outcome: 'error', podReady: true }, false],
  ])('isSlow: %s', (_name, o, want) => {
    expect(isSlow(o, new SlowProxyDecisions().policy)).toBe(want);
  });

  it('says why, and when the proxy is tried again', () => {
    const d = new SlowProxyDecisions();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 3; i++) d.observe('k', 'proxy', { durationMs: 7100, timeoutMs: TIMEOUT, outcome: 'ok', podReady: true }, t0);
    expect(d.current('k')).toEqual({
      path: 'forward',
      reason: 'the API server proxy was slow: 3 scrapes in a row took at least 50% of the 10 s timeout or timed out, the last took 7.1 s; the proxy is tried again at 00:05:00 UTC',
    });
    expect(d.forwarded()).toEqual(['k']);
    const back = d.path('k', t0 + 5 * MIN);
    expect(back).toEqual({ path: 'proxy', reason: 'trying the API server proxy again after 5 min on a port-forward', changed: true });
    d.retain(new Set());
    expect(d.current('k')).toEqual({ path: 'proxy', reason: '' });
  });

  it('moves at most maxForwarded pods, and says so for the others', () => {
    const d = new SlowProxyDecisions({ maxForwarded: 2, slowRun: 1 });
    for (const k of ['a', 'b', 'c']) d.observe(k, 'proxy', OBS.S!, 0);
    expect(d.forwarded()).toEqual(['a', 'b']);
    expect(d.current('c')).toEqual({ path: 'proxy', reason: 'the API server proxy is slow, but 2 pods are on port-forwards already (the most Kubeglass opens for slowness)' });
    // A place frees up (a pod goes back on probation): the next slow scrape moves c.
    d.path('a', 5 * MIN);
    d.observe('c', 'proxy', OBS.S!, 5 * MIN);
    expect(d.forwarded()).toEqual(['b', 'c']);
  });

  it('ignores a scrape that started on the path it has just left', () => {
    const d = new SlowProxyDecisions({ slowRun: 1 });
    expect(d.observe('k', 'proxy', OBS.S!, 0)).toBe(true);
    expect(d.observe('k', 'proxy', OBS.S!, 0)).toBe(false);
    expect(d.current('k').path).toBe('forward');
  });
});
