import { afterEach, describe, expect, it } from '@jest/globals';
import { CacheBackendError } from '../cache.errors.js';
import type { Cache, CacheTtlOptions } from '../cache.port.js';
import { getOrLoad } from '../get-or-load.js';
import type { JsonValue } from '../json.js';
import type { RateLimit, RateLimiter } from '../rate-limiter.port.js';

export interface CacheSubject {
  readonly cache: Cache;
  readonly cleanup: () => Promise<void>;
}

export interface RateLimiterSubject {
  readonly limiter: RateLimiter;
  readonly cleanup: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A promise with its resolver outside, to hold a loader at a chosen point. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * The behaviour every Cache adapter must have. Call it from an adapter's test with a factory
 * that returns a fresh, empty cache with the given TTL bounds (and how to dispose of it).
 */
export function cacheContract(
  name: string,
  factory: (options: CacheTtlOptions) => Promise<CacheSubject>,
): void {
  describe(`Cache contract: ${name}`, () => {
    const opened: CacheSubject[] = [];
    const open = async (options: CacheTtlOptions = {}): Promise<Cache> => {
      const subject = await factory(options);
      opened.push(subject);
      return subject.cache;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.cleanup()));
    });

    describe('values', () => {
      it('a key never set is a miss', async () => {
        const cache = await open();
        expect(await cache.get('nobody')).toBeUndefined();
      });

      it('round-trips JSON values exactly; null is a value, not a miss', async () => {
        const cache = await open();
        const values: JsonValue[] = [
          { id: 'c-1', tier: 'gold', spend: { amountMinor: 1_250_000, currency: 'EUR' } },
          ['a', 1, true, null, { nested: [[]] }],
          'Élodie 李 🛍️ "quoted" \\ back\nslash',
          0,
          -1.5e-7,
          Number.MAX_SAFE_INTEGER,
          false,
          null,
          {},
          [],
          '',
        ];
        await Promise.all(values.map((v, i) => cache.set(`v${i}`, v)));
        for (const [i, v] of values.entries()) expect(await cache.get(`v${i}`)).toEqual(v);
      });

      it('stores a copy: mutating the written or the read object changes nothing cached', async () => {
        const cache = await open();
        const client = { id: 'c-1', tags: ['vip'] };
        await cache.set('client', client);
        client.tags.push('mutated');
        const read = (await cache.get('client')) as { tags: string[] };
        read.tags.push('again');
        expect(await cache.get('client')).toEqual({ id: 'c-1', tags: ['vip'] });
      });

      it('a later set of the same key replaces the value', async () => {
        const cache = await open();
        expect(await cache.set('k', 1)).toBe(true);
        expect(await cache.set('k', 2)).toBe(true);
        expect(await cache.get('k')).toBe(2);
      });

      it('getMany answers one result per key, in order, undefined for each miss', async () => {
        const cache = await open();
        await cache.set('a', 'A');
        await cache.set('c', null);
        expect(await cache.getMany(['a', 'b', 'c', 'a', 'zzz'])).toEqual([
          'A',
          undefined,
          null,
          'A',
          undefined,
        ]);
        expect(await cache.getMany([])).toEqual([]);
      });

      it('delete drops the listed keys only; absent keys and empty lists are fine', async () => {
        const cache = await open();
        await cache.set('a', 1);
        await cache.set('b', 2);
        await cache.delete(['a', 'never-set']);
        await cache.delete([]);
        expect(await cache.getMany(['a', 'b'])).toEqual([undefined, 2]);
      });

      it('keys and tags may hold any characters', async () => {
        const cache = await open();
        const key = 'client:{eu}* 42\n李';
        const tag = 'tag with spaces:*?[x]\n';
        await cache.set(key, 'v', { tags: [tag] });
        await cache.set('client:{eu}* 43', 'other', { tags: ['tag with spaces'] });
        expect(await cache.get(key)).toBe('v');
        await cache.invalidateTags([tag]);
        expect(await cache.getMany([key, 'client:{eu}* 43'])).toEqual([undefined, 'other']);
      });

      it('refuses what JSON cannot carry and TTLs that are not positive', async () => {
        const cache = await open();
        expect(await rejection(cache.set('k', Number.NaN))).toBeInstanceOf(TypeError);
        expect(await rejection(cache.set('k', { n: Infinity }))).toBeInstanceOf(TypeError);
        for (const ttlMs of [0, -5, Number.NaN, Infinity])
          expect(await rejection(cache.set('k', 1, { ttlMs }))).toBeInstanceOf(RangeError);
        expect(await cache.get('k')).toBeUndefined();
      });
    });

