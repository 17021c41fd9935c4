import { postgresDatabase, type SqlDatabase, type SqlQueryable } from '@maison/sql';
import type pg from 'pg';
import type { CheckpointStore, EventStore } from './port.js';
import {
  SqlCheckpointStore,
  SqlEventStore,
  migrate,
  type SqlEventStoreOptions,
} from './sql-event-store.js';

export interface PostgresEventStoreOptions extends SqlEventStoreOptions {
  /**
   * A pool or a database (`@maison/sql`) you own (not closed by `close()`), or a connection
   * string for a pool the store owns.
   */
  readonly connection: pg.Pool | SqlDatabase | string;
}

function isDatabase(connection: pg.Pool | SqlDatabase): connection is SqlDatabase {
  return 'engine' in connection;
}

/** The database to run on, and whether closing the store closes it. */
function databaseFor(connection: pg.Pool | SqlDatabase | string): {
  db: SqlDatabase;
  owned: boolean;
} {
  if (typeof connection === 'string') return { db: postgresDatabase(connection), owned: true };
  if (isDatabase(connection)) return { db: connection, owned: false };
  return { db: postgresDatabase(connection), owned: false };
}

/** Migrates the schema (idempotent, safe across processes) and returns the store. */
export async function createPostgresEventStore(
  options: PostgresEventStoreOptions,
): Promise<EventStore> {
  const { db, owned } = databaseFor(options.connection);
  try {
    await migrate(db, options.schema ?? 'event_store');
  } catch (error) {
    if (owned) await db.close();
    throw error;
  }
  return new SqlEventStore(db, { ...options, closeRunner: owned });
}

/** Checkpoints in `<schema>.subscription_checkpoints` (created by the store's migrations). */
export function createPostgresCheckpointStore(options: {
  readonly connection: pg.Pool | SqlDatabase;
  readonly schema?: string;
}): CheckpointStore {
  return new SqlCheckpointStore(databaseFor(options.connection).db, options.schema);
}

/** Runs the migrations alone (deploy step, or tests of concurrent migration). */
export async function migratePostgres(
  connection: pg.Pool | SqlDatabase | string,
  schema = 'event_store',
): Promise<number[]> {
  const { db, owned } = databaseFor(connection);
  try {
    return await migrate(db, schema);
  } finally {
    if (owned) await db.close();
  }
}

/**
 * The store's appends and reads on a transaction the caller holds (`db.transaction(tx => …)`), so
 * appends to several streams commit or roll back together with each other and with anything else
 * done on `tx`. Each append still checks its stream's expected revision and locks the stream row
 * until the transaction ends; a `ConcurrencyError` (or `DuplicateEventError`) leaves PostgreSQL's
 * transaction aborted, so the caller rolls back and retries the whole unit. No migrations run
 * here: the schema must already exist (create the store once with `createPostgresEventStore`).
 * Subscriptions are not available on a transaction; `close()` does nothing.
 */
export function transactionalEventStore(
  tx: SqlQueryable,
  options: { readonly schema?: string; readonly engine?: SqlDatabase['engine'] } = {},
): Pick<EventStore, 'append' | 'readStream' | 'streamExists'> {
  const runner: SqlDatabase = {
    engine: options.engine ?? 'postgres',
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    transaction: (fn) => fn(tx),
    close: () => Promise.resolve(),
  };
  const store = new SqlEventStore(runner, {
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    closeRunner: false,
  });
  return {
    append: (streamId, events, appendOptions) => store.append(streamId, events, appendOptions),
    readStream: (streamId, readOptions) => store.readStream(streamId, readOptions),
    streamExists: (streamId) => store.streamExists(streamId),
  };
}
