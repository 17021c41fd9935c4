import path from 'node:path';
import { loadConfig, secret } from '@maison/service-kit';
import { z } from 'zod';
import { isCurrency } from './money/currency.js';
import { shopSchema, type ShopConfig } from './shopify/shopify.mapping.js';
import { DEFAULT_TIER_RULES, tierRulesSchema, type TierRules } from './tier/tier.rules.js';

/** The sample ECB-format rates shipped for the demo and tests (not for production). */
export const SAMPLE_RATES_FILE = path.join(
  import.meta.dirname,
  '..',
  'fixtures',
  'fx',
  'eurofxref-sample.csv',
);

export interface TransactionsConfig {
  /** ISO 4217: KPIs, tiers and spend are in this currency. */
  readonly reportingCurrency: string;
  /** An ECB reference-rates CSV (eurofxref-hist.csv format). */
  readonly fxRatesFile: string;
  /** How many days before the business date a rate may come from; beyond that, refuse. */
  readonly maxRateGapDays: number;
  readonly tierRules: TierRules;
  readonly shopifyShops: readonly ShopConfig[];
  /** Records per `POST /v1/transactions:batch`. */
  readonly batchLimit: number;
  readonly importMaxBytes: number;
  /** Lease of an import worker on an import (a killed worker's import resumes after it). */
  readonly importLeaseMs: number;
  /**
   * Session timeout of the ingest consumer's group membership: after a crash, the partitions of
   * the dead instance wait this long before a new one gets them (Kafka's floor is 6 s).
   */
  readonly ingestSessionTimeoutMs?: number;
}

const json = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** Environment settings (validated at start; every problem listed, secrets never shown). */
export const transactionsEnv = {
  TRANSACTIONS_REPORTING_CURRENCY: z
    .string()
    .refine(isCurrency, 'must be an ISO 4217 code')
    .default('EUR'),
  TRANSACTIONS_FX_RATES_FILE: z.string().min(1).default(SAMPLE_RATES_FILE),
  TRANSACTIONS_FX_MAX_GAP_DAYS: z.coerce.number().int().min(0).max(31).default(5),
  TRANSACTIONS_TIER_RULES: json(tierRulesSchema).optional(),
  /** JSON array of { domain, secret, region, country, storeId, taxesIncluded? }. */
  TRANSACTIONS_SHOPIFY_SHOPS: secret(json(z.array(shopSchema))).optional(),
  TRANSACTIONS_BATCH_LIMIT: z.coerce.number().int().min(1).max(5000).default(1000),
  TRANSACTIONS_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(512 * 1024 * 1024),
  TRANSACTIONS_IMPORT_LEASE_MS: z.coerce.number().int().min(500).default(15_000),
  TRANSACTIONS_INGEST_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6_000)
    .max(300_000)
    .default(10_000),
};

export function transactionsConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): TransactionsConfig {
  const c = loadConfig(transactionsEnv, env);
  return {
    reportingCurrency: c.TRANSACTIONS_REPORTING_CURRENCY,
    fxRatesFile: c.TRANSACTIONS_FX_RATES_FILE,
    maxRateGapDays: c.TRANSACTIONS_FX_MAX_GAP_DAYS,
    tierRules: c.TRANSACTIONS_TIER_RULES ?? DEFAULT_TIER_RULES,
    shopifyShops: c.TRANSACTIONS_SHOPIFY_SHOPS ?? [],
    batchLimit: c.TRANSACTIONS_BATCH_LIMIT,
    importMaxBytes: c.TRANSACTIONS_IMPORT_MAX_BYTES,
    importLeaseMs: c.TRANSACTIONS_IMPORT_LEASE_MS,
    ingestSessionTimeoutMs: c.TRANSACTIONS_INGEST_SESSION_TIMEOUT_MS,
  };
}