    describe('TTL', () => {
      it('an entry expires after its TTL', async () => {
        const cache = await open();
        await cache.set('short', 's', { ttlMs: 150 });
        await cache.set('long', 'l', { ttlMs: 60_000 });
        expect(await cache.get('short')).toBe('s');
        await sleep(400);
        expect(await cache.getMany(['short', 'long'])).toEqual([undefined, 'l']);
      });

      it('without ttlMs the default TTL applies', async () => {
        const cache = await open({ defaultTtlMs: 150 });
        await cache.set('k', 1);
        expect(await cache.get('k')).toBe(1);
        await sleep(400);
        expect(await cache.get('k')).toBeUndefined();
      });

      it('a TTL above maxTtlMs is capped, so nothing lives forever', async () => {
        const cache = await open({ maxTtlMs: 150 });
        await cache.set('k', 1, { ttlMs: 24 * 3600_000 });
        await cache.set('d', 2); // the default TTL is capped too
        expect(await cache.get('k')).toBe(1);
        await sleep(400);
        expect(await cache.getMany(['k', 'd'])).toEqual([undefined, undefined]);
      });
    });

    describe('tags', () => {
      it('invalidateTags drops every entry carrying any of the tags, and nothing else', async () => {
        const cache = await open();
        await cache.set('client:1:profile', 'p1', { tags: ['client:1'] });
        await cache.set('client:1:consents', 'c1', { tags: ['client:1', 'consents'] });
        await cache.set('client:2:profile', 'p2', { tags: ['client:2'] });
        await cache.set('client:3:profile', 'p3', { tags: ['client:3'] });
        await cache.set('untagged', 'u');
        await cache.invalidateTags(['client:1', 'client:3']);
        expect(
          await cache.getMany([
            'client:1:profile',
            'client:1:consents',
            'client:2:profile',
            'client:3:profile',
            'untagged',
          ]),
        ).toEqual([undefined, undefined, 'p2', undefined, 'u']);
      });

      it('an entry with several tags goes when any one of them is invalidated', async () => {
        const cache = await open();
        await cache.set('view', 'v', { tags: ['client:1', 'store:paris', 'consents'] });
        await cache.invalidateTags(['store:paris']);
        expect(await cache.get('view')).toBeUndefined();
      });

      it('invalidating unknown tags, or none, changes nothing', async () => {
        const cache = await open();
        await cache.set('k', 'v', { tags: ['client:1'] });
        await cache.invalidateTags(['client:999', 'never-used']);
        await cache.invalidateTags([]);
        expect(await cache.get('k')).toBe('v');
      });

      it('after an invalidation, new writes with the same tag are cached again', async () => {
        const cache = await open();
        await cache.set('k', 'old', { tags: ['client:1'] });
        await cache.invalidateTags(['client:1']);
        expect(await cache.set('k', 'new', { tags: ['client:1'] })).toBe(true);
        expect(await cache.get('k')).toBe('new');
      });
    });

