import { CacheBackendError } from './cache.errors.js';
import {
  checkCost,
  refilledAt,
  takeTokens,
  tokenBucketRule,
  type BucketState,
  type RateLimit,
  type RateLimitDecision,
  type RateLimiter,
  type TokenBucketRule,
} from './rate-limiter.port.js';

export interface InMemoryRateLimiterOptions extends RateLimit {
  /** Milliseconds since the epoch; injectable so tests can move time without sleeping. */
  readonly now?: () => number;
}

/** How many calls between sweeps of buckets that have refilled (a full bucket = no bucket). */
const SWEEP_EVERY = 1_000;

/** The rate limiter of the embedded mode: one process, so one Map is the whole truth. */
export class InMemoryRateLimiter implements RateLimiter {
  readonly #rule: TokenBucketRule;
  readonly #now: () => number;
  readonly #buckets = new Map<string, BucketState>();
  #calls = 0;
  #closed = false;

  constructor(options: InMemoryRateLimiterOptions) {
    this.#rule = tokenBucketRule(options);
    this.#now = options.now ?? Date.now;
  }

  async consume(callerKey: string, cost = 1): Promise<RateLimitDecision> {
    checkCost(this.#rule, cost);
    await Promise.resolve(); // async like the Redis adapter
    if (this.#closed)
      throw new CacheBackendError('unavailable', 'consume', 'the rate limiter is closed');
    const now = this.#now();
    const { state, decision } = takeTokens(this.#rule, this.#buckets.get(callerKey), now, cost);
    this.#buckets.set(callerKey, state);
    this.#calls += 1;
    if (this.#calls % SWEEP_EVERY === 0) this.#sweep(now);
    return decision;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#buckets.clear();
    return Promise.resolve();
  }

  #sweep(now: number): void {
    for (const [key, state] of this.#buckets)
      if (now >= refilledAt(this.#rule, state)) this.#buckets.delete(key);
  }
}
