export type { JsonValue } from './json.js';
export { CacheBackendError, type CacheBackendFailure } from './cache.errors.js';
export {
  DEFAULT_MAX_TTL_MS,
  DEFAULT_TTL_MS,
  type Cache,
  type CacheStamp,
  type CacheTtlOptions,
  type SetOptions,
} from './cache.port.js';
export { InMemoryCache, type InMemoryCacheOptions } from './in-memory.cache.js';
export { RedisCache, type RedisCacheOptions } from './redis.cache.js';
export { getOrLoad, type GetOrLoadOptions } from './get-or-load.js';
export {
  takeTokens,
  tokenBucketRule,
  type BucketState,
  type RateLimit,
  type RateLimitDecision,
  type RateLimiter,
  type TokenBucketRule,
} from './rate-limiter.port.js';
export { InMemoryRateLimiter, type InMemoryRateLimiterOptions } from './in-memory.rate-limiter.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis.rate-limiter.js';
export { createRedisClient, type RedisClientOptions } from './redis.client.js';
export { redisHealthCheck, type RedisHealthCheck } from './redis.health.js';
