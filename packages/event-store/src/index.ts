export * from './port.js';
export { DuplicateEventError } from './errors.js';
export type { SqlEventStoreOptions } from './sql-event-store.js';
export {
  createPostgresEventStore,
  createPostgresCheckpointStore,
  migratePostgres,
  transactionalEventStore,
  type PostgresEventStoreOptions,
} from './postgres.js';
export {
  createEmbeddedEventStore,
  type EmbeddedEventStoreOptions,
  type EmbeddedEventStore,
} from './embedded.js';
export {
  handleCommand,
  type Decider,
  type HandleCommandOptions,
  type HandleCommandResult,
} from './command-handler.js';
export {
  KurrentDbEventStore,
  toKurrentState,
  type KurrentDbEventStoreOptions,
} from './kurrentdb.js';
export { withCodec, type EventCodec } from './codec-store.js';
export {
  startProjector,
  ensureProjectionCheckpoints,
  type Projector,
  type ProjectorOptions,
} from './projector.js';
