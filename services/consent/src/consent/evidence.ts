import {
  COLLECTION_METHODS,
  CONSENT_CHANNELS,
  CONSENT_STATES,
  PURPOSES,
  type ConsentChannel,
  type Purpose,
} from '@maison/event-contracts';
import type { FieldError } from '@maison/service-kit';
import { z } from 'zod';

/**
 * The evidence a consent must carry, as sources send it. Mandatory evidence is checked by
 * `missingEvidence` (not by the schema), so a rejection names every missing field at once.
 */
const text = (max: number) => z.string().trim().min(1).max(max);
const instant = z.iso.datetime({ offset: true });

export const LEGAL_BASES = [
  'consent',
  'contract',
  'legal_obligation',
  'legitimate_interest',
] as const;
export const EVIDENCE_STRENGTHS = ['full', 'weak', 'device'] as const;
export type EvidenceStrength = (typeof EVIDENCE_STRENGTHS)[number];

export const contactPointInput = z.strictObject({
  /** An identifier type of @maison/identifiers: email, phone, whatsapp, wechat_openid, kakao_id… */
  type: text(40),
  value: text(320),
  scope: text(200).nullable().optional(),
});

export const consentEvidenceInput = z.strictObject({
  purpose: z.enum(PURPOSES),
  channel: z.enum(CONSENT_CHANNELS).nullable().optional(),
  contactPoint: contactPointInput.optional(),
  state: z.enum(CONSENT_STATES),
  legalBasis: z.enum(LEGAL_BASES).optional(),
  notice: z
    .strictObject({
      id: text(100).optional(),
      version: text(50).optional(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256')
        .optional(),
      language: text(20).optional(),
    })
    .nullable()
    .optional(),
  collection: z
    .strictObject({
      method: z.enum(COLLECTION_METHODS).optional(),
      point: text(200).optional(),
      storeId: text(100).nullable().optional(),
      associateId: text(200).nullable().optional(),
    })
    .optional(),
  jurisdiction: text(10).optional(),
  occurredAt: instant.optional(),
  recipient: text(200).nullable().optional(),
  transferPurposes: z.array(z.enum(PURPOSES)).max(PURPOSES.length).optional(),
  nightTime: z.boolean().optional(),
  proofRef: text(500).nullable().optional(),
  expiresAt: instant.nullable().optional(),
});
export type ConsentEvidenceInput = z.infer<typeof consentEvidenceInput>;

/** Evidence with every mandatory field present. */
export interface CompleteEvidence {
  readonly purpose: Purpose;
  readonly channel: ConsentChannel | null;
  readonly state: ConsentEvidenceInput['state'];
  readonly legalBasis: (typeof LEGAL_BASES)[number];
  readonly notice: { id: string; version: string; sha256: string; language: string } | null;
  readonly collection: {
    method: (typeof COLLECTION_METHODS)[number];
    point: string;
    storeId: string | null;
    associateId: string | null;
  };
  readonly jurisdiction: string;
  readonly occurredAt: string;
  readonly recipient: string | null;
  readonly transferPurposes: readonly Purpose[];
  readonly nightTime: boolean;
  readonly proofRef: string | null;
  readonly expiresAt: string | null;
}

const CHANNEL_PURPOSES: readonly Purpose[] = ['marketing'];
const DEVICE_PURPOSES: readonly Purpose[] = ['analytics', 'profiling'];

/**
 * Every mandatory field missing or inconsistent for the evidence strength, as JSON pointers
 * (COMPLIANCE.md: an event missing notice hash, method or time is rejected). A full-evidence grant
 * needs the notice id, version, hash and language (a withdrawal or refusal need not cite one, but
 * a notice it cites must be complete); weak (webhooks) and device (TCF) evidence carry no notice,
 * and device evidence needs a proof reference (the CMP receipt).
 */
export function missingEvidence(
  input: ConsentEvidenceInput,
  strength: EvidenceStrength,
): FieldError[] {
  const missing: FieldError[] = [];
  const need = (ok: boolean, pointer: string, detail = 'is required') => {
    if (!ok) missing.push({ pointer, detail });
  };
  need(input.occurredAt !== undefined, '/occurredAt');
  need(input.collection?.method !== undefined, '/collection/method');
  need(input.collection?.point !== undefined, '/collection/point');
  need(input.jurisdiction !== undefined, '/jurisdiction');
  // A withdrawal or refusal must be as easy as the grant: no notice needed to say no.
  const affirmative = input.state === 'granted' || input.state === 'pending_double_opt_in';
  if (strength === 'full' && (affirmative || input.notice != null)) {
    need(input.notice?.id !== undefined, '/notice/id');
    need(input.notice?.version !== undefined, '/notice/version');
    need(input.notice?.sha256 !== undefined, '/notice/sha256');
    need(input.notice?.language !== undefined, '/notice/language');
  }
  if (strength === 'device') {
    need(input.proofRef != null, '/proofRef', 'is required for device evidence (the CMP receipt)');
    need(
      DEVICE_PURPOSES.includes(input.purpose) && input.channel == null,
      '/purpose',
      'device-scoped evidence (TCF) covers on-site analytics and personalisation only',
    );
  }
  const channel = input.channel ?? null;
  if (CHANNEL_PURPOSES.includes(input.purpose))
    need(channel !== null, '/channel', `is required for ${input.purpose} consents`);
  if (input.contactPoint !== undefined)
    need(channel !== null, '/channel', 'is required when a contact point is given');
  if (input.purpose === 'cross_border_transfer' && input.state === 'granted') {
    need(input.recipient != null, '/recipient', 'names the receiving entity (CN-XB-1)');
    need(
      (input.transferPurposes?.length ?? 0) > 0,
      '/transferPurposes',
      'lists the purposes the transfer is for (CN-XB-1)',
    );
  }
  return missing;
}

/** Narrows evidence already checked with `missingEvidence`. */
export function completeEvidence(input: ConsentEvidenceInput): CompleteEvidence {
  const c = input.collection;
  const n = input.notice;
  if (
    input.occurredAt === undefined ||
    c?.method === undefined ||
    c.point === undefined ||
    input.jurisdiction === undefined
  )
    throw new TypeError('completeEvidence called on incomplete evidence');
  return {
    purpose: input.purpose,
    channel: input.channel ?? null,
    state: input.state,
    legalBasis: input.legalBasis ?? 'consent',
    notice:
      n?.id !== undefined &&
      n.version !== undefined &&
      n.sha256 !== undefined &&
      n.language !== undefined
        ? { id: n.id, version: n.version, sha256: n.sha256, language: n.language }
        : null,
    collection: {
      method: c.method,
      point: c.point,
      storeId: c.storeId ?? null,
      associateId: c.associateId ?? null,
    },
    jurisdiction: input.jurisdiction.toUpperCase(),
    occurredAt: input.occurredAt,
    recipient: input.recipient ?? null,
    transferPurposes: input.transferPurposes ?? [],
    nightTime: input.nightTime ?? false,
    proofRef: input.proofRef ?? null,
    expiresAt: input.expiresAt ?? null,
  };
}
