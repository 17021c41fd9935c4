import type { Cache } from '@maison/cache';
import {
  ensureProjectionCheckpoints,
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '@maison/event-store';
import type { Logger } from '@maison/service-kit';
import { quoteIdent, type SqlDatabase } from '@maison/sql';
import { applyToReadModel, recordStores } from './read-model.js';

export interface RunningProjection {
  /** Resolves once everything committed before the start is applied. */
  readonly live: Promise<void>;
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export const clientTag = (clientId: string): string => `client:${clientId}`;

const BATCH = 500;
const LINGER_MS = 15;

/**
 * The read models, fed from identity's own store, in batches: the events of a batch are applied
 * in one transaction that also moves the projection's checkpoint (exactly once across crashes and
 * restarts: effect and checkpoint commit or roll back together), and the cache entries of the
 * clients they changed are invalidated after that transaction commits — never before, or a
 * reader could cache the old rows again. One commit per batch instead of one per event keeps the
 * projection from competing with the decisions for the disk.
 */
export async function startReadModelProjection(options: {
  readonly name: string;
  readonly store: EventStore;
  readonly database: SqlDatabase;
  readonly schema: string;
  readonly cache: Cache;
  readonly logger: Logger;
  /** The chains above clients (themselves included): cached views of all of them hold their rows. */
  readonly ancestors: (clientIds: readonly string[]) => Promise<string[]>;
}): Promise<RunningProjection> {
  const { database, schema, cache, logger, name } = options;
  const s = quoteIdent(schema);
  await ensureProjectionCheckpoints(database, schema);
  const rows = await database.query<{ position: string }>(
    `SELECT position FROM ${s}.projection_checkpoints WHERE projection = $1`,
    [name],
  );
  let markLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => {
    markLive = resolve;
  });

  const invalidate = async (clients: readonly string[]): Promise<void> => {
    if (clients.length === 0) return;
    const above = await options.ancestors([...new Set(clients)]);
    const tags = [...new Set([...clients, ...above])].map(clientTag);
    for (let attempt = 1; ; attempt++) {
      try {
        await cache.invalidateTags(tags);
        return;
      } catch (error) {
        // Bounded staleness either way: cached views live one minute at most.
        if (attempt >= 3) {
          logger.warn({ err: error }, 'cache invalidation failed; entries expire on their own');
          return;
        }
      }
    }
  };

  let pending: RecordedEvent[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let failure: Error | undefined;
  const current: { subscription?: Subscription } = {};
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    chain = chain.then(async () => {
      if (failure !== undefined) throw failure;
      const last = batch.at(-1);
      if (last === undefined) return;
      const changed = await database.transaction(async (tx) => {
        const clients: string[] = [];
        const stores: [string, string][] = [];
        for (const event of batch)
          clients.push(...(await applyToReadModel(tx, schema, event, stores)));
        await recordStores(tx, schema, stores);
        await tx.query(
          `INSERT INTO ${s}.projection_checkpoints (projection, position) VALUES ($1, $2)
           ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
          [name, formatPosition(last.position)],
        );
        return clients;
      });
      await invalidate(changed);
    });
    chain.catch((error: unknown) => {
      // A failed batch stops the projection; restarted, it resumes from the last checkpoint.
      failure ??= error instanceof Error ? error : new Error(String(error));
      void current.subscription?.stop();
    });
    return chain;
  };

  const running = options.store.subscribeToAll({
    after: rows[0] ? parsePosition(rows[0].position) : START,
    onEvent: async (event: RecordedEvent) => {
      if (failure !== undefined) throw failure;
      pending.push(event);
      if (pending.length >= BATCH) {
        await flush();
        return;
      }
      timer ??= setTimeout(() => {
        void flush().catch(() => undefined);
      }, LINGER_MS);
    },
    onLive: () => {
      // Caught up: what is buffered goes in now, then the projection counts as live.
      void flush().then(markLive, markLive);
    },
  });
  current.subscription = running;
  const done = running.done
    .then(
      () => flush(),
      (error: unknown) => {
        if (timer) clearTimeout(timer);
        throw error;
      },
    )
    .then(() => {
      if (failure !== undefined) throw failure;
    });
  done.then(markLive, markLive);
  done.catch(() => undefined);
  return {
    live,
    done,
    async stop() {
      await running.stop();
      await done.catch(() => undefined);
    },
  };
}