    describe('invalidation racing a write', () => {
      it('a value stamped before an invalidation is refused when its set lands after it', async () => {
        const cache = await open();
        const stamp = await cache.stamp('client:1', ['client:1']);
        // …the loader reads the source here; meanwhile a ConsentWithdrawn event is handled:
        await cache.invalidateTags(['client:1']);
        expect(await cache.set('client:1', { consent: 'granted' }, { stamp })).toBe(false);
        expect(await cache.get('client:1')).toBeUndefined();
      });

      it('a value stamped before a delete of its key is refused too', async () => {
        const cache = await open();
        const stamp = await cache.stamp('k');
        await cache.delete(['k']);
        expect(await cache.set('k', 'stale', { stamp })).toBe(false);
        expect(await cache.get('k')).toBeUndefined();
      });

      it('a stamped write is stored when nothing it depends on changed', async () => {
        const cache = await open();
        const stamp = await cache.stamp('k', ['b', 'a', 'a']);
        await cache.invalidateTags(['unrelated']);
        await cache.delete(['other-key']);
        expect(await cache.set('k', 'fresh', { tags: ['a', 'b'], stamp })).toBe(true);
        expect(await cache.get('k')).toBe('fresh');
        await cache.invalidateTags(['a']);
        expect(await cache.get('k')).toBeUndefined();
      });

      it('a stamp taken for another key or other tags is a usage error', async () => {
        const cache = await open();
        const stamp = await cache.stamp('k', ['a']);
        expect(await rejection(cache.set('other', 1, { stamp }))).toBeInstanceOf(TypeError);
        expect(await rejection(cache.set('k', 1, { tags: ['b'], stamp }))).toBeInstanceOf(
          TypeError,
        );
      });

      it('concurrent loads and invalidations never leave a value older than the last invalidation', async () => {
        const cache = await open();
        const tag = 'client:42';
        let version = 0; // the source of truth
        let invalidatedUpTo = 0; // versions whose invalidation has completed
        const loader = async (): Promise<number> => {
          const read = version;
          await sleep(Math.random() * 8);
          return read;
        };
        const violations: string[] = [];
        const reader = async (r: number): Promise<void> => {
          for (let i = 0; i < 12; i += 1) {
            const floor = invalidatedUpTo;
            const seen =
              i % 2 === 0
                ? await getOrLoad(cache, 'client:42', loader, { tags: [tag] })
                : await (async () => {
                    const stamp = await cache.stamp('client:42', [tag]);
                    const value = await loader();
                    await cache.set('client:42', value, { stamp });
                    return value;
                  })();
            if (seen < floor && i % 2 === 0)
              violations.push(`reader ${r} got ${seen} after ${floor} was invalidated`);
            await sleep(Math.random() * 3);
          }
        };
        const writer = async (): Promise<void> => {
          for (let i = 0; i < 25; i += 1) {
            version += 1;
            const changed = version;
            await cache.invalidateTags([tag]);
            invalidatedUpTo = changed;
            const cached = await cache.get('client:42');
            if (typeof cached === 'number' && cached < changed)
              violations.push(`cache held ${cached} after ${changed} was invalidated`);
            await sleep(Math.random() * 6);
          }
        };
        await Promise.all([writer(), ...Array.from({ length: 8 }, (_, r) => reader(r))]);
        expect(violations).toEqual([]);
        const final = await cache.get('client:42');
        expect(final === undefined || final === version).toBe(true);
      });
    });

