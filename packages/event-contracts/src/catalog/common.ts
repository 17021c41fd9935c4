import { z } from 'zod';

/**
 * Building blocks shared by the event catalogue. The catalogue holds the events that cross service
 * boundaries (what a service publishes on `<service>.events.v1`); a service may keep further,
 * private event types in its own code.
 */

/** ISO 4217 alphabetic code. */
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code');

/** Money is integer minor units plus the currency (JPY/KRW 0 decimals, BHD/KWD 3). */
export const money = z.strictObject({
  amountMinor: z.number().int(),
  currency: currencyCode,
});
export type Money = z.infer<typeof money>;

export const instant = z.iso.datetime({ offset: true });
export const clientId = z.string().min(1).max(200);

/** A decision rule and the version of the rule set it belongs to: every decision cites one. */
export const ruleRef = z.strictObject({
  id: z.string().min(1).max(100),
  version: z.string().min(1).max(50),
});
export type RuleRef = z.infer<typeof ruleRef>;

/**
 * An identifier as it travels between services: its type, scope and keyed blind index
 * (`@maison/privacy` blindIndex over `@maison/identifiers` canonicalKey). The index is not PII (it
 * is a keyed MAC); the value itself, when carried, sits in an encrypted field beside it.
 */
export const identifierRef = z.strictObject({
  type: z.string().regex(/^[a-z][a-z0-9_]{1,40}$/),
  scope: z.string().min(1).max(200).nullable(),
  index: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url HMAC-SHA-256'),
});
export type IdentifierRef = z.infer<typeof identifierRef>;

/** A customer reference with its (encrypted) value: what ingestion edges record. */
export const customerReference = identifierRef.extend({
  /** PII: encrypted in stored and published events. */
  value: z.unknown(),
});
export type CustomerReferenceData = z.infer<typeof customerReference>;

/**
 * The key subject for PII recorded before the client is known: the blind index of the record's
 * primary identifier. The erasure workflow shreds `clientId` and `identifierKeySubject(i)` for
 * every identifier the client ever had, so pre-resolution copies go dark too.
 */
export function identifierKeySubject(index: string): string {
  return `idx:${index}`;
}

export const SERVICES = [
  'identity',
  'profiles',
  'transactions',
  'consent',
  'recommendations',
] as const;
export type ServiceName = (typeof SERVICES)[number];
