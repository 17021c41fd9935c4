import { openEmbeddedDatabase, type SqlDatabase } from '@maison/sql';
import type { CheckpointStore, EventStore } from './port.js';
import {
  SqlCheckpointStore,
  SqlEventStore,
  migrate,
  type SqlEventStoreOptions,
} from './sql-event-store.js';

export interface EmbeddedEventStoreOptions extends SqlEventStoreOptions {
  /**
   * An embedded database shared with the rest of the process (`openEmbeddedDatabase` from
   * `@maison/sql`): the store runs in its schema and does not close it. Without it the store
   * opens its own database, in `dataDir` or in memory, and closes it with itself.
   */
  readonly database?: SqlDatabase;
  /** A directory for the database files when the store opens its own; omitted, in memory. */
  readonly dataDir?: string;
}

export interface EmbeddedEventStore extends EventStore {
  /** Checkpoints in the same embedded database. */
  readonly checkpoints: CheckpointStore;
}

/** The same SQL store, in process, on PGlite (PostgreSQL compiled to WebAssembly). */
export async function createEmbeddedEventStore(
  options: EmbeddedEventStoreOptions = {},
): Promise<EmbeddedEventStore> {
  const owned = options.database === undefined;
  const db =
    options.database ??
    (await openEmbeddedDatabase(options.dataDir === undefined ? {} : { dataDir: options.dataDir }));
  const schema = options.schema ?? 'event_store';
  try {
    await migrate(db, schema);
  } catch (error) {
    if (owned) await db.close();
    throw error;
  }
  const store = new SqlEventStore(db, { ...options, closeRunner: owned });
  return Object.assign(store, { checkpoints: new SqlCheckpointStore(db, schema) });
}
