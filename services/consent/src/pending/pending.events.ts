import {
  customerReference,
  defineEventType,
  identifierRef,
  type DataOf,
} from '@maison/event-contracts';
import { z } from 'zod';

/**
 * Consent evidence that arrived with customer references only (a Shopify customer id, an email)
 * before identity linked them to a client. Held here — private, never published — with its PII
 * encrypted under the first reference's `idx:<index>` key subject (shredded by identity with the
 * client's identifiers), and recorded as ConsentRecorded on the client's stream once identity.events.v1
 * links one of the references. Stream `pending-<pendingId>`.
 */
export const ConsentEvidencePending = defineEventType({
  type: 'ConsentEvidencePending',
  schemaVersion: 1,
  schema: z.strictObject({
    pendingId: z.uuid(),
    /** The id ConsentRecorded will get (deterministic from the source fact). */
    consentEventId: z.uuid(),
    customer: z.array(customerReference).min(1).max(10),
    strength: z.enum(['full', 'weak', 'device']),
    /** The evidence as received (validated), without the contact point. */
    evidence: z.record(z.string(), z.unknown()),
    /** PII (encrypted): the normalised contact point with its ref. */
    contactPoint: z.strictObject({ value: z.unknown(), ref: identifierRef }).nullable(),
  }),
  pii: ['customer.*.value', 'contactPoint.value'],
});

export const ConsentEvidenceAttributed = defineEventType({
  type: 'ConsentEvidenceAttributed',
  schemaVersion: 1,
  schema: z.strictObject({
    pendingId: z.uuid(),
    outcome: z.enum(['recorded', 'discarded']),
    clientId: z.string().min(1).max(200).nullable(),
    consentEventId: z.uuid(),
    /** Why it was discarded (a code, never personal data). */
    reason: z.string().max(300).nullable(),
  }),
});

export type ConsentEvidencePendingData = DataOf<typeof ConsentEvidencePending>;
export type ConsentEvidenceAttributedData = DataOf<typeof ConsentEvidenceAttributed>;
export const pendingStream = (pendingId: string): string => `pending-${pendingId}`;
