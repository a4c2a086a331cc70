import { describe, expect, it } from 'vitest';
import { AlertStore, formatTime, parseTime, receiveAlert } from './alert.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const RESOLVE = 300_000;

describe('times', () => {
  it.each([
    [Date.parse('2026-01-01T00:00:00Z'), '2026-01-01T00:00:00Z'],
    [Date.parse('2026-01-01T00:00:00.5Z'), '2026-01-01T00:00:00.5Z'],
    [Date.parse('2026-01-01T00:00:00.120Z'), '2026-01-01T00:00:00.12Z'],
    [Date.parse('2026-01-01T00:00:00.123Z'), '2026-01-01T00:00:00.123Z'],
    [null, '0001-01-01T00:00:00Z'],
  ])('%s prints as %s', (ms, want) => {
    expect(formatTime(ms)).toBe(want);
  });

  it.each([
    [undefined, null],
    ['', null],
    ['0001-01-01T00:00:00Z', null],
    ['2026-01-01T01:00:00+01:00', NOW],
    [NOW, NOW],
    [new Date(NOW), NOW],
  ])('%j parses to %s', (t, want) => {
    expect(parseTime(t)).toBe(want);
  });

  it('rejects a time that is not RFC 3339', () => {
    expect(() => parseTime('yesterday')).toThrow('invalid time');
  });
});

describe('receiveAlert (the API defaults)', () => {
  it('defaults startsAt to now and endsAt to now + resolve_timeout, and drops empty labels', () => {
    const a = receiveAlert({ labels: { alertname: 'A', empty: '' } }, NOW, RESOLVE);
    expect(a).toMatchObject({ labels: { alertname: 'A' }, startsAt: NOW, endsAt: NOW + RESOLVE, timeout: true, updatedAt: NOW, generatorURL: '' });
  });

  it('takes startsAt from endsAt when only that is given', () => {
    const a = receiveAlert({ labels: { alertname: 'A' }, endsAt: new Date(NOW - 1000) }, NOW, RESOLVE);
    expect(a).toMatchObject({ startsAt: NOW - 1000, endsAt: NOW - 1000, timeout: false });
  });

  it.each([
    [{ labels: {} }, 'at least one label pair required'],
    [{ labels: { 'a-b': 'x' } }, 'invalid name "a-b"'],
    [{ labels: { a: 'x' }, startsAt: new Date(NOW), endsAt: new Date(NOW - 1) }, 'start time must be before end time'],
  ])('%j → %s', (p, message) => {
    expect(() => receiveAlert(p, NOW, RESOLVE)).toThrow(message);
  });
});

describe('AlertStore (merging a re-sent alert)', () => {
  it('keeps the earliest start, takes a later explicit end, and ignores a timeout end that is earlier', () => {
    const store = new AlertStore();
    store.put(receiveAlert({ labels: { a: '1' }, startsAt: new Date(NOW - 60_000), endsAt: new Date(NOW + 600_000) }, NOW - 60_000, RESOLVE), NOW - 60_000);
    const merged = store.put(receiveAlert({ labels: { a: '1' }, startsAt: new Date(NOW) }, NOW, RESOLVE), NOW);
    expect(merged.startsAt).toBe(NOW - 60_000);
    expect(merged.endsAt).toBe(NOW + 600_000);
  });

  it('a resolution ends the alert; a new firing after that starts a new one', () => {
    const store = new AlertStore();
    store.put(receiveAlert({ labels: { a: '1' }, startsAt: new Date(NOW - 60_000) }, NOW - 60_000, RESOLVE), NOW - 60_000);
    const resolved = store.put(receiveAlert({ labels: { a: '1' }, startsAt: new Date(NOW - 60_000), endsAt: new Date(NOW) }, NOW, RESOLVE), NOW);
    expect(resolved.endsAt).toBe(NOW);
    const again = store.put(receiveAlert({ labels: { a: '1' }, startsAt: new Date(NOW + 60_000) }, NOW + 60_000, RESOLVE), NOW + 60_000);
    expect(again.startsAt).toBe(NOW + 60_000);
    expect(store.gc(NOW + 60_000)).toBe(0);
    expect(store.gc(NOW + 60_000 + RESOLVE)).toBe(1);
    expect(store.list()).toEqual([]);
  });
});
