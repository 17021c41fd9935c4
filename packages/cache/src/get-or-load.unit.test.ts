import { describe, expect, it } from '@jest/globals';
import { CacheBackendError } from './cache.errors.js';
import { getOrLoad } from './get-or-load.js';
import { InMemoryCache } from './in-memory.cache.js';

// A closed cache is a real adapter whose every call fails with CacheBackendError, like a Redis
// that is down.
async function failingCache(): Promise<InMemoryCache> {
  const cache = new InMemoryCache();
  await cache.close();
  return cache;
}

describe('getOrLoad when the cache backend fails', () => {
  it('without onCacheError, the backend error rejects the call', async () => {
    const cache = await failingCache();
    await expect(getOrLoad(cache, 'k', () => Promise.resolve(1))).rejects.toBeInstanceOf(
      CacheBackendError,
    );
  });

  it('with onCacheError, the value comes from the loader and each failure is reported', async () => {
    const cache = await failingCache();
    const reported: string[] = [];
    let loads = 0;
    const value = await getOrLoad(
      cache,
      'k',
      () => {
        loads += 1;
        return Promise.resolve({ id: 'c-1' });
      },
      { onCacheError: (e) => reported.push(e.operation) },
    );
    expect(value).toEqual({ id: 'c-1' });
    expect(loads).toBe(1);
    expect(reported).toEqual(['get', 'stamp']);
  });

  it('a loader error is not a cache error: it rejects even with onCacheError', async () => {
    const cache = new InMemoryCache();
    await expect(
      getOrLoad(cache, 'k', () => Promise.reject(new Error('source down')), {
        onCacheError: () => undefined,
      }),
    ).rejects.toThrow('source down');
  });

  it('single flight is per cache: two caches do not share loads', async () => {
    const a = new InMemoryCache();
    const b = new InMemoryCache();
    const [x, y] = await Promise.all([
      getOrLoad(a, 'k', () => Promise.resolve('from a')),
      getOrLoad(b, 'k', () => Promise.resolve('from b')),
    ]);
    expect([x, y]).toEqual(['from a', 'from b']);
  });
});
