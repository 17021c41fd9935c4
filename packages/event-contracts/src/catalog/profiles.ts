import { z } from 'zod';
import { REGIONS } from '../envelope.js';
import { defineEventType } from '../registry.js';
import { clientId, customerReference, instant, ruleRef } from './common.js';

/**
 * profiles.events.v1 — owned by the profiles service. Stream `profiles-<clientId>` (subjectId =
 * the client) for profile and client-book facts; `profiles-record-<recordId>` for source records
 * received before identity resolution (subjectId null, PII under the primary reference's key);
 * `profiles-reassignment-<id>` for bulk client-book reassignments (no PII); `profiles-erasure-<id>`
 * for the service's `ClientDataPurged` reports.
 */

/** How the survivorship policy ranks where a value came from. */
export const PROFILE_SOURCE_KINDS = [
  'steward',
  'associate',
  'pos',
  'ecommerce',
  'loyalty',
  'import',
] as const;
export type ProfileSourceKind = (typeof PROFILE_SOURCE_KINDS)[number];

export const NOTE_VISIBILITIES = ['private', 'store', 'brand'] as const;
export type NoteVisibility = (typeof NOTE_VISIBILITIES)[number];

const associateId = z.string().min(1).max(200);
const storeId = z.string().min(1).max(100);

/**
 * A customer record from a source (POS, e-commerce, loyalty, import) that carries identifiers: the
 * identity service resolves it, as it does transactions' references.
 */
export const CustomerRecordReceived = defineEventType({
  type: 'CustomerRecordReceived',
  schemaVersion: 1,
  schema: z.strictObject({
    recordId: z.uuid(),
    sourceSystem: z.string().min(1).max(100),
    sourceRecordId: z.string().min(1).max(200),
    region: z.enum(REGIONS),
    storeId: z.string().min(1).max(100).nullable(),
    customer: z.array(customerReference).min(1).max(10),
    /** PII (encrypted): the profile fields the source sent, applied once the client is known. */
    fields: z.unknown(),
  }),
  pii: ['customer.*.value', 'fields'],
});

/** One or more profile fields changed; each change says which source won and by which rule. */
export const ProfileUpdated = defineEventType({
  type: 'ProfileUpdated',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    changes: z
      .array(
        z.strictObject({
          field: z.string().min(1).max(100),
          /** PII (encrypted): the new value (null = cleared). */
          value: z.unknown(),
          source: z.string().min(1).max(100),
          policy: ruleRef,
          reason: z.string().min(1).max(300),
          /** The kind the policy ranked the source as (absent in the earliest events). */
          sourceKind: z.enum(PROFILE_SOURCE_KINDS).optional(),
          /** When the value was true at its source (survivorship's "most recent"); default occurredAt. */
          at: instant.optional(),
          /**
           * Set when the change comes from merging (or unmerging) profiles: it changes the effective
           * value only, the client's own values stay as they were, so an unmerge can restore them.
           */
          mergeId: z.uuid().optional(),
          /** The customer record (CustomerRecordReceived.recordId) the value came from. */
          recordId: z.uuid().optional(),
        }),
      )
      .min(1)
      .max(100),
    /** Not PII, for consumers that need them without decrypting: */
    homeRegion: z.enum(REGIONS).nullable().optional(),
    homeStoreId: z.string().min(1).max(100).nullable().optional(),
  }),
  pii: ['changes.*.value'],
});

export const ClientBookAssigned = defineEventType({
  type: 'ClientBookAssigned',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    role: z.enum(['primary', 'secondary']),
    associateId: z.string().min(1).max(200),
    storeId: z.string().min(1).max(100),
    previousAssociateId: z.string().min(1).max(200).nullable(),
    assignedBy: z.string().min(1).max(200),
    policy: ruleRef.nullable(),
    since: instant,
    /** The bulk reassignment this is part of. */
    reassignmentId: z.uuid().optional(),
    /** Set when the assignment came with a merged profile (undone by that merge's unmerge). */
    mergeId: z.uuid().optional(),
    reason: z.string().min(1).max(300).optional(),
  }),
});

export const ClientBookUnassigned = defineEventType({
  type: 'ClientBookUnassigned',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    associateId: z.string().min(1).max(200),
    reason: z.string().min(1).max(300),
    unassignedBy: z.string().min(1).max(200),
    role: z.enum(['primary', 'secondary']).optional(),
    storeId: storeId.optional(),
    reassignmentId: z.uuid().optional(),
    mergeId: z.uuid().optional(),
  }),
});

