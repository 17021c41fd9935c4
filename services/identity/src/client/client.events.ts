import {
  ClientDataPurged,
  ClientRegistered,
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  IdentifierUnlinked,
  MergeRejected,
  clientId,
  defineEventType,
  ruleRef,
  type DataOf,
} from '@maison/event-contracts';
import { z } from 'zod';

/**
 * A client's stream `identity-<clientId>` holds the published decisions (catalogue,
 * identity.events.v1) plus three private facts about the merged side of a merge, which the
 * survivor's `ClientsMerged` / `ClientUnmerged` already tell the rest of the platform.
 */

/** This client was merged into `survivorId` (recorded with the survivor's `ClientsMerged`). */
export const ClientAbsorbed = defineEventType({
  type: 'ClientAbsorbed',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    survivorId: clientId,
    mergeId: z.uuid(),
    rule: ruleRef.nullable(),
    actor: z.string().min(1).max(200),
  }),
});

/** The merge was undone: this client stands on its own again (with the survivor's `ClientUnmerged`). */
export const ClientRestored = defineEventType({
  type: 'ClientRestored',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    survivorId: clientId,
    mergeId: z.uuid(),
    actor: z.string().min(1).max(200),
  }),
});

/** Erased: nothing links to this client any more (its keys are shredded). */
export const ClientForgotten = defineEventType({
  type: 'ClientForgotten',
  schemaVersion: 1,
  schema: z.strictObject({ clientId, requestId: z.uuid() }),
});

export const PRIVATE_CLIENT_EVENTS = [ClientAbsorbed, ClientRestored, ClientForgotten] as const;

/** The published types identity writes (identity.events.v1, plus consent's `ClientDataPurged`). */
export const PUBLISHED_TYPES: ReadonlySet<string> = new Set([
  ClientRegistered.type,
  IdentifierLinked.type,
  IdentifierUnlinked.type,
  ClientsMerged.type,
  ClientUnmerged.type,
  MergeRejected.type,
  ClientDataPurged.type,
]);

export type ClientEvent =
  | { readonly type: 'ClientRegistered'; readonly data: DataOf<typeof ClientRegistered> }
  | { readonly type: 'IdentifierLinked'; readonly data: DataOf<typeof IdentifierLinked> }
  | { readonly type: 'IdentifierUnlinked'; readonly data: DataOf<typeof IdentifierUnlinked> }
  | { readonly type: 'ClientsMerged'; readonly data: DataOf<typeof ClientsMerged> }
  | { readonly type: 'ClientUnmerged'; readonly data: DataOf<typeof ClientUnmerged> }
  | { readonly type: 'MergeRejected'; readonly data: DataOf<typeof MergeRejected> }
  | { readonly type: 'ClientDataPurged'; readonly data: DataOf<typeof ClientDataPurged> }
  | { readonly type: 'ClientAbsorbed'; readonly data: DataOf<typeof ClientAbsorbed> }
  | { readonly type: 'ClientRestored'; readonly data: DataOf<typeof ClientRestored> }
  | { readonly type: 'ClientForgotten'; readonly data: DataOf<typeof ClientForgotten> };

export type Evidence = DataOf<typeof ClientRegistered>['evidence'];
export type MergeRejectedReason = DataOf<typeof MergeRejected>['reason'];
export type UnlinkReason = DataOf<typeof IdentifierUnlinked>['reason'];
