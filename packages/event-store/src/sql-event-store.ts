import type { EventEnvelope, Region } from '@maison/event-contracts';
import { DuplicateEventError } from './errors.js';
import {
  ConcurrencyError,
  START,
  comparePositions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type NewStreamAppend,
  type NewStreamsResult,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
  type SubscriptionOptions,
} from './port.js';
import { databaseError, type SqlRunner } from './runner.js';
import {
  MIGRATIONS,
  afterParams,
  appendNewStreamsSql,
  appendSql,
  eventsToJson,
  newStreamsToJson,
  expectedToSql,
  migrationLockKey,
  prefixPatterns,
  quoteSchema,
  readAllSql,
  committedHeadSql,
  readStreamSql,
  toPosition,
  type AppendRow,
  type EventRow,
} from './sql.js';

export interface SqlEventStoreOptions {
  /** Defaults to `event_store`. */
  readonly schema?: string;
  /** How often a live subscription looks for new events. Defaults to 50 ms. */
  readonly pollIntervalMs?: number;
  /** Rows fetched per query when reading all or catching up. Defaults to 500. */
  readonly pageSize?: number;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`. The transaction-scoped advisory
 * lock makes concurrent migrators (two replicas starting together) take turns; the second one
 * finds everything applied.
 */
export async function migrate(runner: SqlRunner, schema: string): Promise<number[]> {
  const s = quoteSchema(schema);
  return runner.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [migrationLockKey(schema)]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql(s));
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      done.push(m.version);
    }
    return done;
  });
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    streamId: row.stream_id,
    subjectId: row.subject_id,
    occurredAt: row.occurred_at_text,
    recordedAt: row.recorded_at_text,
    region: row.region as Region,
    source: row.source as RecordedEvent['source'],
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
    data: row.data,
    revision: Number(row.revision),
    position: toPosition(row.txid, row.position),
  };
}

/** The event store on any PostgreSQL-speaking runner (a `pg` pool or PGlite). */
export class SqlEventStore implements EventStore {
  readonly #runner: SqlRunner;
  readonly #s: string;
  readonly #pollIntervalMs: number;
  readonly #pageSize: number;
  readonly #closeRunner: boolean;
  readonly #subscriptions = new Set<Subscription>();
  /** Live subscriptions of this store, woken after its own appends instead of at the next poll. */
  readonly #wakers = new Set<() => void>();

  constructor(runner: SqlRunner, options: SqlEventStoreOptions & { closeRunner: boolean }) {
    this.#runner = runner;
    this.#s = quoteSchema(options.schema ?? 'event_store');
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#pageSize = options.pageSize ?? 500;
    this.#closeRunner = options.closeRunner;
  }

  async append(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { readonly expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    for (const e of events) {
      if (e.streamId !== streamId)
        throw new TypeError(`event ${e.id} belongs to stream ${e.streamId}, not ${streamId}`);
    }
    let rows: AppendRow[];
    try {
      rows = await this.#runner.query<AppendRow>(appendSql(this.#s), [
        streamId,
        expectedToSql(expected),
        eventsToJson(events),
      ]);
    } catch (error) {
      throw this.#mapAppendError(error, streamId, expected);
    }
    const last = rows.at(-1);
    if (last) {
      for (const wakeUp of this.#wakers) wakeUp();
      return {
        nextExpectedRevision: Number(last.revision),
        positions: rows.map((r) => toPosition(r.txid, r.position)),
      };
    }
    // nothing appended (an empty batch): report where the stream stands
    const current = await this.#runner.query<{ revision: string }>(
      `SELECT revision::text AS revision FROM ${this.#s}.streams WHERE stream_id = $1`,
      [streamId],
    );
    return { nextExpectedRevision: Number(current[0]?.revision ?? -1), positions: [] };
  }

  async appendNewStreams(appends: readonly NewStreamAppend[]): Promise<NewStreamsResult> {
    const seen = new Set<string>();
    for (const a of appends) {
      if (seen.has(a.streamId)) throw new TypeError(`stream ${a.streamId} appears twice`);
      seen.add(a.streamId);
      if (a.events.length === 0) throw new TypeError(`no events for stream ${a.streamId}`);
      for (const e of a.events) {
        if (e.streamId !== a.streamId)
          throw new TypeError(`event ${e.id} belongs to stream ${e.streamId}, not ${a.streamId}`);
      }
    }
    if (appends.length === 0) return { appended: new Map(), existing: [] };
    let rows: (AppendRow & { stream_id: string })[];
    try {
      rows = await this.#runner.query(appendNewStreamsSql(this.#s), [newStreamsToJson(appends)]);
    } catch (error) {
      const e = databaseError(error);
      if (e?.code === '23505' && e.constraint === 'events_event_id_key')
        throw new DuplicateEventError(
          appends[0]?.streamId ?? '',
          'an event id already exists in the store',
        );
      throw error;
    }
    const appended = new Map<
      string,
      { nextExpectedRevision: number; positions: GlobalPosition[] }
    >();
    for (const r of rows) {
      const result = appended.get(r.stream_id) ?? { nextExpectedRevision: -1, positions: [] };
      result.nextExpectedRevision = Math.max(result.nextExpectedRevision, Number(r.revision));
      result.positions.push(toPosition(r.txid, r.position));
      appended.set(r.stream_id, result);
    }
    if (rows.length > 0) for (const wakeUp of this.#wakers) wakeUp();
    return {
      appended,
      existing: appends.map((a) => a.streamId).filter((id) => !appended.has(id)),
    };
  }

  #mapAppendError(error: unknown, streamId: string, expected: ExpectedRevision): unknown {
    const e = databaseError(error);
    if (!e) return error;
    if (e.message.includes('maison_event_store:concurrency')) {
      const actual = Number(e.detail ?? '-1');
      return new ConcurrencyError(streamId, expected, actual < 0 ? 'no_stream' : actual);
    }
    if (e.message.includes('maison_event_store:duplicate'))
      return new DuplicateEventError(
        streamId,
        `${e.detail ?? 'some'} of the events already exist and this is not a replay of their append`,
      );
    // the same event id appended concurrently, or already in another stream
    if (e.code === '23505' && e.constraint === 'events_event_id_key')
      return new DuplicateEventError(streamId, 'an event id already exists in the store');
    return error;
  }

  async *readStream(
    streamId: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<RecordedEvent> {
    const direction = options.direction ?? 'forwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    let from = options.fromRevision ?? (direction === 'forwards' ? 0 : Number.MAX_SAFE_INTEGER);
    while (remaining > 0) {
      const limit = Math.min(remaining, this.#pageSize);
      const rows = await this.#runner.query<EventRow>(readStreamSql(this.#s, direction), [
        streamId,
        from,
        limit,
      ]);
      for (const row of rows) yield toRecorded(row);
      if (rows.length < limit) return;
      remaining -= rows.length;
      const lastRevision = Number(rows[rows.length - 1]?.revision);
      from = direction === 'forwards' ? lastRevision + 1 : lastRevision - 1;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    let after = options.after ?? START;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const limit = Math.min(remaining, this.#pageSize);
      const page = await this.#page(after, limit, null);
      for (const event of page) yield event;
      const last = page.at(-1);
      if (!last || page.length < limit) return;
      remaining -= page.length;
      after = last.position;
    }
  }

  async #page(
    after: GlobalPosition,
    limit: number,
    patterns: string[] | null,
  ): Promise<RecordedEvent[]> {
    const rows = await this.#runner.query<EventRow>(readAllSql(this.#s), [
      ...afterParams(after),
      limit,
      patterns,
    ]);
    return rows.map(toRecorded);
  }

  async #committedHead(
    after: GlobalPosition,
    patterns: string[] | null,
  ): Promise<GlobalPosition | null> {
    const rows = await this.#runner.query<{ txid: string; position: string }>(
      committedHeadSql(this.#s),
      [...afterParams(after), patterns],
    );
    const head = rows[0];
    return head ? { commit: BigInt(head.txid), prepare: BigInt(head.position) } : null;
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    const patterns = prefixPatterns(options.streamPrefixes);
    // read through a function: stop() flips it while the loop awaits
    const state = { stopped: false };
    const stopped = (): boolean => state.stopped;
    let wake: (() => void) | undefined;
    // an append that lands while a page is being handled must not wait for the next poll
    let nudged = false;
    const pause = (): Promise<void> =>
      new Promise((resolve) => {
        if (nudged) {
          nudged = false;
          resolve();
          return;
        }
        const finish = (): void => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(finish, this.#pollIntervalMs);
        wake = finish;
      });
    const run = async (): Promise<void> => {
      let after = options.after ?? START;
      let live = false;
      // Live means every event committed before the subscription caught up has been delivered.
      // A short page alone does not say so: a transaction still running anywhere in the cluster
      // holds back rows committed after it began (ADR 0003), so the first short page fixes the
      // committed head as the target and the subscription is live once it has delivered it.
      let target: GlobalPosition | null | undefined;
      while (!stopped()) {
        const page = await this.#page(after, this.#pageSize, patterns);
        for (const event of page) {
          if (stopped()) return;
          await options.onEvent(event);
          after = event.position;
        }
        if (page.length < this.#pageSize) {
          if (!live) {
            if (target === undefined) target = await this.#committedHead(after, patterns);
            if (target === null || comparePositions(after, target) >= 0) {
              live = true;
              options.onLive?.();
            }
          }
          if (!stopped()) await pause();
        }
      }
    };
    const waker = (): void => {
      if (wake) wake();
      else nudged = true;
    };
    this.#wakers.add(waker);
    const done = run().finally(() => this.#wakers.delete(waker));
    // callers may only ever call stop(); a failure is still reported to whoever awaits `done`
    done.catch(() => undefined);
    const subscription: Subscription = {
      stop: async () => {
        state.stopped = true;
        wake?.();
        this.#subscriptions.delete(subscription);
        await done.catch(() => undefined);
      },
      done,
    };
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async streamExists(streamId: string): Promise<boolean> {
    const rows = await this.#runner.query<{ exists: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${this.#s}.events WHERE stream_id = $1) AS exists`,
      [streamId],
    );
    return rows[0]?.exists === true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    if (this.#closeRunner) await this.#runner.close();
  }
}

/** Subscription checkpoints in the same schema as the events. */
export class SqlCheckpointStore implements CheckpointStore {
  readonly #runner: SqlRunner;
  readonly #s: string;

  constructor(runner: SqlRunner, schema = 'event_store') {
    this.#runner = runner;
    this.#s = quoteSchema(schema);
  }

  async load(subscriber: string): Promise<GlobalPosition | undefined> {
    const rows = await this.#runner.query<{ commit: string; prepare: string }>(
      `SELECT commit_position::text AS commit, prepare_position::text AS prepare
         FROM ${this.#s}.subscription_checkpoints WHERE subscriber = $1`,
      [subscriber],
    );
    const row = rows[0];
    return row ? { commit: BigInt(row.commit), prepare: BigInt(row.prepare) } : undefined;
  }

  async store(subscriber: string, position: GlobalPosition): Promise<void> {
    await this.#runner.query(
      `INSERT INTO ${this.#s}.subscription_checkpoints (subscriber, commit_position, prepare_position)
       VALUES ($1, $2::numeric, $3::numeric)
       ON CONFLICT (subscriber) DO UPDATE
         SET commit_position = excluded.commit_position,
             prepare_position = excluded.prepare_position, updated_at = now()`,
      [subscriber, position.commit.toString(), position.prepare.toString()],
    );
  }
}
