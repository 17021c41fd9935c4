import type { Redis } from 'ioredis';
import { CacheBackendError } from './cache.errors.js';
import {
  checkCost,
  tokenBucketRule,
  type RateLimit,
  type RateLimitDecision,
  type RateLimiter,
  type TokenBucketRule,
} from './rate-limiter.port.js';
import { createRedisClient, defineScript, operationTimeout, withDeadline } from './redis.client.js';

export interface RedisRateLimiterOptions extends RateLimit {
  /** A client to share (closed by its owner), or a URL (the limiter opens and closes its own). */
  readonly client: Redis | string;
  /** Namespace of this limiter's buckets, e.g. `gateway:graphql`. */
  readonly prefix: string;
  /** Deadline of one `consume`. Default 2 000 ms. */
  readonly operationTimeoutMs?: number;
}

// The token bucket of `takeTokens` (rate-limiter.port.ts), atomically in Redis, in the same
// integer ticks. KEYS[1] = the caller's bucket; ARGV = capacity, limit, intervalMs, cost. The clock
// is Redis's own (TIME), so gateway replicas with skewed clocks share one consistent bucket. A full
// bucket is deleted: it is indistinguishable from a caller never seen, and memory follows active
// callers. Lua numbers are doubles: integers stay exact below 2^53, which tokenBucketRule checks.
const CONSUME_LUA = `
local function ceil_div(a, b)
  local q = math.ceil(a / b)
  while q * b < a do q = q + 1 end
  while q > 0 and (q - 1) * b >= a do q = q - 1 end
  return q
end
local function floor_div(a, b)
  local q = math.floor(a / b)
  while q * b > a do q = q - 1 end
  while (q + 1) * b <= a do q = q + 1 end
  return q
end
local capacity = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local full = capacity * interval
local need = cost * interval
local time = redis.call('TIME')
local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local available = full
local state = redis.call('HMGET', KEYS[1], 'ticks', 'at')
if state[1] and state[2] then
  local ticks = tonumber(state[1])
  local last = tonumber(state[2])
  if at < last then at = last end
  if at >= last + ceil_div(full - ticks, limit) then
    available = full
  else
    available = ticks + (at - last) * limit
  end
end
local allowed = 0
local ticks = available
local retry = 0
if available >= need then
  allowed = 1
  ticks = available - need
else
  retry = ceil_div(need - available, limit)
end
local reset = ceil_div(full - ticks, limit)
if reset > 0 then
  redis.call('HSET', KEYS[1], 'ticks', string.format('%.0f', ticks), 'at', string.format('%.0f', at))
  redis.call('PEXPIRE', KEYS[1], reset)
else
  redis.call('DEL', KEYS[1])
end
return { allowed, floor_div(ticks, interval), reset, retry }
`;

function isDecisionReply(reply: unknown): reply is [number, number, number, number] {
  return Array.isArray(reply) && reply.length === 4 && reply.every((n) => typeof n === 'number');
}

/** The rate limiter shared by every replica: one Lua script per call, one Redis key per caller. */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #rule: TokenBucketRule;
  readonly #timeoutMs: number;
  readonly #consumeScript: (
    keys: readonly string[],
    args: readonly (string | number)[],
  ) => Promise<unknown>;
  #closed = false;

  constructor(options: RedisRateLimiterOptions) {
    if (options.prefix === '') throw new RangeError('a rate limiter needs a non-empty key prefix');
    this.#rule = tokenBucketRule(options);
    this.#timeoutMs = operationTimeout(options.operationTimeoutMs);
    this.#prefix = options.prefix;
    this.#ownsClient = typeof options.client === 'string';
    this.#client =
      typeof options.client === 'string' ? createRedisClient(options.client) : options.client;
    this.#consumeScript = defineScript(this.#client, 'maisonRateLimitV1', CONSUME_LUA);
  }

  async consume(callerKey: string, cost = 1): Promise<RateLimitDecision> {
    checkCost(this.#rule, cost);
    if (this.#closed)
      throw new CacheBackendError('unavailable', 'consume', 'the rate limiter is closed');
    const reply = await withDeadline('consume', this.#timeoutMs, () =>
      this.#consumeScript(
        [`${this.#prefix}:rl:${callerKey}`],
        [this.#rule.capacity, this.#rule.limit, this.#rule.intervalMs, cost],
      ),
    );
    if (!isDecisionReply(reply))
      throw new CacheBackendError('reply', 'consume', 'unexpected script reply');
    const [allowed, remaining, resetMs, retryAfterMs] = reply;
    return { allowed: allowed === 1, remaining, resetMs, retryAfterMs, limit: this.#rule.capacity };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ownsClient) return;
    try {
      await withDeadline('close', this.#timeoutMs, () => this.#client.quit());
    } catch {
      this.#client.disconnect();
    }
  }
}