    describe('getOrLoad', () => {
      it('concurrent callers share one load, and the result is cached', async () => {
        const cache = await open();
        let loads = 0;
        const hold = gate<undefined>();
        const loader = async (): Promise<JsonValue> => {
          loads += 1;
          await hold.promise;
          return { id: 'c-1' };
        };
        const calls = Array.from({ length: 10 }, () =>
          getOrLoad(cache, 'client:c-1', loader, { tags: ['client:c-1'] }),
        );
        await sleep(50);
        hold.open(undefined);
        expect(await Promise.all(calls)).toEqual(Array.from({ length: 10 }, () => ({ id: 'c-1' })));
        expect(await getOrLoad(cache, 'client:c-1', loader)).toEqual({ id: 'c-1' });
        expect(loads).toBe(1);
        expect(await cache.get('client:c-1')).toEqual({ id: 'c-1' });
      });

      it('a loader failure reaches every waiting caller and nothing is cached', async () => {
        const cache = await open();
        let loads = 0;
        const loader = async (): Promise<string> => {
          loads += 1;
          await sleep(20);
          throw new Error('source down');
        };
        const errors = await Promise.all(
          Array.from({ length: 3 }, () => rejection(getOrLoad(cache, 'k', loader))),
        );
        expect(errors.map((e) => (e as Error).message)).toEqual(Array(3).fill('source down'));
        expect(loads).toBe(1);
        expect(await cache.get('k')).toBeUndefined();
        expect(await getOrLoad(cache, 'k', () => Promise.resolve('recovered'))).toBe('recovered');
      });

      it('an invalidation during the load: the caller gets its value, the cache does not keep it', async () => {
        const cache = await open();
        const hold = gate<undefined>();
        const first = getOrLoad(
          cache,
          'client:1',
          async () => {
            await hold.promise;
            return 'granted';
          },
          { tags: ['client:1'] },
        );
        await sleep(50);
        await cache.invalidateTags(['client:1']); // the consent was withdrawn meanwhile
        hold.open(undefined);
        expect(await first).toBe('granted'); // its read began before the withdrawal
        expect(await cache.get('client:1')).toBeUndefined();
        expect(
          await getOrLoad(cache, 'client:1', () => Promise.resolve('withdrawn'), {
            tags: ['client:1'],
          }),
        ).toBe('withdrawn');
      });

      it('a caller arriving after an invalidation does not take the value of a load begun before it', async () => {
        const cache = await open();
        const hold = gate<undefined>();
        let consent = 'granted';
        const loader = async (): Promise<string> => {
          const read = consent;
          await hold.promise;
          return read;
        };
        const early = getOrLoad(cache, 'client:1', loader, { tags: ['client:1'] });
        await sleep(50);
        consent = 'withdrawn';
        await cache.invalidateTags(['client:1']);
        const late = getOrLoad(cache, 'client:1', loader, { tags: ['client:1'] });
        await sleep(50);
        hold.open(undefined);
        expect(await early).toBe('granted');
        expect(await late).toBe('withdrawn');
        expect(await cache.get('client:1')).toBe('withdrawn');
      });

      it('decode turns a cached value of the wrong shape into a miss', async () => {
        const cache = await open();
        await cache.set('k', 'not a number');
        const decode = (v: JsonValue): number | undefined =>
          typeof v === 'number' ? v : undefined;
        expect(await getOrLoad(cache, 'k', () => Promise.resolve(7), { decode })).toBe(7);
        expect(await cache.get('k')).toBe(7);
      });
    });

    it('after close, every call rejects with CacheBackendError (unavailable)', async () => {
      const cache = await open();
      await cache.close();
      for (const call of [
        cache.get('k'),
        cache.getMany(['k']),
        cache.stamp('k'),
        cache.set('k', 1),
        cache.delete(['k']),
        cache.invalidateTags(['t']),
      ]) {
        const error = await rejection(call);
        expect(error).toBeInstanceOf(CacheBackendError);
        expect((error as CacheBackendError).failure).toBe('unavailable');
      }
      await cache.close(); // idempotent
    });
  });
}

/**
 * The behaviour every RateLimiter adapter must have. The factory returns a fresh limiter with
 * the given rate, where no caller has spent anything yet.
 */
