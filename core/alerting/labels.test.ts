import { describe, expect, it } from 'vitest';
import { commonLabelSet, compareAlertLabels, fingerprint, goQuote, labelSetBefore, labelSetString } from './labels.js';

describe('fingerprint (model.LabelSet.Fingerprint)', () => {
  it.each([
    [{}, 'cbf29ce484222325'], // FNV-1a's offset basis: the empty set
    // The same set in any key order has the same fingerprint; the oracle test checks real values.
    [{ b: '2', a: '1' }, fingerprint({ a: '1', b: '2' })],
  ])('%j → %s', (ls, want) => {
    expect(fingerprint(ls)).toBe(want);
  });

  it('separates names from values (a="bc" differs from ab="c")', () => {
    expect(fingerprint({ a: 'bc' })).not.toBe(fingerprint({ ab: 'c' }));
  });

  it('is 16 hex digits', () => {
    expect(fingerprint({ alertname: 'x' })).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\tnl\n', '"tab\\tnl\\n"'],
    ['ü ✓ 日本', '"ü ✓ 日本"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['\u00a0', '"\\u00a0"'],
  ])('%j → %s', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });
});

it('labelSetString sorts names and quotes values', () => {
  expect(labelSetString({ b: 'x"y', a: '1' })).toBe('{a="1", b="x\\"y"}');
  expect(labelSetString({})).toBe('{}');
});

describe('alert order (types.AlertSlice)', () => {
  it.each([
    [{ job: 'a' }, { job: 'b' }, -1],
    [{ job: 'a', instance: '2' }, { job: 'a', instance: '1' }, 1],
    [{ job: 'a' }, { x: '1' }, -1], // an alert with a job comes first
    [{ x: '1' }, { instance: 'i' }, 1],
    [{ a: '1' }, { a: '1', b: '1' }, -1], // fewer labels first
    [{ a: '1', c: '1' }, { a: '1', b: '1' }, -1], // Go's Before: the first name one set lacks decides
    [{ a: '1' }, { a: '2' }, -1],
    [{ a: '1' }, { a: '1' }, 0],
  ])('%j vs %j → %d', (a, b, want) => {
    expect(Math.sign(compareAlertLabels(a, b))).toBe(want);
  });

  it('labelSetBefore compares by the union of names', () => {
    expect(labelSetBefore({ a: '1', c: '2' }, { b: '1', c: '2' })).toBe(false);
    expect(labelSetBefore({ b: '1', c: '2' }, { a: '1', c: '2' })).toBe(true);
  });
});

it('commonLabelSet keeps the labels every set has with the same value', () => {
  expect(commonLabelSet([{ a: '1', b: '2', c: '3' }, { a: '1', b: 'x', c: '3' }, { a: '1', c: '3', d: '4' }])).toEqual({ a: '1', c: '3' });
  expect(commonLabelSet([])).toEqual({});
});
