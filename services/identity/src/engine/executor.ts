import type { EventEnvelope } from '@maison/event-contracts';
import {
  ConcurrencyError,
  DuplicateEventError,
  transactionalEventStore,
} from '@maison/event-store';
import type { Privacy } from '@maison/privacy';
import { databaseError, type SqlDatabase, type SqlQueryable } from '@maison/sql';
import { UnitOfWork, type DecisionMeta, type StreamWrite } from '../resolution/unit-of-work.js';
import type { IdentityEventStore } from './identity-store.js';
import { loadSnapshot, type LoadRequest } from './loader.js';

export interface Decided<T> {
  readonly result: T;
  /** The events committed (plaintext), empty when the decision changed nothing. */
  readonly events: readonly EventEnvelope[];
  readonly attempts: number;
}

/** Raised when a decision kept losing races (the caller may retry later). */
export class ContendedError extends Error {
  override readonly name = 'ContendedError';
}

function retryable(error: unknown): boolean {
  if (error instanceof ConcurrencyError || error instanceof DuplicateEventError) return true;
  const code = databaseError(error)?.code;
  // deadlock detected, serialization failure, a concurrent insert of the same stream row
  return code === '40P01' || code === '40001' || code === '23505';
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Runs decisions against the event store: read what the decision needs, decide on it (pure),
 * commit every write in one transaction with the revisions read — so a claim of a new identifier,
 * the client it creates and the record that caused it commit together or not at all — and on a
 * lost race read again and decide again. Works across replicas: the only arbiter is the store.
 */
export class DecisionExecutor {
  readonly #database: SqlDatabase;
  readonly #events: IdentityEventStore;
  readonly #privacy: Pick<Privacy, 'isSuppressed'>;
  readonly #maxAttempts: number;

  constructor(options: {
    readonly database: SqlDatabase;
    readonly events: IdentityEventStore;
    readonly privacy: Pick<Privacy, 'isSuppressed'>;
    readonly maxAttempts?: number;
  }) {
    this.#database = options.database;
    this.#events = options.events;
    this.#privacy = options.privacy;
    this.#maxAttempts = options.maxAttempts ?? 40;
  }

  async decide<T>(
    request: LoadRequest,
    meta: () => DecisionMeta,
    decide: (uow: UnitOfWork) => T,
    options: {
      /** More work that must commit with the decision's events (e.g. an erasure's purge). */
      readonly alsoInTransaction?: (tx: SqlQueryable) => Promise<void>;
      /**
       * Commit inside this transaction (a consumer's, with its processed marker) instead of a
       * new one: the decision and the marker commit together. Lost races roll back to a savepoint.
       */
      readonly tx?: SqlQueryable;
    } = {},
  ): Promise<Decided<T>> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await loadSnapshot(this.#events.structural, this.#privacy, request, attempt);
      const uow = new UnitOfWork(snapshot, meta());
      const result = decide(uow);
      if (!uow.changes) return { result, events: [], attempts: attempt };
      const writes = uow.writes();
      try {
        await this.#commit(writes, options.alsoInTransaction, options.tx);
        return { result, events: writes.flatMap((w) => w.events), attempts: attempt };
      } catch (error) {
        if (!retryable(error)) throw error;
        if (attempt >= this.#maxAttempts)
          throw new ContendedError(`decision ${meta().operation} lost ${String(attempt)} races`, {
            cause: error,
          });
        // jittered, growing pause: concurrent losers spread out instead of colliding again
        await sleep(Math.random() * Math.min(200, 2 ** Math.min(attempt, 7)));
      }
    }
  }

  async #commit(
    writes: readonly StreamWrite[],
    also?: (tx: SqlQueryable) => Promise<void>,
    outer?: SqlQueryable,
  ): Promise<void> {
    // Encrypt before the transaction: creating a subject's data key is not part of the decision.
    // One event after the other, so a new client's key is created once, not raced for.
    const encoded: StreamWrite[] = [];
    for (const w of writes) {
      const events: EventEnvelope[] = [];
      for (const e of w.events) events.push(await this.#events.codec.encode(e));
      encoded.push({ ...w, events });
    }
    const db = this.#database;
    const apply = async (tx: SqlQueryable, savepoint: boolean): Promise<void> => {
      if (savepoint) await tx.exec('SAVEPOINT identity_decision');
      try {
        const store = transactionalEventStore(tx, {
          schema: this.#events.schema,
          engine: db.engine,
        });
        for (const w of encoded)
          await store.append(w.streamId, w.events, { expectedRevision: w.expectedRevision });
        if (also) await also(tx);
      } catch (error) {
        if (savepoint) await tx.exec('ROLLBACK TO SAVEPOINT identity_decision');
        throw error;
      }
      if (savepoint) await tx.exec('RELEASE SAVEPOINT identity_decision');
    };
    if (outer !== undefined) {
      await apply(outer, true);
      return;
    }
    const only = encoded[0];
    if (encoded.length === 1 && only !== undefined && also === undefined) {
      // One stream (a known client's record): a single append is atomic on its own.
      await this.#events.raw.append(only.streamId, only.events, {
        expectedRevision: only.expectedRevision,
      });
      return;
    }
    // PGlite joins an enclosing transaction: a savepoint keeps a lost race from aborting it.
    await db.transaction((tx) => apply(tx, db.engine === 'pglite'));
  }
}
