import {
  ensureProjectionCheckpoints,
  formatPosition,
  parsePosition,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '@maison/event-store';
import type { Logger } from '@maison/service-kit';
import { quoteIdent, type SqlDatabase, type SqlQueryable } from '@maison/sql';

export interface BatchProjectorOptions {
  /** The checkpoint row (in `<schema>.projection_checkpoints`, shared with `startProjector`). */
  readonly name: string;
  readonly store: EventStore;
  readonly database: SqlDatabase;
  readonly schema: string;
  readonly batchSize?: number;
  readonly lingerMs?: number;
  /**
   * Applies a batch with the transaction that also moves the checkpoint; `live` is false while
   * catching up, `backlog` true for a full batch (more is probably waiting: work that only the
   * latest state needs can wait — an empty batch follows once the backlog is gone). May return
   * work to run after the commit (cache invalidation).
   */
  readonly apply: (
    events: readonly RecordedEvent[],
    tx: SqlQueryable,
    state: { readonly live: boolean; readonly backlog: boolean },
  ) => Promise<(() => Promise<void>) | undefined>;
  readonly logger: Logger;
  /** Delay before resubscribing from the checkpoint after a failure. */
  readonly restartDelayMs?: number;
}

export interface BatchProjector {
  /** Resolves once the projection has caught up with what was committed before it started. */
  readonly live: Promise<void>;
  stop(): Promise<void>;
}

/**
 * `startProjector`'s guarantee — effect and checkpoint in one transaction, so every event is
 * applied exactly once across crashes — for a batch of events at a time, which lets the read
 * model be written with set-based statements. A failed batch rolls back whole; the projector
 * resubscribes from its last checkpoint.
 */
export async function startBatchProjector(options: BatchProjectorOptions): Promise<BatchProjector> {
  const batchSize = options.batchSize ?? 500;
  const lingerMs = options.lingerMs ?? 10;
  const s = quoteIdent(options.schema);
  await ensureProjectionCheckpoints(options.database, options.schema);
  let stopped = false;
  let markLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => {
    markLive = resolve;
  });
  let current: { subscription: Subscription; drain: () => Promise<void> } | undefined;

  const run = async (): Promise<void> => {
    const rows = await options.database.query<{ position: string }>(
      `SELECT position FROM ${s}.projection_checkpoints WHERE projection = $1`,
      [options.name],
    );
    const after = rows[0] ? parsePosition(rows[0].position) : undefined;
    const pending: RecordedEvent[] = [];
    let isLive = false;
    let chain: Promise<void> = Promise.resolve();
    let failure: unknown;
    let timer: NodeJS.Timeout | undefined;
    // after a full batch: an empty one once nothing else has come for a while (deferred work)
    let settle: NodeJS.Timeout | undefined;
    const flush = (force = false): Promise<void> => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (settle) clearTimeout(settle);
      settle = undefined;
      chain = chain.then(async () => {
        if (failure !== undefined) throw failure as Error;
        // The batch is taken when its turn comes, not when it was asked for: what arrived while
        // the previous batch was being applied goes in one batch, not in a queue of small ones
        // that would each pay the fixed cost of a batch (and fall ever further behind).
        const batch = pending.splice(0, batchSize);
        const liveNow = isLive;
        const backlog = batch.length >= batchSize;
        if (pending.length > 0)
          timer ??= setTimeout(() => {
            void flush().catch(() => undefined);
          }, 0);
        if (batch.length === 0 && !force) return;
        const last = batch[batch.length - 1];
        const after = await options.database.transaction(async (tx) => {
          const post = await options.apply(batch, tx, { live: liveNow, backlog });
          if (last)
            await tx.query(
              `INSERT INTO ${s}.projection_checkpoints (projection, position) VALUES ($1, $2)
               ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
              [options.name, formatPosition(last.position)],
            );
          return post;
        });
        await after?.().catch((err: unknown) => {
          options.logger.warn({ err, projection: options.name }, 'post-commit work failed');
        });
        if (backlog && liveNow && !stopped)
          settle ??= setTimeout(() => {
            if (pending.length === 0) void flush(true).catch(() => undefined);
          }, lingerMs * 20);
      });
      chain.catch((err: unknown) => {
        failure ??= err;
      });
      return chain;
    };
    const subscription = options.store.subscribeToAll({
      ...(after ? { after } : {}),
      onEvent: async (event) => {
        if (failure !== undefined) throw failure as Error;
        pending.push(event);
        if (pending.length >= batchSize) {
          await flush();
          return;
        }
        timer ??= setTimeout(() => {
          void flush().catch(() => undefined);
        }, lingerMs);
      },
      onLive: () => {
        // what is buffered was committed before we went live: apply it, then say so
        void flush()
          .then(() => {
            isLive = true;
            // one empty live batch: work deferred while catching up (tier decisions) runs now
            return flush(true);
          })
          .then(() => {
            markLive();
          })
          .catch(() => undefined);
      },
    });
    current = {
      subscription,
      drain: async () => {
        await subscription.stop();
        await flush().catch(() => undefined);
      },
    };
    try {
      await Promise.race([
        subscription.done,
        (async () => {
          for (;;) {
            await new Promise((r) => setTimeout(r, 100));
            if (failure !== undefined) throw failure as Error;
            if (stopped) return;
          }
        })(),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
      if (settle) clearTimeout(settle);
      await subscription.stop().catch(() => undefined);
    }
  };

  const supervise = async (): Promise<void> => {
    while (!stopped) {
      try {
        await run();
      } catch (err) {
        options.logger.error(
          { err, projection: options.name },
          'projection failed; resuming from its checkpoint',
        );
        await new Promise((r) => setTimeout(r, options.restartDelayMs ?? 1000));
      }
    }
  };
  const supervisor = supervise();

  return {
    live,
    stop: async () => {
      stopped = true;
      await current?.drain();
      await supervisor;
    },
  };
}
