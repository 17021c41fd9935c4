import { InMemoryCache } from './in-memory.cache.js';
import { InMemoryRateLimiter } from './in-memory.rate-limiter.js';
import { cacheContract, rateLimiterContract } from './testing/contract.js';

cacheContract('in-memory', (options) => {
  const cache = new InMemoryCache(options);
  return Promise.resolve({ cache, cleanup: () => cache.close() });
});

rateLimiterContract('in-memory', (rate) => {
  const limiter = new InMemoryRateLimiter(rate);
  return Promise.resolve({ limiter, cleanup: () => limiter.close() });
});
