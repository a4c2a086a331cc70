import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsKey } from './labels.js';

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
