import { z } from 'zod';
import { defineEventType } from '../registry.js';
import { clientId, identifierRef, ruleRef } from './common.js';

/**
 * identity.events.v1 — owned by the identity service. Stream `identity-<clientId>`, subjectId =
 * the client. Other services learn from these which client an identifier belongs to
 * (`@maison/client-directory` keeps that map) and which ids were merged into which.
 *
 * `clientId` of `IdentifierLinked` / `IdentifierUnlinked` is the client that holds the identifier
 * directly, which after a merge may be a merged id: resolve it to its survivor (the directory's
 * `canonical`) before use. Identity records a link on the client whose identifier tied the record
 * to the survivor, so an unmerge gives it back to the right side.
 */

/** An identifier as identity records it: the ref plus the encrypted value and display mask. */
const linkedIdentifier = identifierRef.extend({
  /** PII (encrypted): the normalised value. */
  value: z.unknown(),
  /** PII (encrypted): the masked form shown to roles that may not see the value. */
  masked: z.unknown(),
});

/** Why a decision was taken: the records and matches it relied on. Never PII in clear. */
const evidence = z.strictObject({
  /** The record that triggered the decision: `transactions:<id>`, `profiles:<id>`, `api:<request id>`. */
  trigger: z.string().min(1).max(300),
  /** Identifier refs that matched, with the client each pointed at. */
  matches: z
    .array(z.strictObject({ ref: identifierRef, clientId: clientId.nullable() }))
    .max(50)
    .default([]),
  /** Free explanation for stewards, generated from the rule (no personal data). */
  explanation: z.string().max(1000),
  /** The store the triggering record came from, when it came from one (not PII). */
  storeId: z.string().min(1).max(100).nullable().optional(),
  /** The system that sent the triggering record (`pos.cegid`, `shopify`, `api`…). */
  sourceSystem: z.string().min(1).max(100).nullable().optional(),
});

export const ClientRegistered = defineEventType({
  type: 'ClientRegistered',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    homeRegion: z.string().min(2).max(10).nullable(),
    rule: ruleRef,
    evidence,
  }),
});

export const IdentifierLinked = defineEventType({
  type: 'IdentifierLinked',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    identifier: linkedIdentifier,
    rule: ruleRef,
    evidence,
  }),
  pii: ['identifier.value', 'identifier.masked'],
});

export const IdentifierUnlinked = defineEventType({
  type: 'IdentifierUnlinked',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    identifier: identifierRef,
    reason: z.enum(['steward', 'cardinality', 'blocklisted', 'shared', 'unmerge', 'erasure']),
    rule: ruleRef.nullable(),
    actor: z.string().min(1).max(200),
  }),
});

/**
 * Recorded on the survivor's stream. Every identifier of the merged clients now belongs to the
 * survivor; their ids keep resolving to it. `survivorId` is the client the merged one now points
 * at, which may itself have been merged into another (merges form chains): resolve it to its own
 * survivor (the directory's `canonical`) before merging anything of yours into it.
 */
export const ClientsMerged = defineEventType({
  type: 'ClientsMerged',
  schemaVersion: 1,
  schema: z.strictObject({
    survivorId: clientId,
    mergedIds: z.array(clientId).min(1).max(50),
    movedIdentifiers: z.array(identifierRef).max(1000),
    /** The merge being recorded, referenced by ClientUnmerged. */
    mergeId: z.uuid(),
    rule: ruleRef.nullable(),
    evidence,
    actor: z.string().min(1).max(200),
  }),
});

/**
 * Undoes one merge exactly: `restoredClientId` gets back the identifiers listed (those it had at
 * the merge plus any linked since that belong to it by the rules), and stops resolving to the
 * survivor.
 */
export const ClientUnmerged = defineEventType({
  type: 'ClientUnmerged',
  schemaVersion: 1,
  schema: z.strictObject({
    survivorId: clientId,
    restoredClientId: clientId,
    mergeId: z.uuid(),
    restoredIdentifiers: z.array(identifierRef).max(1000),
    reason: z.string().min(1).max(500),
    actor: z.string().min(1).max(200),
  }),
});

export const MergeRejected = defineEventType({
  type: 'MergeRejected',
  schemaVersion: 1,
  schema: z.strictObject({
    clientIds: z.array(clientId).min(2).max(50),
    reason: z.enum([
      'cardinality',
      'blocklisted',
      'shared',
      'conflicting-region',
      'steward-veto',
      'rule-disabled',
    ]),
    rule: ruleRef,
    evidence,
  }),
});

export const IDENTITY_EVENTS = [
  ClientRegistered,
  IdentifierLinked,
  IdentifierUnlinked,
  ClientsMerged,
  ClientUnmerged,
  MergeRejected,
] as const;

export const identityStream = (id: string): string => `identity-${id}`;
