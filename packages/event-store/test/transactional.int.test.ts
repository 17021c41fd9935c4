import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openEmbeddedDatabase, postgresDatabase, type SqlDatabase } from '@maison/sql';
import { eventually, isolatedPostgres, uniqueName, type IsolatedPostgres } from '@maison/testing';
import {
  ConcurrencyError,
  createPostgresEventStore,
  transactionalEventStore,
  type EventStore,
} from '../src/index.js';
import { testEvent } from '../src/testing/contract.js';

async function revisions(store: EventStore, streamId: string): Promise<number[]> {
  const out: number[] = [];
  for await (const e of store.readStream(streamId)) out.push(e.revision);
  return out;
}

function suite(name: string, open: () => Promise<{ db: SqlDatabase; done: () => Promise<void> }>) {
  describe(`appends on a caller's transaction (${name})`, () => {
    let db: SqlDatabase;
    let done: () => Promise<void>;
    let store: EventStore;
    const schema = 'tx_store';

    beforeAll(async () => {
      ({ db, done } = await open());
      store = await createPostgresEventStore({ connection: db, schema });
    });
    afterAll(async () => {
      await store.close();
      await done();
    });

    it('commits appends to several streams together', async () => {
      const a = uniqueName('a');
      const b = uniqueName('b');
      await db.transaction(async (tx) => {
        const s = transactionalEventStore(tx, { schema, engine: db.engine });
        await s.append(a, [testEvent(a)], { expectedRevision: 'no_stream' });
        await s.append(b, [testEvent(b), testEvent(b)], { expectedRevision: 'no_stream' });
        // reads on the transaction see its own uncommitted appends
        expect(await s.streamExists(b)).toBe(true);
      });
      expect(await revisions(store, a)).toEqual([0]);
      expect(await revisions(store, b)).toEqual([0, 1]);
      // readAll trails commits while a transaction anywhere in the cluster is older (ADR 0003)
      const all = await eventually(
        async () => {
          const mine: string[] = [];
          for await (const e of store.readAll())
            if (e.streamId === a || e.streamId === b) mine.push(e.streamId);
          return mine.length === 3 ? mine : undefined;
        },
        { what: 'both streams in the global order' },
      );
      expect(all).toEqual([a, b, b]);
    });

    it('rolls every append back when one stream is not at the expected revision', async () => {
      const a = uniqueName('a');
      const b = uniqueName('b');
      await store.append(b, [testEvent(b)]);
      await expect(
        db.transaction(async (tx) => {
          const s = transactionalEventStore(tx, { schema, engine: db.engine });
          await s.append(a, [testEvent(a)], { expectedRevision: 'no_stream' });
          await s.append(b, [testEvent(b)], { expectedRevision: 'no_stream' });
        }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.streamExists(a)).toBe(false);
      expect(await revisions(store, b)).toEqual([0]);
    });

    it('an empty append asserts a revision without writing', async () => {
      const a = uniqueName('a');
      await store.append(a, [testEvent(a)]);
      await db.transaction(async (tx) => {
        const s = transactionalEventStore(tx, { schema, engine: db.engine });
        await s.append(a, [], { expectedRevision: 0 });
      });
      await expect(
        db.transaction(async (tx) => {
          const s = transactionalEventStore(tx, { schema, engine: db.engine });
          await s.append(a, [], { expectedRevision: 5 });
        }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
    });
  });
}

let pg: IsolatedPostgres;
beforeAll(async () => {
  pg = await isolatedPostgres('txstore');
});
afterAll(() => pg.drop());

suite('PostgreSQL', () => {
  const db = postgresDatabase(pg.url);
  return Promise.resolve({ db, done: () => db.close() });
});

suite('PGlite', async () => {
  const db = await openEmbeddedDatabase();
  return { db, done: () => db.close() };
});

describe('two transactions claiming the same new stream (PostgreSQL)', () => {
  it('let exactly one win; the other gets a ConcurrencyError', async () => {
    const db = postgresDatabase(pg.url, { max: 4 });
    const store = await createPostgresEventStore({ connection: db, schema: 'tx_race' });
    try {
      const stream = uniqueName('claim');
      const attempt = (i: number) =>
        db.transaction(async (tx) => {
          const s = transactionalEventStore(tx, { schema: 'tx_race' });
          await s.append(`${stream}-own-${String(i)}`, [testEvent(`${stream}-own-${String(i)}`)]);
          await s.append(stream, [testEvent(stream)], { expectedRevision: 'no_stream' });
        });
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => attempt(i)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConcurrencyError);
      let owners = 0;
      for (let i = 0; i < 8; i++)
        if (await store.streamExists(`${stream}-own-${String(i)}`)) owners++;
      expect(owners).toBe(1);
    } finally {
      await store.close();
      await db.close();
    }
  });
});
