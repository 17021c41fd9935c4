import {
  clientId,
  defineEventType,
  identifierRef,
  ruleRef,
  type DataOf,
} from '@maison/event-contracts';
import { z } from 'zod';

/**
 * The register of one identifier: stream `identity-idx-<index>`, private to identity (never
 * published, never PII — the index is a keyed MAC). Its revision is what makes a claim atomic: two
 * records claiming the same new e-mail at once both append with the revision they read, and only
 * one of them commits.
 */

export const IdentifierClaimed = defineEventType({
  type: 'IdentifierClaimed',
  schemaVersion: 1,
  schema: z.strictObject({
    identifier: identifierRef,
    /** The client that holds it directly (maybe a merged id: resolve it to the survivor). */
    clientId,
    rule: ruleRef,
    trigger: z.string().min(1).max(300),
  }),
});

export const IdentifierReleased = defineEventType({
  type: 'IdentifierReleased',
  schemaVersion: 1,
  schema: z.strictObject({
    identifier: identifierRef,
    clientId,
    reason: z.enum(['steward', 'shared', 'blocklisted', 'erasure']),
    actor: z.string().min(1).max(200),
  }),
});

/** Seen on a record that belongs to another client than its holder: evidence it may be shared. */
export const IdentifierSighted = defineEventType({
  type: 'IdentifierSighted',
  schemaVersion: 1,
  schema: z.strictObject({
    identifier: identifierRef,
    clientId,
    trigger: z.string().min(1).max(300),
  }),
});

/** Seen on more clients than the rules allow: it no longer links or matches anything. */
export const IdentifierMarkedShared = defineEventType({
  type: 'IdentifierMarkedShared',
  schemaVersion: 1,
  schema: z.strictObject({
    identifier: identifierRef,
    clientIds: z.array(clientId).min(2).max(1001),
    threshold: z.number().int().min(1),
    rule: ruleRef,
  }),
});

export const IDENTIFIER_EVENTS = [
  IdentifierClaimed,
  IdentifierReleased,
  IdentifierSighted,
  IdentifierMarkedShared,
] as const;

export type IdentifierEvent =
  | { readonly type: 'IdentifierClaimed'; readonly data: DataOf<typeof IdentifierClaimed> }
  | { readonly type: 'IdentifierReleased'; readonly data: DataOf<typeof IdentifierReleased> }
  | { readonly type: 'IdentifierSighted'; readonly data: DataOf<typeof IdentifierSighted> }
  | {
      readonly type: 'IdentifierMarkedShared';
      readonly data: DataOf<typeof IdentifierMarkedShared>;
    };
