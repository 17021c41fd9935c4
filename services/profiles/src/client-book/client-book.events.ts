import type {
  ClientBookAssigned,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ClientBookUnassigned,
  DataOf,
} from '@maison/event-contracts';

/**
 * The client book's events: who owns the relationship with the client (stream
 * `profiles-<clientId>`, shared with the profile aggregate), defined in the catalogue.
 */
export {
  ClientBookAssigned,
  ClientBookReassignmentCompleted,
  ClientBookReassignmentRequested,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ClientBookUnassigned,
  profileReassignmentStream,
} from '@maison/event-contracts';

export type ClientBookAssignedData = DataOf<typeof ClientBookAssigned>;
export type ClientBookUnassignedData = DataOf<typeof ClientBookUnassigned>;
export type ClientBookStoreAddedData = DataOf<typeof ClientBookStoreAdded>;
export type ClientBookStoreRemovedData = DataOf<typeof ClientBookStoreRemoved>;

export type BookRole = 'primary' | 'secondary';
