import { quoteIdent, type SqlDatabase, type SqlQueryable } from '@maison/sql';
import {
  START,
  formatPosition,
  parsePosition,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from './port.js';

export interface ProjectorOptions {
  /** The projection's name: its checkpoint row. Change it to rebuild from the start. */
  readonly name: string;
  readonly store: EventStore;
  /** Where the read model lives; the checkpoint is kept there, in the same transactions. */
  readonly database: SqlDatabase;
  /** Schema of the read model (holds `projection_checkpoints`). */
  readonly schema: string;
  readonly streamPrefixes?: readonly string[];
  /** Applies one event with the transaction that also moves the checkpoint. */
  readonly apply: (event: RecordedEvent, tx: SqlQueryable) => Promise<void>;
  readonly onLive?: () => void;
}

export interface Projector {
  /** Resolves when the projection has caught up with everything committed before it started. */
  readonly live: Promise<void>;
  readonly subscription: Subscription;
  stop(): Promise<void>;
}

/** Creates `<schema>.projection_checkpoints` if missing. */
export async function ensureProjectionCheckpoints(
  database: SqlDatabase,
  schema: string,
): Promise<void> {
  const s = quoteIdent(schema);
  await database.exec(`CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE IF NOT EXISTS ${s}.projection_checkpoints (
      projection text PRIMARY KEY, position text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
}

/**
 * A read model fed straight from the event store: each event is applied in one transaction with
 * the projection's checkpoint, so a crash or restart applies every event exactly once (the
 * checkpoint and the effect commit or roll back together). Follows the store's global order,
 * which never skips an event that commits late.
 */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const { database, name } = options;
  const s = quoteIdent(options.schema);
  await ensureProjectionCheckpoints(database, options.schema);
  const rows = await database.query<{ position: string }>(
    `SELECT position FROM ${s}.projection_checkpoints WHERE projection = $1`,
    [name],
  );
  const after = rows[0] ? parsePosition(rows[0].position) : START;
  let markLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => {
    markLive = resolve;
  });
  const subscription = options.store.subscribeToAll({
    after,
    ...(options.streamPrefixes ? { streamPrefixes: options.streamPrefixes } : {}),
    onEvent: (event) =>
      database.transaction(async (tx) => {
        await options.apply(event, tx);
        await tx.query(
          `INSERT INTO ${s}.projection_checkpoints (projection, position) VALUES ($1, $2)
           ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [name, formatPosition(event.position)],
        );
      }),
    onLive: () => {
      markLive();
      options.onLive?.();
    },
  });
  // A failed subscription must not leave `live` pending forever.
  subscription.done.then(markLive, markLive);
  return { live, subscription, stop: () => subscription.stop() };
}
