import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { START, comparePositions, formatPosition, parsePosition } from './port.js';
import { afterParams, expectedToSql, prefixPatterns, quoteSchema } from './sql.js';

describe('SQL helpers', () => {
  it('accepts only plain lowercase schema names', () => {
    expect(quoteSchema('event_store')).toBe('"event_store"');
    for (const bad of ['Event', 'a"b', 'a;drop', '', 'a b', '1abc'])
      expect(() => quoteSchema(bad)).toThrow(TypeError);
  });

  it('escapes LIKE metacharacters in stream prefixes', () => {
    expect(prefixPatterns(['client-', 'a_b%c\\'])).toEqual(['client-%', 'a\\_b\\%c\\\\%']);
    expect(prefixPatterns(undefined)).toBeNull();
  });

  it('rejects expected revisions that are not non-negative integers', () => {
    expect(expectedToSql(3)).toBe('3');
    expect(expectedToSql('no_stream')).toBe('no_stream');
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => expectedToSql(bad)).toThrow(RangeError);
  });

  it('START reads from before every transaction', () => {
    expect(afterParams(START)).toEqual(['0', '-1']);
    expect(afterParams({ commit: 12n, prepare: 7n })).toEqual(['12', '7']);
  });

  it('positions format, parse and compare consistently', () => {
    const position = fc.record({
      commit: fc.bigInt(-1n, 2n ** 64n),
      prepare: fc.bigInt(-1n, 2n ** 63n),
    });
    fc.assert(
      fc.property(position, position, (a, b) => {
        expect(parsePosition(formatPosition(a))).toEqual(a);
        expect(Math.sign(comparePositions(a, b))).toBe(-Math.sign(comparePositions(b, a)));
      }),
    );
  });
});
