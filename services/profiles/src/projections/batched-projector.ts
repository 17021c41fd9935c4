import {
  comparePositions,
  ensureProjectionCheckpoints,
  formatPosition,
  parsePosition,
  START,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@maison/event-store';
import type { Logger } from '@maison/service-kit';
import { quoteIdent, type SqlDatabase, type SqlQueryable } from '@maison/sql';

/**
 * A projection of the service's own store that applies a page of events (up to `batchSize`) in one
 * transaction with its checkpoint — exactly once, like `startProjector`, but one commit per page
 * instead of per event, which is what lets a 10,000-client reassignment be projected in seconds.
 *
 * It reads with `readAll` (the store's global order, which never skips a late commit) and moves
 * the checkpoint with a compare-and-set: if another replica moved it first, this page rolls back
 * and the loop reloads. A failing page is retried after a pause; the loop only ends with `stop()`.
 */
export interface BatchedProjectorOptions {
  readonly name: string;
  readonly store: EventStore;
  readonly database: SqlDatabase;
  /** Schema holding `projection_checkpoints`. */
  readonly schema: string;
  readonly apply: (events: readonly RecordedEvent[], tx: SqlQueryable) => Promise<void>;
  /** After the page committed (e.g. cache invalidation); failures are logged. */
  readonly afterCommit?: (events: readonly RecordedEvent[]) => Promise<void>;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** How often an idle projection looks for new events (default 50 ms). */
  readonly pollIntervalMs?: number;
  /** The shortest time between two pages, nudged or not (default 10 ms). */
  readonly minPauseMs?: number;
  readonly retryDelayMs?: number;
}

export interface BatchedProjector {
  /** Resolves once the projection has caught up with what was committed when it started. */
  readonly live: Promise<void>;
  /** Resolves once everything up to `position` is applied (or rejects after `timeoutMs`). */
  reached(position: GlobalPosition, timeoutMs: number): Promise<void>;
  /** Wakes the loop now (after an append of this process). */
  nudge(): void;
  stop(): Promise<void>;
}

class LostRace extends Error {
  override readonly name = 'LostRace';
}

export async function startBatchedProjector(
  options: BatchedProjectorOptions,
): Promise<BatchedProjector> {
  const { database, name, logger } = options;
  const s = quoteIdent(options.schema);
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollIntervalMs ?? 50;
  const minPauseMs = Math.min(pollMs, options.minPauseMs ?? 10);
  await ensureProjectionCheckpoints(database, options.schema);

  const load = async (): Promise<GlobalPosition> => {
    const rows = await database.query<{ position: string }>(
      `SELECT position FROM ${s}.projection_checkpoints WHERE projection = $1`,
      [name],
    );
    return rows[0] ? parsePosition(rows[0].position) : START;
  };

  const state = { stopped: false };
  // read through a function: stop() flips it while the loop awaits
  const isStopped = (): boolean => state.stopped;
  let wake: (() => void) | undefined;
  let nudged = false;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (nudged || state.stopped) {
        nudged = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  let position = await load();
  const waiters = new Set<{ target: GlobalPosition; resolve: () => void }>();
  const settleWaiters = () => {
    for (const w of waiters)
      if (comparePositions(position, w.target) >= 0) {
        waiters.delete(w);
        w.resolve();
      }
  };
  let markLive: () => void = () => undefined;
  const live = new Promise<void>((resolve) => {
    markLive = resolve;
  });

  const step = async (): Promise<number> => {
    const page: RecordedEvent[] = [];
    for await (const e of options.store.readAll({ after: position, maxCount: batchSize }))
      page.push(e);
    const last = page.at(-1);
    if (last === undefined) return 0;
    const from = position;
    await database.transaction(async (tx) => {
      await options.apply(page, tx);
      const moved =
        comparePositions(from, START) === 0
          ? await tx.query(
              `INSERT INTO ${s}.projection_checkpoints (projection, position) VALUES ($1, $2)
               ON CONFLICT (projection) DO NOTHING RETURNING 1`,
              [name, formatPosition(last.position)],
            )
          : await tx.query(
              `UPDATE ${s}.projection_checkpoints SET position = $3, updated_at = now()
                WHERE projection = $1 AND position = $2 RETURNING 1`,
              [name, formatPosition(from), formatPosition(last.position)],
            );
      if (moved.length === 0) throw new LostRace(`${name}: another replica moved the checkpoint`);
    });
    position = last.position;
    settleWaiters();
    if (options.afterCommit)
      await options.afterCommit(page).catch((error: unknown) => {
        logger.warn({ err: error, projection: name }, 'after-commit step failed');
      });
    return page.length;
  };

  const loop = async (): Promise<void> => {
    while (!state.stopped) {
      try {
        const n = await step();
        if (n < batchSize) {
          markLive();
          // A nudge (an append of this process) shortens the wait, but pages stay at least
          // minPauseMs apart: under a stream of appends they fill up instead of holding one event.
          await new Promise((r) => setTimeout(r, minPauseMs));
          await pause(pollMs - minPauseMs);
        }
      } catch (error) {
        if (isStopped()) return;
        if (!(error instanceof LostRace))
          logger.error({ err: error, projection: name }, 'projection page failed; retrying');
        await pause(options.retryDelayMs ?? 1_000);
        position = await load().catch(() => position);
        settleWaiters();
      }
    }
  };
  const running = loop();

  return {
    live,
    nudge: () => {
      if (wake) wake();
      else nudged = true;
    },
    reached: (target, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (comparePositions(position, target) >= 0) {
          resolve();
          return;
        }
        const waiter = {
          target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `${name} did not reach ${formatPosition(target)} within ${String(timeoutMs)} ms`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      }),
    stop: async () => {
      state.stopped = true;
      wake?.();
      await running;
    },
  };
}
