import { describe, expect, it } from 'vitest';
import { containsTime, inTimeIntervals, parseTimeInterval } from './time-intervals.js';

describe('containsTime', () => {
  // 2026-01-30 is a Friday.
  it.each([
    [{ times: [{ start_time: '09:00', end_time: '17:00' }] }, '2026-01-30T09:00:00Z', true],
    [{ times: [{ start_time: '09:00', end_time: '17:00' }] }, '2026-01-30T17:00:00Z', false], // end is exclusive
    [{ times: [{ start_time: '22:00', end_time: '24:00' }] }, '2026-01-30T23:59:00Z', true],
    [{ weekdays: ['monday:friday'] }, '2026-01-30T12:00:00Z', true],
    [{ weekdays: ['saturday', 'sunday'] }, '2026-01-30T12:00:00Z', false],
    [{ days_of_month: ['-2:-1'] }, '2026-01-30T12:00:00Z', true],
    [{ days_of_month: ['-1'] }, '2026-01-30T12:00:00Z', false],
    [{ days_of_month: ['1:5'] }, '2026-02-03T00:00:00Z', true],
    [{ months: ['january:march'] }, '2026-01-30T12:00:00Z', true],
    [{ months: ['12'] }, '2026-01-30T12:00:00Z', false],
    [{ years: ['2025:2026'] }, '2026-01-30T12:00:00Z', true],
    [{ weekdays: ['friday'], times: [{ start_time: '00:00', end_time: '08:00' }], location: 'Asia/Tokyo' }, '2026-01-29T20:00:00Z', true], // 05:00 Friday in Tokyo
    [{ weekdays: ['friday'], times: [{ start_time: '12:00', end_time: '13:00' }] }, '2026-01-30T12:30:00Z', true],
    [{ weekdays: ['friday'], times: [{ start_time: '12:00', end_time: '13:00' }] }, '2026-01-30T13:30:00Z', false],
  ])('%j contains %s: %s', (raw, at, want) => {
    expect(containsTime(parseTimeInterval(raw), Date.parse(at))).toBe(want);
  });
});

it.each([
  [{ times: [{ start_time: '17:00', end_time: '09:00' }] }, 'start_time must be before end_time'],
  [{ times: [{ start_time: '9:00', end_time: '10:00' }] }, 'invalid time of day'],
  [{ weekdays: ['friday:monday'] }, 'start of range'],
  [{ days_of_month: ['0'] }, '0 is not a valid day'],
  [{ months: ['13'] }, 'out of range'],
  [{ location: 'Mars/Olympus' }, 'unknown time zone'],
  [{ hours: [] }, 'unknown field "hours"'],
])('%j → %s', (raw, message) => {
  expect(() => parseTimeInterval(raw)).toThrow(message);
});

it('inTimeIntervals: any interval of any named group', () => {
  const m = new Map([['weekend', [parseTimeInterval({ weekdays: ['saturday', 'sunday'] })]]]);
  expect(inTimeIntervals(Date.parse('2026-01-31T12:00:00Z'), m, ['weekend'])).toBe(true);
  expect(inTimeIntervals(Date.parse('2026-01-30T12:00:00Z'), m, ['weekend'])).toBe(false);
  expect(() => inTimeIntervals(0, m, ['nope'])).toThrow("doesn't exist");
});
