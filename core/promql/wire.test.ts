import { describe, expect, it } from 'vitest';
import { formatSampleValue } from './wire.js';

describe('formatSampleValue (Go FormatFloat f, -1)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-2.5, '-2.5'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [-1.2345e25, '-12345000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.234e-10, '0.0000000001234'],
    [-5e-324, '-0.' + '0'.repeat(323) + '5'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [123456789.125, '123456789.125'],
  ])('%d → %s', (v, text) => {
    expect(formatSampleValue(v)).toBe(text);
  });
});
