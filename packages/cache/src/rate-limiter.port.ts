/** The outcome of one `consume`, with what a `RateLimit` / `Retry-After` response header needs. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Whole units left for this caller after this call. */
  readonly remaining: number;
  /** Milliseconds until the caller's allowance is full again. */
  readonly resetMs: number;
  /** 0 when allowed; otherwise milliseconds until the same call would be allowed. */
  readonly retryAfterMs: number;
  /** The burst capacity: the most a caller can spend at once. */
  readonly limit: number;
}

/**
 * A per-caller rate limit. A denied call consumes nothing, so a caller who backs off for
 * `retryAfterMs` is served.
 */
export interface RateLimiter {
  /** Spends `cost` (default 1) of `callerKey`'s allowance, atomically across every replica. */
  consume(callerKey: string, cost?: number): Promise<RateLimitDecision>;
  /** Releases resources; later calls reject with `CacheBackendError` (`unavailable`). */
  close(): Promise<void>;
}

/**
 * A token bucket: `limit` units per `intervalMs`, refilled continuously, holding at most `burst`
 * (default `limit`). E.g. `{ limit: 600, intervalMs: 60_000, burst: 50 }`: 10 per second on
 * average, never more than 50 at once.
 */
export interface RateLimit {
  readonly limit: number;
  readonly intervalMs: number;
  readonly burst?: number;
}

/**
 * The bucket in integer "ticks": one unit is `intervalMs` ticks and every millisecond adds `limit`
 * ticks, so all arithmetic is on integers. With fractional tokens, waiting exactly `retryAfterMs`
 * could fall short of the cost by a rounding error and be denied again.
 */
export interface TokenBucketRule {
  /** The burst, in whole units. */
  readonly capacity: number;
  readonly limit: number;
  readonly intervalMs: number;
}

export function tokenBucketRule(rate: RateLimit): TokenBucketRule {
  const capacity = rate.burst ?? rate.limit;
  for (const [name, value] of [
    ['limit', rate.limit],
    ['intervalMs', rate.intervalMs],
    ['burst', capacity],
  ] as const)
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RangeError(`rate limit ${name} must be a positive integer, got ${value}`);
  if (!Number.isSafeInteger(capacity * rate.intervalMs + rate.limit))
    throw new RangeError('rate limit burst × intervalMs is too large to count exactly');
  return { capacity, limit: rate.limit, intervalMs: rate.intervalMs };
}

/** A cost the bucket could never grant is a caller's mistake, not a denial. */
export function checkCost(rule: TokenBucketRule, cost: number): void {
  if (!Number.isSafeInteger(cost) || cost <= 0)
    throw new RangeError(`cost must be a positive integer, got ${cost}`);
  if (cost > rule.capacity)
    throw new RangeError(`cost ${cost} exceeds the burst capacity ${rule.capacity}`);
}

/** What a bucket remembers; a caller without one has a full bucket. */
export interface BucketState {
  /** Units × intervalMs (see `TokenBucketRule`). */
  readonly ticks: number;
  /** Whole milliseconds. */
  readonly at: number;
}

/** ⌈a / b⌉ for non-negative safe integers, exact where a float quotient may round. */
export function ceilDiv(a: number, b: number): number {
  let q = Math.ceil(a / b);
  while (q * b < a) q += 1;
  while (q > 0 && (q - 1) * b >= a) q -= 1;
  return q;
}

/** ⌊a / b⌋ for non-negative safe integers, exact where a float quotient may round. */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q * b > a) q -= 1;
  while ((q + 1) * b <= a) q += 1;
  return q;
}

/** When the bucket is full again, i.e. as good as forgotten. */
export function refilledAt(rule: TokenBucketRule, state: BucketState): number {
  return state.at + ceilDiv(rule.capacity * rule.intervalMs - state.ticks, rule.limit);
}

/**
 * One step of the token bucket, pure. The Redis adapter runs the same arithmetic in Lua
 * (`redis.rate-limiter.ts`); keep the two in step.
 */
export function takeTokens(
  rule: TokenBucketRule,
  state: BucketState | undefined,
  now: number,
  cost: number,
): { readonly state: BucketState; readonly decision: RateLimitDecision } {
  const full = rule.capacity * rule.intervalMs;
  const need = cost * rule.intervalMs;
  // A clock that steps back (an NTP correction, a failover) must not mint tokens later on.
  const at = state ? Math.max(Math.floor(now), state.at) : Math.floor(now);
  let available = full;
  if (state) {
    // Past the time to refill, the bucket is simply full; capping also keeps products exact.
    available = at >= refilledAt(rule, state) ? full : state.ticks + (at - state.at) * rule.limit;
  }
  const allowed = available >= need;
  const ticks = allowed ? available - need : available;
  return {
    state: { ticks, at },
    decision: {
      allowed,
      remaining: floorDiv(ticks, rule.intervalMs),
      resetMs: ceilDiv(full - ticks, rule.limit),
      retryAfterMs: allowed ? 0 : ceilDiv(need - available, rule.limit),
      limit: rule.capacity,
    },
  };
}
