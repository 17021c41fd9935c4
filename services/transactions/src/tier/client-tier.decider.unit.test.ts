import { describe, expect, it } from '@jest/globals';
import { decideTier, evolveTier, initialTierState, type SetTier } from './client-tier.decider.js';
import { DEFAULT_TIER_RULES, tierFor, type Tier } from './tier.rules.js';

const command = (tier: Tier, amountMinor: number): SetTier => ({
  type: 'SetTier',
  clientId: 'c-1',
  tier,
  rollingSpend: { amountMinor, currency: 'EUR' },
  rule: { id: `tier.${tier}`, version: '2026-12' },
  at: '2026-11-21T09:00:00Z',
  meta: {
    eventId: '11111111-1111-4111-8111-111111111111',
    recordedAt: '2026-11-21T09:00:00Z',
    region: 'EU',
    correlationId: 'c-1',
    causationId: null,
  },
});

describe('client tier', () => {
  it('follows the configured thresholds on rolling 12-month spend', () => {
    const eur = (n: number) => ({ amountMinor: n, currency: 'EUR' });
    expect(tierFor(DEFAULT_TIER_RULES, eur(0), 0).tier).toBe('prospect');
    expect(tierFor(DEFAULT_TIER_RULES, eur(-5000), 1).tier).toBe('client');
    expect(tierFor(DEFAULT_TIER_RULES, eur(499_999), 1).tier).toBe('client');
    expect(tierFor(DEFAULT_TIER_RULES, eur(500_000), 1).tier).toBe('silver');
    expect(tierFor(DEFAULT_TIER_RULES, eur(2_000_000), 3).tier).toBe('gold');
    expect(tierFor(DEFAULT_TIER_RULES, eur(5_000_000), 9)).toEqual({
      tier: 'vic',
      rule: { id: 'tier.vic', version: '2026-12' },
    });
  });

  it('emits ClientTierChanged on a change only, with where it came from', () => {
    const first = decideTier(command('client', 100), initialTierState());
    expect(first[0]?.data).toMatchObject({ from: null, to: 'client' });
    const state = first.reduce(evolveTier, initialTierState());
    expect(decideTier(command('client', 200), state)).toEqual([]);
    const up = decideTier(command('vic', 6_000_000), state);
    expect(up[0]).toMatchObject({
      type: 'ClientTierChanged',
      streamId: 'transactions-client-c-1',
      subjectId: 'c-1',
    });
    expect(up[0]?.data).toMatchObject({
      from: 'client',
      to: 'vic',
      rollingSpend: { amountMinor: 6_000_000 },
    });
  });
});
