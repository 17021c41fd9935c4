import { z } from 'zod';
import { defineEventType } from '../registry.js';
import { clientId, identifierRef, instant, SERVICES } from './common.js';

/**
 * consent.events.v1 — owned by the consent service. Stream `consent-<clientId>` (subjectId = the
 * client). Recommendations and any outreach decide from these (or from the consent decision API);
 * every service purges its data of a client on `ClientErased`.
 */

export const PURPOSES = [
  'marketing',
  'profiling',
  'analytics',
  'cross_border_transfer',
  'sensitive_data',
  'third_party_sharing',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export const CONSENT_CHANNELS = [
  'email',
  'sms',
  'phone',
  'post',
  'whatsapp',
  'wechat',
  'kakaotalk',
  'line',
  'push',
] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

export const CONSENT_STATES = [
  'granted',
  'denied',
  'withdrawn',
  'pending_double_opt_in',
  'expired',
  'reconfirmation_due',
] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

export const COLLECTION_METHODS = [
  'store',
  'associate',
  'web_form',
  'cmp',
  'import',
  'webhook',
] as const;

export const ConsentRecorded = defineEventType({
  type: 'ConsentRecorded',
  schemaVersion: 1,
  schema: z.strictObject({
    consentId: z.uuid(),
    clientId,
    purpose: z.enum(PURPOSES),
    /** Null for purposes that are not about a channel (profiling, analytics, transfer). */
    channel: z.enum(CONSENT_CHANNELS).nullable(),
    /** PII (encrypted) when present: the address or number the consent is about. */
    contactPoint: z.unknown().optional(),
    state: z.enum(CONSENT_STATES),
    legalBasis: z.enum(['consent', 'contract', 'legal_obligation', 'legitimate_interest']),
    /**
     * Null for weaker evidence (Shopify webhooks, TCF: see `evidenceStrength`) and for withdrawals or
     * refusals that cite no notice (saying no needs no notice); a grant with full evidence always has one.
     */
    notice: z
      .strictObject({
        id: z.string().min(1).max(100),
        version: z.string().min(1).max(50),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        language: z.string().min(2).max(20),
      })
      .nullable(),
    collection: z.strictObject({
      method: z.enum(COLLECTION_METHODS),
      point: z.string().min(1).max(200),
      storeId: z.string().min(1).max(100).nullable(),
      associateId: z.string().min(1).max(200).nullable(),
    }),
    /** `full` = notice + method + times; `weak` = no notice version; `device` = TCF, device-scoped. */
    evidenceStrength: z.enum(['full', 'weak', 'device']),
    jurisdiction: z.string().min(2).max(10),
    /** Cross-border transfer consents name who receives the data (CN-XB-1/3). */
    recipient: z.string().min(1).max(200).nullable(),
    /**
     * Cross-border transfer consents: the purposes the transfer is for (CN-XB-1/3). A transfer for
     * a purpose not listed needs a new consent. Absent on other purposes.
     */
    transferPurposes: z.array(z.enum(PURPOSES)).max(PURPOSES.length).optional(),
    /**
     * The contact point's identifier ref (type, scope, blind index — not PII), so consumers can
     * match a consent to an address without decrypting `contactPoint`.
     */
    contactPointRef: identifierRef.optional(),
    /** Night-time sends (KR-ADS-1). */
    nightTime: z.boolean().default(false),
    proofRef: z.string().min(1).max(500).nullable(),
    expiresAt: instant.nullable(),
  }),
  pii: ['contactPoint'],
});

export const ClientErasureRequested = defineEventType({
  type: 'ClientErasureRequested',
  schemaVersion: 1,
  schema: z.strictObject({
    requestId: z.uuid(),
    clientId,
    requestedBy: z.string().min(1).max(200),
    ticket: z.string().min(1).max(200).nullable(),
  }),
});

/**
 * The point of no return: every service purges read models and caches of `clientId` (and of
 * `aliases`, the ids merged into it), identity shreds keys and suppresses the identifiers, and
 * each service answers with `ClientDataPurged` on its own topic.
 */
export const ClientErased = defineEventType({
  type: 'ClientErased',
  schemaVersion: 1,
  schema: z.strictObject({
    requestId: z.uuid(),
    clientId,
    aliases: z.array(clientId).max(50),
    erasedAt: instant,
  }),
});

/**
 * A service's completion report for one erasure. Published by every service on its own topic
 * (defined here once); the consent service collects them into the erasure report.
 */
export const ClientDataPurged = defineEventType({
  type: 'ClientDataPurged',
  schemaVersion: 1,
  schema: z.strictObject({
    requestId: z.uuid(),
    clientId,
    service: z.enum(SERVICES),
    /** What was removed, by store: `{ "read_model.transactions": 12, "cache": 3 }`. */
    purged: z.record(z.string(), z.number().int().min(0)),
    /** Identifier refs suppressed (identity only). */
    suppressed: z.array(identifierRef).max(1000).default([]),
    completedAt: instant,
  }),
});

export const CONSENT_EVENTS = [
  ConsentRecorded,
  ClientErasureRequested,
  ClientErased,
  ClientDataPurged,
] as const;

export const consentStream = (id: string): string => `consent-${id}`;
