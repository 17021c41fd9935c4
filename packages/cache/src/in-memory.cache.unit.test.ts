import { describe, expect, it } from '@jest/globals';
import { DEFAULT_MAX_TTL_MS } from './cache.port.js';
import { InMemoryCache } from './in-memory.cache.js';

function clock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('InMemoryCache', () => {
  it('expires entries on its clock, to the millisecond', async () => {
    const time = clock();
    const cache = new InMemoryCache({ now: time.now });
    await cache.set('k', 1, { ttlMs: 1_000 });
    time.advance(999);
    expect(await cache.get('k')).toBe(1);
    time.advance(1);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('caps every TTL at one hour unless told otherwise', async () => {
    const time = clock();
    const cache = new InMemoryCache({ now: time.now });
    await cache.set('k', 1, { ttlMs: 365 * 24 * 3600_000 });
    time.advance(DEFAULT_MAX_TTL_MS - 1);
    expect(await cache.get('k')).toBe(1);
    time.advance(1);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the least recently written', async () => {
    const cache = new InMemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await cache.set(key, key);
    await cache.set('a', 'a2'); // rewritten: now the most recent
    await cache.set('d', 'd');
    expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual(['a2', undefined, 'c', 'd']);
  });

  it('losing guards to the size bound turns entries into misses, never revives them', async () => {
    const cache = new InMemoryCache({ maxEntries: 2 }); // keeps at most 8 guards
    await cache.set('k', 'v', { tags: ['client:1'] });
    const stamp = await cache.stamp('x', ['client:1']);
    // One entry with many tags pushes the oldest guards (k's and the stamp's) out.
    await cache.set('m', 'many', { tags: Array.from({ length: 6 }, (_, i) => `t${i}`) });
    expect(await cache.get('k')).toBeUndefined();
    // New guards get new tokens: neither the old entry nor the old stamp matches them.
    await cache.stamp('k', ['client:1']);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.set('x', 'maybe stale', { stamp })).toBe(false);
    expect(await cache.get('m')).toBe('many');
  });

  it('rejects bounds that are not positive integers', () => {
    expect(() => new InMemoryCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new InMemoryCache({ maxTtlMs: -1 })).toThrow(RangeError);
    expect(() => new InMemoryCache({ defaultTtlMs: 1.5 })).toThrow(RangeError);
  });

  it('a default TTL above the maximum is lowered to it', async () => {
    const time = clock();
    const cache = new InMemoryCache({ now: time.now, defaultTtlMs: 10_000, maxTtlMs: 100 });
    await cache.set('k', 1);
    time.advance(100);
    expect(await cache.get('k')).toBeUndefined();
  });
});
