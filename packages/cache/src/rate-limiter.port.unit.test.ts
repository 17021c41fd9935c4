import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InMemoryRateLimiter } from './in-memory.rate-limiter.js';
import { takeTokens, tokenBucketRule, type BucketState } from './rate-limiter.port.js';

const rates = fc.record(
  {
    limit: fc.integer({ min: 1, max: 1_000 }),
    intervalMs: fc.integer({ min: 1, max: 3_600_000 }),
    burst: fc.integer({ min: 1, max: 1_000 }),
  },
  { requiredKeys: ['limit', 'intervalMs'] },
);
const steps = fc.array(
  fc.record({
    waitMs: fc.integer({ min: 0, max: 120_000 }),
    cost: fc.integer({ min: 1, max: 50 }),
  }),
  { maxLength: 60 },
);

describe('token bucket', () => {
  it('never grants more than the burst plus what the elapsed time refilled', () => {
    fc.assert(
      fc.property(rates, steps, (rate, calls) => {
        const rule = tokenBucketRule(rate);
        let state: BucketState | undefined;
        let now = 0;
        let granted = 0;
        for (const { waitMs, cost } of calls) {
          now += waitMs;
          if (cost > rule.capacity) continue;
          const step = takeTokens(rule, state, now, cost);
          state = step.state;
          if (step.decision.allowed) granted += cost;
          expect(granted * rule.intervalMs).toBeLessThanOrEqual(
            rule.capacity * rule.intervalMs + now * rule.limit,
          );
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('a denial changes nothing, and the same call succeeds once retryAfterMs has passed', () => {
    fc.assert(
      fc.property(rates, steps, (rate, calls) => {
        const rule = tokenBucketRule(rate);
        let state: BucketState | undefined;
        let now = 0;
        for (const { waitMs, cost } of calls) {
          now += waitMs;
          if (cost > rule.capacity) continue;
          const step = takeTokens(rule, state, now, cost);
          if (!step.decision.allowed) {
            expect(step.decision.retryAfterMs).toBeGreaterThan(0);
            const retried = takeTokens(rule, step.state, now + step.decision.retryAfterMs, cost);
            expect(retried.decision.allowed).toBe(true);
          } else {
            expect(step.decision.retryAfterMs).toBe(0);
          }
          expect(step.decision.remaining).toBeGreaterThanOrEqual(0);
          expect(step.decision.remaining).toBeLessThanOrEqual(rule.capacity);
          state = step.state;
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('after resetMs the bucket is full', () => {
    fc.assert(
      fc.property(rates, steps, (rate, calls) => {
        const rule = tokenBucketRule(rate);
        let state: BucketState | undefined;
        let now = 0;
        for (const { waitMs, cost } of calls) {
          now += waitMs;
          if (cost > rule.capacity) continue;
          const step = takeTokens(rule, state, now, cost);
          state = step.state;
          const later = takeTokens(rule, state, now + step.decision.resetMs, rule.capacity);
          expect(later.decision.allowed).toBe(true);
        }
      }),
      {
        numRuns: 1_000,
        // Found by this property when the bucket counted in fractional tokens: the refill after
        // exactly resetMs fell short of full by a rounding error.
        examples: [
          [
            { limit: 1, intervalMs: 638_589, burst: 53 },
            [
              { waitMs: 0, cost: 9 },
              { waitMs: 0, cost: 3 },
              { waitMs: 0, cost: 15 },
              { waitMs: 0, cost: 16 },
              { waitMs: 0, cost: 9 },
              { waitMs: 3_451, cost: 1 },
            ],
          ],
        ],
      },
    );
  });

  it('rejects rates that are not positive', () => {
    expect(() => tokenBucketRule({ limit: 0, intervalMs: 1_000 })).toThrow(RangeError);
    expect(() => tokenBucketRule({ limit: 1, intervalMs: -1 })).toThrow(RangeError);
    expect(() => tokenBucketRule({ limit: 1, intervalMs: 1_000, burst: 0 })).toThrow(RangeError);
  });
});

describe('InMemoryRateLimiter on an injected clock', () => {
  it('refills at the configured rate', async () => {
    let now = 0;
    const limiter = new InMemoryRateLimiter({ limit: 60, intervalMs: 60_000, now: () => now });
    for (let i = 0; i < 60; i += 1) await limiter.consume('caller');
    expect(await limiter.consume('caller')).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    now += 1_000;
    expect(await limiter.consume('caller')).toMatchObject({ allowed: true, remaining: 0 });
    now += 60_000;
    expect(await limiter.consume('caller')).toMatchObject({
      allowed: true,
      remaining: 59,
      resetMs: 1_000,
    });
  });
});
