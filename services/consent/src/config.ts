import { loadConfig } from '@maison/service-kit';
import { secret } from '@maison/service-kit';
import { z } from 'zod';
import type { ShopConfig } from './api/rest.routes.js';
import { generateDevSigner, signerFromConfig, type LedgerSigner } from './ledger/checkpoint.js';

/**
 * The consent service's own settings (on top of the runtime's): the ledger signing key, the Shopify
 * shops whose webhooks it accepts, and how often checkpoints are signed.
 */
export const consentConfigShape = {
  /** Ed25519 private key, PEM or base64 PKCS#8 DER. Required in production; a dev key is generated otherwise. */
  CONSENT_LEDGER_SIGNING_KEY: secret(z.string().min(1)).optional(),
  /** JSON: { "<shop>.myshopify.com": { "secret": "…", "jurisdiction": "FR", "country": "FR" } } */
  CONSENT_SHOPIFY_SHOPS: secret(z.string().min(2)).optional(),
  CONSENT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  NODE_ENV: z.string().optional(),
};

const shopsSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/),
  z.strictObject({
    secret: z.string().min(8),
    jurisdiction: z.string().min(2).max(10),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
  }),
);

export interface ConsentSettings {
  readonly signer: LedgerSigner;
  readonly shops: Readonly<Record<string, ShopConfig>>;
  readonly checkpointIntervalMs: number;
  readonly devSigner: boolean;
}

export function consentSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConsentSettings {
  const config = loadConfig(consentConfigShape, env);
  const production = config.NODE_ENV === 'production';
  if (config.CONSENT_LEDGER_SIGNING_KEY === undefined && production)
    throw new Error(
      'CONSENT_LEDGER_SIGNING_KEY is required in production (an Ed25519 private key)',
    );
  const shops =
    config.CONSENT_SHOPIFY_SHOPS === undefined
      ? {}
      : shopsSchema.parse(JSON.parse(config.CONSENT_SHOPIFY_SHOPS));
  return {
    signer:
      config.CONSENT_LEDGER_SIGNING_KEY === undefined
        ? generateDevSigner()
        : signerFromConfig(config.CONSENT_LEDGER_SIGNING_KEY),
    devSigner: config.CONSENT_LEDGER_SIGNING_KEY === undefined,
    shops,
    checkpointIntervalMs: config.CONSENT_CHECKPOINT_INTERVAL_MS,
  };
}
