import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { isolatedRedis, type IsolatedRedis } from '@maison/testing';
import { Redis } from 'ioredis';
import net from 'node:net';
import {
  CacheBackendError,
  RedisCache,
  RedisRateLimiter,
  createRedisClient,
  redisHealthCheck,
} from '../src/index.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/** A TCP server that accepts connections and never answers: a hung Redis. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A port nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `redis://127.0.0.1:${port}`;
}

describe('Redis failures surface as CacheBackendError, never as a hang', () => {
  let hung: Awaited<ReturnType<typeof silentServer>>;
  const clients: Redis[] = [];
  beforeAll(async () => {
    hung = await silentServer();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(() => hung.close());

  it('a hung server: every cache call times out within its deadline', async () => {
    const client = createRedisClient(hung.url);
    clients.push(client);
    const cache = new RedisCache({ client, prefix: 'svc', operationTimeoutMs: 300 });
    for (const call of [
      () => cache.get('k'),
      () => cache.getMany(['k', 'l']),
      () => cache.stamp('k', ['t']),
      () => cache.set('k', 1, { tags: ['t'] }),
      () => cache.delete(['k']),
      () => cache.invalidateTags(['t']),
    ]) {
      const { result, ms } = await timed(() => rejection(call()));
      expect(result).toBeInstanceOf(CacheBackendError);
      expect((result as CacheBackendError).failure).toBe('timeout');
      expect(ms).toBeLessThan(1_000);
    }
  });

  it('a hung server behind a caller-made client with no timeouts at all: still bounded', async () => {
    // No commandTimeout, unlimited retries: only the adapter's own deadline stands.
    const client = new Redis(hung.url, { maxRetriesPerRequest: null, lazyConnect: true });
    client.on('error', () => undefined);
    clients.push(client);
    const cache = new RedisCache({ client, prefix: 'svc', operationTimeoutMs: 250 });
    const limiter = new RedisRateLimiter({
      client,
      prefix: 'rl',
      limit: 1,
      intervalMs: 1_000,
      operationTimeoutMs: 250,
    });
    for (const call of [() => cache.get('k'), () => limiter.consume('caller')]) {
      const { result, ms } = await timed(() => rejection(call()));
      expect(result).toMatchObject({ name: 'CacheBackendError', failure: 'timeout' });
      expect(ms).toBeLessThan(1_000);
    }
  });

  it('nothing listening: calls fail fast with a typed error', async () => {
    const url = await closedPortUrl();
    const cache = new RedisCache({ client: url, prefix: 'svc', operationTimeoutMs: 1_500 });
    const limiter = new RedisRateLimiter({
      client: url,
      prefix: 'rl',
      limit: 1,
      intervalMs: 1_000,
    });
    try {
      for (const call of [() => cache.get('k'), () => limiter.consume('caller')]) {
        const { result, ms } = await timed(() => rejection(call()));
        expect(result).toBeInstanceOf(CacheBackendError);
        expect(['unavailable', 'timeout']).toContain((result as CacheBackendError).failure);
        expect(ms).toBeLessThan(2_500);
      }
    } finally {
      await cache.close();
      await limiter.close();
    }
  });

  it('the health check settles on abort even when Redis never answers', async () => {
    const client = createRedisClient(hung.url, { commandTimeoutMs: 60_000 });
    clients.push(client);
    const check = redisHealthCheck(client, { timeoutMs: 500 });
    expect(check).toMatchObject({ name: 'redis', timeoutMs: 500 });
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort(new Error('probe timed out'));
    }, 100);
    const { result, ms } = await timed(() => rejection(check.check(controller.signal)));
    expect((result as Error).message).toBe('probe timed out');
    expect(ms).toBeLessThan(500);
    const aborted = AbortSignal.abort();
    expect(await rejection(check.check(aborted))).toBeInstanceOf(Error);
  });
});

