import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@maison/event-contracts';
import { openEmbeddedDatabase, postgresDatabase, type SqlDatabase } from '@maison/sql';
import { eventually, isolatedPostgres, type IsolatedPostgres } from '@maison/testing';
import {
  createEmbeddedEventStore,
  createPostgresEventStore,
  startProjector,
  withCodec,
  type EventStore,
} from '../src/index.js';
import { testEvent } from '../src/testing/contract.js';

async function count(db: SqlDatabase, schema: string): Promise<{ n: number; max: number }> {
  const rows = await db.query<{ n: number; max: number | null }>(
    `SELECT count(*)::int AS n, max(times) AS max FROM "${schema}".seen`,
  );
  return { n: rows[0]?.n ?? 0, max: rows[0]?.max ?? 0 };
}

function projectorSuite(
  name: string,
  open: () => Promise<{
    store: EventStore;
    db: SqlDatabase;
    schema: string;
    done: () => Promise<void>;
  }>,
) {
  describe(name, () => {
    let store: EventStore;
    let db: SqlDatabase;
    let schema: string;
    let done: () => Promise<void>;
    beforeAll(async () => {
      ({ store, db, schema, done } = await open());
      await db.exec(
        `CREATE SCHEMA IF NOT EXISTS "${schema}";
         CREATE TABLE "${schema}".seen (event_id uuid PRIMARY KEY, times int NOT NULL)`,
      );
    });
    afterAll(() => done());

    const apply =
      (failOn?: string) => async (event: EventEnvelope, tx: { query: SqlDatabase['query'] }) => {
        await tx.query(
          `INSERT INTO "${schema}".seen (event_id, times) VALUES ($1, 1)
         ON CONFLICT (event_id) DO UPDATE SET times = seen.times + 1`,
          [event.id],
        );
        if (event.id === failOn) throw new Error('projection bug');
      };

    it('applies every event exactly once across stops, restarts and a failing handler', async () => {
      const first = Array.from({ length: 30 }, (_, i) => testEvent(`p-${String(i % 3)}`));
      for (const e of first) await store.append(e.streamId, [e]);
      const a = await startProjector({ name: 'seen', store, database: db, schema, apply: apply() });
      await a.live;
      expect(await count(db, schema)).toEqual({ n: 30, max: 1 });
      await a.stop();

      const second = Array.from({ length: 20 }, (_, i) => testEvent(`p-${String(i % 3)}`));
      for (const e of second) await store.append(e.streamId, [e]);
      // Fails on the 10th new event: that transaction (effect + checkpoint) must roll back.
      const b = await startProjector({
        name: 'seen',
        store,
        database: db,
        schema,
        apply: apply(second[9]?.id),
      });
      await expect(b.subscription.done).rejects.toThrow('projection bug');
      expect(await count(db, schema)).toEqual({ n: 39, max: 1 });

      const c = await startProjector({ name: 'seen', store, database: db, schema, apply: apply() });
      await c.live;
      const extra = testEvent('p-live');
      await store.append(extra.streamId, [extra]);
      await eventually(async () => ((await count(db, schema)).n === 51 ? true : undefined));
      await c.stop();
      expect(await count(db, schema)).toEqual({ n: 51, max: 1 });
    });

    it('only follows the given stream prefixes', async () => {
      await store.append('other-1', [testEvent('other-1')]);
      const p = await startProjector({
        name: 'only-q',
        store,
        database: db,
        schema,
        streamPrefixes: ['q-'],
        apply: apply(),
      });
      const mine = testEvent('q-1');
      await store.append('q-1', [mine]);
      await eventually(async () => {
        const rows = await db.query(`SELECT 1 FROM "${schema}".seen WHERE event_id = $1`, [
          mine.id,
        ]);
        return rows.length === 1 ? true : undefined;
      });
      await p.stop();
      const total = await count(db, schema);
      expect(total.n).toBe(52); // 51 + q-1, not other-1
    });
  });
}

let pgDb: IsolatedPostgres;
beforeAll(async () => {
  pgDb = await isolatedPostgres('projector');
});
afterAll(() => pgDb.drop());

projectorSuite('on PostgreSQL', async () => {
  const db = postgresDatabase(pgDb.url);
  const store = await createPostgresEventStore({ connection: db, schema: pgDb.schema });
  return {
    store,
    db,
    schema: pgDb.schema,
    done: async () => {
      await store.close();
      await db.close();
    },
  };
});

projectorSuite('on PGlite, one database shared by the store and the read model', async () => {
  const db = await openEmbeddedDatabase();
  const store = await createEmbeddedEventStore({ database: db, schema: 'es' });
  return {
    store,
    db,
    schema: 'rm',
    done: async () => {
      await store.close();
      await db.close();
    },
  };
});

it('withCodec encodes on append and decodes on every read path', async () => {
  const inner = await createEmbeddedEventStore();
  const store = withCodec(inner, {
    encode: (e) => Promise.resolve({ ...e, data: { sealed: JSON.stringify(e.data) } }),
    decode: (e) =>
      Promise.resolve({ ...e, data: JSON.parse((e.data as { sealed: string }).sealed) as unknown }),
  });
  const e = testEvent('codec-1', { data: { secret: 'canary-42' } });
  await store.append('codec-1', [e]);
  const raw = [];
  for await (const r of inner.readStream('codec-1')) raw.push(r.data);
  expect(raw).toEqual([{ sealed: JSON.stringify({ secret: 'canary-42' }) }]);
  const viaStream = [];
  for await (const r of store.readStream('codec-1')) viaStream.push(r.data);
  const viaAll = [];
  for await (const r of store.readAll()) viaAll.push(r.data);
  expect(viaStream).toEqual([{ secret: 'canary-42' }]);
  expect(viaAll).toEqual([{ secret: 'canary-42' }]);
  const seen: unknown[] = [];
  const sub = store.subscribeToAll({
    onEvent: (r) => {
      seen.push(r.data);
      return Promise.resolve();
    },
  });
  await eventually(() => (seen.length === 1 ? true : undefined));
  await sub.stop();
  expect(seen).toEqual([{ secret: 'canary-42' }]);
  await store.close();
});
