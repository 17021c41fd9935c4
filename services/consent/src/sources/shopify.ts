import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ConsentState } from '@maison/event-contracts';
import { z } from 'zod';
import type { ConsentEvidenceInput } from '../consent/evidence.js';

/**
 * Shopify marketing-consent webhooks. Payloads (Shopify Admin API webhook reference):
 * - `customers/email_marketing_consent_update`: `customer_id`, `email_address`,
 *   `email_marketing_consent { state, opt_in_level, consent_updated_at }`;
 * - `customers/marketing_consent_update` (SMS): `id` (the customer), `phone`,
 *   `sms_marketing_consent { state, opt_in_level, consent_updated_at, consent_collected_from }`.
 * Headers: `X-Shopify-Topic`, `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the
 * app's secret), `X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id` (the same on every retry: the
 * dedupe key), `X-Shopify-Triggered-At`. No notice version travels with them: recorded as weak evidence.
 */
export const SHOPIFY_TOPICS = [
  'customers/email_marketing_consent_update',
  'customers/marketing_consent_update',
] as const;
export type ShopifyTopic = (typeof SHOPIFY_TOPICS)[number];

export function verifyShopifyHmac(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
): boolean {
  if (header === undefined || header.length === 0 || header.length > 200) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// Shopify ids may exceed 2^53: the digits are read from the raw body (see `rawId`), the parsed number only checked.
const customerId = z.union([z.number().nonnegative(), z.string().regex(/^\d{1,20}$/)]);
const consentBlock = z.looseObject({
  state: z.string().nullable().optional(),
  opt_in_level: z.string().nullable().optional(),
  consent_updated_at: z.iso.datetime({ offset: true }).nullable().optional(),
  consent_collected_from: z.string().nullable().optional(),
});

export const emailConsentPayload = z.looseObject({
  customer_id: customerId,
  email_address: z.string().min(3).max(320).nullable().optional(),
  email_marketing_consent: consentBlock.nullable(),
});
export const smsConsentPayload = z.looseObject({
  id: customerId.optional(),
  customer_id: customerId.optional(),
  phone: z.string().min(3).max(40).nullable().optional(),
  sms_marketing_consent: consentBlock.nullable(),
});

function rawId(raw: string | undefined, keys: readonly string[]): string | undefined {
  if (raw === undefined) return undefined;
  for (const key of keys) {
    const m = new RegExp(`"${key}"\\s*:\\s*"?(\\d{1,20})"?`).exec(raw);
    if (m?.[1] !== undefined) return m[1];
  }
  return undefined;
}

const STATES: Readonly<Record<string, ConsentState>> = {
  subscribed: 'granted',
  pending: 'pending_double_opt_in',
  unsubscribed: 'withdrawn',
  not_subscribed: 'denied',
  redacted: 'withdrawn',
  invalid: 'denied',
};

export interface ShopifyConsent {
  readonly customerId: string;
  readonly references: { type: string; value: string; scope?: string }[];
  readonly contactPoint: { type: string; value: string } | undefined;
  readonly evidence: ConsentEvidenceInput;
}

export type ShopifyMapping =
  | { readonly ok: true; readonly consent: ShopifyConsent }
  | { readonly ok: false; readonly reason: string };

/** Maps a verified webhook to weak consent evidence (no notice), or says why it carries none. */
export function mapShopifyWebhook(input: {
  readonly topic: ShopifyTopic;
  readonly shop: string;
  readonly webhookId: string;
  readonly triggeredAt: string | undefined;
  readonly body: unknown;
  readonly jurisdiction: string;
  readonly receivedAt: string;
  /** The raw body, to read ids exactly (JSON numbers above 2^53 lose digits when parsed). */
  readonly rawBody?: string;
}): ShopifyMapping {
  const email = input.topic === 'customers/email_marketing_consent_update';
  const parsed = email
    ? emailConsentPayload.safeParse(input.body)
    : smsConsentPayload.safeParse(input.body);
  if (!parsed.success)
    return {
      ok: false,
      reason: `invalid payload: ${parsed.error.issues.map((i) => `/${i.path.join('/')}`).join(', ')}`,
    };
  const body = parsed.data as Partial<z.infer<typeof emailConsentPayload>> &
    Partial<z.infer<typeof smsConsentPayload>>;
  const block = email ? body.email_marketing_consent : body.sms_marketing_consent;
  const rawState = block?.state ?? null;
  const state = rawState === null ? undefined : STATES[rawState.toLowerCase()];
  if (state === undefined) return { ok: false, reason: 'no consent state in the payload' };
  const parsedId = email ? body.customer_id : (body.id ?? body.customer_id);
  if (parsedId === undefined) return { ok: false, reason: 'no customer id in the payload' };
  const id =
    rawId(input.rawBody, email ? ['customer_id'] : ['id', 'customer_id']) ?? String(parsedId);
  const address = email ? body.email_address : body.phone;
  const contactType = email ? 'email' : 'phone';
  const triggered =
    input.triggeredAt !== undefined && !Number.isNaN(Date.parse(input.triggeredAt))
      ? input.triggeredAt
      : undefined;
  const occurredAt = block?.consent_updated_at ?? triggered ?? input.receivedAt;
  const references = [
    { type: 'ecom_customer', value: id, scope: `shopify:${input.shop}` },
    ...(address ? [{ type: contactType, value: address }] : []),
  ];
  return {
    ok: true,
    consent: {
      customerId: id,
      references,
      contactPoint: address ? { type: contactType, value: address } : undefined,
      evidence: {
        purpose: 'marketing',
        channel: email ? 'email' : 'sms',
        state,
        legalBasis: 'consent',
        notice: null,
        collection: {
          method: 'webhook',
          point: `shopify:${input.shop}`,
          storeId: null,
          associateId: null,
        },
        jurisdiction: input.jurisdiction,
        occurredAt,
        proofRef: `shopify-webhook:${input.webhookId}${block?.opt_in_level ? `;opt_in_level=${block.opt_in_level}` : ''}`,
      },
    },
  };
}
