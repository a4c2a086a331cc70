import { describe, expect, it } from 'vitest';
import { compareLabels, labelsFrom, labelsKey } from './labels.js';

describe('labelsKey', () => {
  it.each([
    // "ÿ" is U+00FF, the character a "\xff" separator would be in a JS string.
    [{ a: 'xÿbÿy' }, { a: 'x', b: 'y' }],
    [{ a: 'x\xffb' }, { a: 'x', b: '' }],
    [{ ab: 'c' }, { a: 'bc' }],
  ])('tells %j from %j', (x, y) => {
    expect(labelsKey(labelsFrom(x))).not.toBe(labelsKey(labelsFrom(y)));
  });

  it('is the same for the same set, whatever the input order', () => {
    expect(labelsKey(labelsFrom({ b: '2', a: '1' }))).toBe(labelsKey(labelsFrom([['a', '1'], ['b', '2']])));
  });
});

describe('compareLabels (labels.Compare)', () => {
  it.each<[Record<string, string>, Record<string, string>, number]>([
    [{ a: '1' }, { a: '1' }, 0],
    [{ a: '1' }, { a: '2' }, -1],
    [{ a: '2' }, { b: '1' }, -1],
    [{ a: '1' }, { a: '1', b: '1' }, -1],
    [{ a: '1', b: '1' }, { a: '1' }, 1],
    // By code point (Go's byte order), where UTF-16 order would put the emoji first.
    [{ a: '\uffff' }, { a: '😀' }, -1],
  ])('%j vs %j', (a, b, sign) => expect(Math.sign(compareLabels(labelsFrom(a), labelsFrom(b)))).toBe(sign));
});
