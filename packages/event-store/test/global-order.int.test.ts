import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isolatedPostgres, type IsolatedPostgres } from '@maison/testing';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import {
  START,
  comparePositions,
  createPostgresEventStore,
  type EventStore,
  type GlobalPosition,
} from '../src/index.js';
import { appendSql, eventsToJson, quoteSchema, type AppendRow } from '../src/sql.js';
import { testEvent } from '../src/testing/contract.js';

const WRITERS = 4;
const BATCHES_PER_WRITER = 100;
const BATCH = 50; // 4 × 100 × 50 = 20,000 events

interface Committed {
  readonly firstPosition: bigint;
  readonly commitOrder: number;
}

describe('global order under staggered commits (PostgreSQL)', () => {
  let db: IsolatedPostgres;
  let store: EventStore;
  beforeAll(async () => {
    db = await isolatedPostgres('es_order');
    store = await createPostgresEventStore({ connection: db.pool, schema: db.schema });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('a live subscriber sees every one of 20,000 events exactly once, in global order', async () => {
    const seen: { id: string; position: GlobalPosition }[] = [];
    const live = { now: false };
    const subscription = store.subscribeToAll({
      onEvent: (e) => {
        seen.push({ id: e.id, position: e.position });
        return Promise.resolve();
      },
      onLive: () => {
        live.now = true;
      },
    });
    while (!live.now) await delay(10);

    // Each writer runs the store's own append statement inside an explicit transaction and, for
    // every third batch, holds the transaction open before COMMIT: its positions are taken early
    // and become visible late, after batches with higher positions committed.
    const committed: Committed[] = [];
    const written: string[] = [];
    let commits = 0;
    const writer = async (w: number): Promise<void> => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        for (let b = 0; b < BATCHES_PER_WRITER; b++) {
          const streamId = `order-w${String(w)}-${String(b % 7)}`;
          const events = Array.from({ length: BATCH }, () => testEvent(streamId));
          await client.query('BEGIN');
          const { rows } = await client.query<AppendRow>(appendSql(quoteSchema(db.schema)), [
            streamId,
            'any',
            eventsToJson(events),
          ]);
          if ((b + w) % 3 === 0) await delay(5 + ((b * 7 + w * 13) % 25));
          await client.query('COMMIT');
          committed.push({
            firstPosition: BigInt(rows[0]?.position ?? -1),
            commitOrder: commits++,
          });
          written.push(...events.map((e) => e.id));
        }
      } finally {
        await client.end();
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    const total = WRITERS * BATCHES_PER_WRITER * BATCH;
    // a subscriber that skipped late commits would never get there: bound the wait, then compare
    const deadline = Date.now() + 30_000;
    while (seen.length < total && Date.now() < deadline) await delay(20);
    await subscription.stop();
    await subscription.done;

    // the hazard really happened: a lower position committed after a higher one
    const byPosition = [...committed].sort((a, b) => (a.firstPosition < b.firstPosition ? -1 : 1));
    const lateCommits = byPosition.filter((c, i) =>
      byPosition.slice(i + 1).some((later) => later.commitOrder < c.commitOrder),
    );
    expect(lateCommits.length).toBeGreaterThan(0);

    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((e) => e.id)).size).toBe(total);
    expect(new Set(seen.map((e) => e.id))).toEqual(new Set(written));
    let previous = START;
    for (const { position } of seen) {
      expect(comparePositions(previous, position)).toBe(-1);
      previous = position;
    }
    // and the order is the store's global order, the one readAll returns
    const all: string[] = [];
    for await (const e of store.readAll()) all.push(e.id);
    expect(all).toEqual(seen.map((e) => e.id));
  });

  it('goes live only once it has delivered what was committed before, even while a transaction elsewhere holds it back', async () => {
    // a transaction with an assigned id, still open: the snapshot horizon stops below it
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_current_xact_id()');
      const streamId = `held-back-${String(Date.now())}`;
      const events = Array.from({ length: 3 }, () => testEvent(streamId));
      await store.append(streamId, events);

      const seen: string[] = [];
      let liveAfter: number | undefined;
      const subscription = store.subscribeToAll({
        streamPrefixes: [streamId],
        onEvent: (e) => {
          seen.push(e.id);
          return Promise.resolve();
        },
        onLive: () => {
          liveAfter = seen.length;
        },
      });
      // committed but held back: neither delivered nor live while the blocker runs
      await delay(500);
      expect(seen).toEqual([]);
      expect(liveAfter).toBeUndefined();

      await blocker.query('COMMIT');
      const deadline = Date.now() + 10_000;
      while (liveAfter === undefined && Date.now() < deadline) await delay(20);
      await subscription.stop();
      expect(liveAfter).toBe(3);
      expect(seen).toEqual(events.map((e) => e.id));
    } finally {
      await blocker.end();
    }
  });
});
