import type { TIERS } from '@maison/event-contracts';
import { type Money, type RuleRef } from '@maison/event-contracts';
import { z } from 'zod';

export type Tier = (typeof TIERS)[number];

/**
 * Tier from the rolling 12-month net spend in the reporting currency: the highest tier whose
 * threshold the spend reaches; `client` for anyone who has bought, `prospect` for no purchase.
 */
export const tierRulesSchema = z.strictObject({
  version: z.string().min(1).max(50),
  /** Minor units of the reporting currency, per tier above `client`. */
  thresholds: z.strictObject({
    silver: z.number().int().min(0),
    gold: z.number().int().min(0),
    vic: z.number().int().min(0),
  }),
});
export type TierRules = z.infer<typeof tierRulesSchema>;

/** VIC from 50,000 a year (the trade's usual line), gold 20,000, silver 5,000 — reporting currency. */
export const DEFAULT_TIER_RULES: TierRules = {
  version: '2026-12',
  thresholds: { silver: 500_000, gold: 2_000_000, vic: 5_000_000 },
};

export interface TierDecision {
  readonly tier: Tier;
  readonly rule: RuleRef;
}

export function tierFor(rules: TierRules, rollingSpend: Money, purchases: number): TierDecision {
  const rule = (id: string): RuleRef => ({ id: `tier.${id}`, version: rules.version });
  const spend = rollingSpend.amountMinor;
  if (purchases === 0) return { tier: 'prospect', rule: rule('prospect') };
  if (spend >= rules.thresholds.vic) return { tier: 'vic', rule: rule('vic') };
  if (spend >= rules.thresholds.gold) return { tier: 'gold', rule: rule('gold') };
  if (spend >= rules.thresholds.silver) return { tier: 'silver', rule: rule('silver') };
  return { tier: 'client', rule: rule('client') };
}
