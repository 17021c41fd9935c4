import { isolatedRedis } from '@maison/testing';
import { RedisCache, RedisRateLimiter } from '../src/index.js';
import { cacheContract, rateLimiterContract } from '../src/testing/contract.js';

cacheContract('Redis', async (options) => {
  const redis = await isolatedRedis('cache_contract');
  const cache = new RedisCache({ client: redis.client, prefix: 'svc', ...options });
  return {
    cache,
    cleanup: async () => {
      await cache.close();
      await redis.cleanup();
    },
  };
});

rateLimiterContract('Redis', async (rate) => {
  const redis = await isolatedRedis('rl_contract');
  const limiter = new RedisRateLimiter({ client: redis.client, prefix: 'gateway', ...rate });
  return {
    limiter,
    cleanup: async () => {
      await limiter.close();
      await redis.cleanup();
    },
  };
});