describe('Redis adapters on a real server', () => {
  let redis: IsolatedRedis;
  let second: Redis; // another replica's connection, same key space
  beforeAll(async () => {
    redis = await isolatedRedis('cache_redis');
    second = new Redis(redis.url, { keyPrefix: redis.prefix, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    second.disconnect();
    await redis.cleanup();
  });

  it('the health check answers on a live server', async () => {
    const check = redisHealthCheck(redis.client, { name: 'cache-redis' });
    expect(check.name).toBe('cache-redis');
    await expect(check.check(new AbortController().signal)).resolves.toBe('PONG');
  });

  it('caches with different prefixes never see each other', async () => {
    const profiles = new RedisCache({ client: redis.client, prefix: 'profiles' });
    const consent = new RedisCache({ client: redis.client, prefix: 'consent' });
    await profiles.set('client:1', 'profile', { tags: ['client:1'] });
    await consent.set('client:1', 'consent', { tags: ['client:1'] });
    await consent.invalidateTags(['client:1']);
    expect(await profiles.get('client:1')).toBe('profile');
    expect(await consent.get('client:1')).toBeUndefined();
  });

  it('replicas share invalidations: a stamp from one is refused after another invalidates', async () => {
    const a = new RedisCache({ client: redis.client, prefix: 'gateway' });
    const b = new RedisCache({ client: second, prefix: 'gateway' });
    await a.set('client:7', 'v1', { tags: ['client:7'] });
    expect(await b.get('client:7')).toBe('v1');
    const stamp = await a.stamp('client:7', ['client:7']);
    await b.invalidateTags(['client:7']);
    expect(await a.get('client:7')).toBeUndefined();
    expect(await a.set('client:7', 'v1-stale', { stamp })).toBe(false);
    expect(await b.get('client:7')).toBeUndefined();
  });

  it('losing version keys (eviction, a flush) turns entries into misses and never revives them', async () => {
    const cache = new RedisCache({ client: redis.client, prefix: 'evict' });
    await cache.set('k', 'v', { tags: ['client:1'] });
    const stamp = await cache.stamp('x', ['client:1']);
    // Drop every guard key, as an allkeys-* eviction policy might (layout in the README).
    const sweeper = new Redis(redis.url);
    try {
      const keys = await sweeper.keys(`${redis.prefix}evict:v:*`);
      expect(keys.length).toBeGreaterThan(0);
      await sweeper.del(...keys);
    } finally {
      sweeper.disconnect();
    }
    expect(await cache.get('k')).toBeUndefined();
    await cache.stamp('k', ['client:1']); // new guards, new tokens
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.set('x', 'maybe stale', { stamp })).toBe(false);
  });

  it('a server error reply is a CacheBackendError of failure "reply"', async () => {
    const cache = new RedisCache({ client: redis.client, prefix: 'wrongtype' });
    // A hash where the cache keeps a key's version string: every script touching it fails.
    await redis.client.hset('wrongtype:v:k:k', 'field', 'value');
    const error = await rejection(cache.stamp('k'));
    expect(error).toBeInstanceOf(CacheBackendError);
    expect((error as CacheBackendError).failure).toBe('reply');
    expect((error as CacheBackendError).operation).toBe('stamp');
  });

  it('replicas share one allowance: concurrent calls through two connections never overspend', async () => {
    const rate = { limit: 7, intervalMs: 60_000 };
    const a = new RedisRateLimiter({ client: redis.client, prefix: 'gw', ...rate });
    const b = new RedisRateLimiter({ client: second, prefix: 'gw', ...rate });
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).consume('integration:shopify')),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    const other = new RedisRateLimiter({ client: redis.client, prefix: 'other', ...rate });
    expect((await other.consume('integration:shopify')).remaining).toBe(6);
  });

  it('the cache does not close a client it was given', async () => {
    const cache = new RedisCache({ client: redis.client, prefix: 'shared' });
    await cache.close();
    await expect(redis.client.ping()).resolves.toBe('PONG');
  });
});
