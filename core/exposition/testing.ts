// Test helpers shared by the exposition parsers' tests.
import { expect } from 'vitest';
import { ParseError, type ExpositionParser } from './types.js';

/** Runs a parser to the end and returns the ParseError it must throw. */
export function firstParseError(p: ExpositionParser, input: string): ParseError {
  try {
    while (p.next() !== 'eof');
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error(`no error for ${JSON.stringify(input)}`);
}
