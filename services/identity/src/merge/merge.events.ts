import { clientId, defineEventType, type DataOf } from '@maison/event-contracts';
import { z } from 'zod';

/**
 * Where a merge is recorded: stream `identity-merge-<mergeId>`, private, written with the merge
 * itself, so an unmerge finds its two clients from the merge id alone — at once, on any replica,
 * without waiting for a read model.
 */
export const MergeRecorded = defineEventType({
  type: 'MergeRecorded',
  schemaVersion: 1,
  schema: z.strictObject({ mergeId: z.uuid(), survivorId: clientId, mergedId: clientId }),
});

export interface MergeEvent {
  readonly type: 'MergeRecorded';
  readonly data: DataOf<typeof MergeRecorded>;
}