export function rateLimiterContract(
  name: string,
  factory: (rate: RateLimit) => Promise<RateLimiterSubject>,
): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const opened: RateLimiterSubject[] = [];
    const open = async (rate: RateLimit): Promise<RateLimiter> => {
      const subject = await factory(rate);
      opened.push(subject);
      return subject.limiter;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.cleanup()));
    });
    // 5 per second: one unit back every 200 ms.
    const fivePerSecond: RateLimit = { limit: 5, intervalMs: 1_000 };

    it('allows a burst up to the capacity, then denies with a retry delay', async () => {
      const limiter = await open(fivePerSecond);
      const allowed = [];
      for (let i = 0; i < 5; i += 1) allowed.push(await limiter.consume('caller-a'));
      expect(allowed.map((d) => [d.allowed, d.remaining, d.retryAfterMs])).toEqual([
        [true, 4, 0],
        [true, 3, 0],
        [true, 2, 0],
        [true, 1, 0],
        [true, 0, 0],
      ]);
      const denied = await limiter.consume('caller-a');
      expect(denied).toMatchObject({ allowed: false, remaining: 0, limit: 5 });
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(200);
    });

    it('a denied call spends nothing: after retryAfterMs the caller is served', async () => {
      const limiter = await open(fivePerSecond);
      for (let i = 0; i < 5; i += 1) await limiter.consume('caller-a');
      const denied = await limiter.consume('caller-a');
      expect(denied.allowed).toBe(false);
      await sleep(denied.retryAfterMs + 30);
      expect((await limiter.consume('caller-a')).allowed).toBe(true);
      expect((await limiter.consume('caller-a')).allowed).toBe(false);
    });

    it('callers have separate allowances', async () => {
      const limiter = await open({ limit: 2, intervalMs: 60_000 });
      await limiter.consume('caller-a');
      await limiter.consume('caller-a');
      expect((await limiter.consume('caller-a')).allowed).toBe(false);
      expect(await limiter.consume('caller-b')).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('resetMs is when the allowance is full again', async () => {
      const limiter = await open(fivePerSecond);
      await limiter.consume('caller-a');
      const second = await limiter.consume('caller-a');
      expect(second.resetMs).toBeGreaterThan(300);
      expect(second.resetMs).toBeLessThanOrEqual(400);
      await sleep(second.resetMs + 30);
      expect(await limiter.consume('caller-a')).toMatchObject({ allowed: true, remaining: 4 });
    });

    it('refill is continuous and capped at the burst', async () => {
      const limiter = await open({ limit: 10, intervalMs: 1_000, burst: 3 });
      for (let i = 0; i < 3; i += 1) await limiter.consume('caller-a');
      expect((await limiter.consume('caller-a')).allowed).toBe(false);
      await sleep(130); // one unit back (100 ms each)
      expect(await limiter.consume('caller-a')).toMatchObject({ allowed: true, remaining: 0 });
      await sleep(800); // would be 8 units, but the bucket holds 3
      expect(await limiter.consume('caller-a')).toMatchObject({
        allowed: true,
        remaining: 2,
        limit: 3,
      });
    });

    it('a cost spends several units; a cost above what is left is denied and spends nothing', async () => {
      const limiter = await open({ limit: 5, intervalMs: 60_000 });
      expect(await limiter.consume('caller-a', 3)).toMatchObject({ allowed: true, remaining: 2 });
      const denied = await limiter.consume('caller-a', 3);
      expect(denied).toMatchObject({ allowed: false, remaining: 2 });
      // One more unit is needed: 60 000 ms / 5.
      expect(denied.retryAfterMs).toBeGreaterThan(11_000);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(12_000);
      expect(await limiter.consume('caller-a', 2)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('rejects a cost that is not a positive integer or that the burst could never grant', async () => {
      const limiter = await open(fivePerSecond);
      for (const cost of [0, -1, 1.5, Number.NaN, 6])
        expect(await rejection(limiter.consume('caller-a', cost))).toBeInstanceOf(RangeError);
      expect((await limiter.consume('caller-a')).remaining).toBe(4);
    });

    it('concurrent calls never overspend', async () => {
      const limiter = await open({ limit: 10, intervalMs: 60_000 });
      const decisions = await Promise.all(
        Array.from({ length: 40 }, () => limiter.consume('caller-a')),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      expect(
        decisions
          .filter((d) => d.allowed)
          .map((d) => d.remaining)
          .sort((a, b) => a - b),
      ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('after close, consume rejects with CacheBackendError (unavailable)', async () => {
      const limiter = await open(fivePerSecond);
      await limiter.close();
      const error = await rejection(limiter.consume('caller-a'));
      expect(error).toBeInstanceOf(CacheBackendError);
      expect((error as CacheBackendError).failure).toBe('unavailable');
      await limiter.close();
    });
  });
}
