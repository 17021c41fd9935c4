import { describe, expect, it } from '@jest/globals';
import { ANY, NO_STREAM, STREAM_EXISTS } from '@kurrent/kurrentdb-client';
import { toKurrentState } from './kurrentdb.js';

describe('KurrentDB expected revision mapping', () => {
  it('maps the named states and numbers (revisions count from 0 on both sides)', () => {
    expect(toKurrentState('any')).toBe(ANY);
    expect(toKurrentState('no_stream')).toBe(NO_STREAM);
    expect(toKurrentState('exists')).toBe(STREAM_EXISTS);
    expect(toKurrentState(0)).toBe(0n);
    expect(toKurrentState(41)).toBe(41n);
  });
});