/** A secondary store for the client (a traveller's second boutique, another department). */
export const ClientBookStoreAdded = defineEventType({
  type: 'ClientBookStoreAdded',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    storeId,
    addedBy: associateId,
    since: instant,
    mergeId: z.uuid().optional(),
  }),
});

export const ClientBookStoreRemoved = defineEventType({
  type: 'ClientBookStoreRemoved',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    storeId,
    removedBy: associateId,
    reason: z.string().min(1).max(300),
    mergeId: z.uuid().optional(),
  }),
});

/** An associate's note on the client: who wrote it, where, and who may read it. */
export const ProfileNoteAdded = defineEventType({
  type: 'ProfileNoteAdded',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    noteId: z.uuid(),
    authorId: associateId,
    /** The author's store (store visibility); null for authors without one (e.g. head office). */
    storeId: storeId.nullable(),
    visibility: z.enum(NOTE_VISIBILITIES),
    /** PII (encrypted). */
    text: z.unknown(),
  }),
  pii: ['text'],
});

const profileFieldValue = z.strictObject({
  field: z.string().min(1).max(100),
  /** PII (encrypted). */
  value: z.unknown(),
  source: z.string().min(1).max(100),
  sourceKind: z.enum(PROFILE_SOURCE_KINDS),
  at: instant,
});

/**
 * Recorded on the survivor's stream when identity merges clients: the merged profiles' own values
 * as they were at the merge (kept apart from the survivor's, so the unmerge restores both exactly).
 * The effective changes follow in a ProfileUpdated whose changes carry the `mergeId`.
 */
export const ProfilesMerged = defineEventType({
  type: 'ProfilesMerged',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    mergeId: z.uuid(),
    mergedIds: z.array(clientId).min(1).max(50),
    absorbed: z
      .array(
        z.strictObject({
          clientId,
          fields: z.array(profileFieldValue).max(500),
        }),
      )
      .max(50),
  }),
  pii: ['absorbed.*.fields.*.value'],
});

/** The unmerge of `mergeId`: the survivor drops what came with `restoredClientId`. */
export const ProfileMergeReverted = defineEventType({
  type: 'ProfileMergeReverted',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    mergeId: z.uuid(),
    restoredClientId: clientId,
  }),
});

/** Where a bulk reassignment may act: the requester's write scope (`@maison/auth` scopeFilter). */
const reassignmentScope = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all') }),
  z.strictObject({ kind: z.literal('stores'), storeIds: z.array(storeId).min(1).max(100) }),
  z.strictObject({ kind: z.literal('region'), region: z.enum(REGIONS) }),
]);

/** One request to move a departing associate's book to another associate (the brand keeps it). */
export const ClientBookReassignmentRequested = defineEventType({
  type: 'ClientBookReassignmentRequested',
  schemaVersion: 1,
  schema: z.strictObject({
    reassignmentId: z.uuid(),
    fromAssociateId: associateId,
    toAssociateId: associateId,
    toStoreId: storeId,
    roles: z
      .array(z.enum(['primary', 'secondary']))
      .min(1)
      .max(2),
    requestedBy: associateId,
    reason: z.string().min(1).max(300),
    scope: reassignmentScope,
  }),
});

/** The reassignment is done: each client moved has its own ClientBookAssigned (the audit trail). */
export const ClientBookReassignmentCompleted = defineEventType({
  type: 'ClientBookReassignmentCompleted',
  schemaVersion: 1,
  schema: z.strictObject({
    reassignmentId: z.uuid(),
    fromAssociateId: associateId,
    toAssociateId: associateId,
    moved: z.number().int().min(0),
    skipped: z.number().int().min(0),
    completedAt: instant,
  }),
});

export const PROFILES_EVENTS = [
  CustomerRecordReceived,
  ProfileUpdated,
  ClientBookAssigned,
  ClientBookUnassigned,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ProfileNoteAdded,
  ProfilesMerged,
  ProfileMergeReverted,
  ClientBookReassignmentRequested,
  ClientBookReassignmentCompleted,
] as const;

export const profileStream = (id: string): string => `profiles-${id}`;
export const profileRecordStream = (recordId: string): string => `profiles-record-${recordId}`;
export const profileReassignmentStream = (id: string): string => `profiles-reassignment-${id}`;
export const profileErasureStream = (requestId: string): string => `profiles-erasure-${requestId}`;
