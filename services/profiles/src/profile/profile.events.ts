import type {
  CustomerRecordReceived,
  ProfileMergeReverted,
  ProfileNoteAdded,
  ProfilesMerged,
  ProfileUpdated,
  DataOf,
} from '@maison/event-contracts';

/**
 * The profile aggregate's events (stream `profiles-<clientId>`), defined in the catalogue
 * (`packages/event-contracts/src/catalog/profiles.ts`) because other services consume them.
 */
export {
  CustomerRecordReceived,
  ProfileMergeReverted,
  ProfileNoteAdded,
  ProfilesMerged,
  ProfileUpdated,
  profileRecordStream,
  profileStream,
} from '@maison/event-contracts';

export type ProfileUpdatedData = DataOf<typeof ProfileUpdated>;
export type ProfileChange = ProfileUpdatedData['changes'][number];
export type ProfileNoteAddedData = DataOf<typeof ProfileNoteAdded>;
export type ProfilesMergedData = DataOf<typeof ProfilesMerged>;
export type ProfileMergeRevertedData = DataOf<typeof ProfileMergeReverted>;
export type CustomerRecordReceivedData = DataOf<typeof CustomerRecordReceived>;
