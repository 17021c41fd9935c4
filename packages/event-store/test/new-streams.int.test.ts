import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openEmbeddedDatabase, postgresDatabase, type SqlDatabase } from '@maison/sql';
import { eventually, isolatedPostgres, uniqueName, type IsolatedPostgres } from '@maison/testing';
import {
  createPostgresEventStore,
  DuplicateEventError,
  withCodec,
  type EventStore,
  type RecordedEvent,
} from '../src/index.js';
import { testEvent } from '../src/testing/contract.js';

async function collect(events: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function appendNew(store: EventStore): NonNullable<EventStore['appendNewStreams']> {
  const fn = store.appendNewStreams?.bind(store);
  if (!fn) throw new Error('the store has no appendNewStreams');
  return fn;
}

function suite(name: string, open: () => Promise<{ db: SqlDatabase; done: () => Promise<void> }>) {
  describe(`appendNewStreams (${name})`, () => {
    let db: SqlDatabase;
    let done: () => Promise<void>;
    let store: EventStore;

    beforeAll(async () => {
      ({ db, done } = await open());
      store = await createPostgresEventStore({ connection: db, schema: 'new_streams' });
    });
    afterAll(async () => {
      await store.close();
      await done();
    });

    it('creates every stream from revision 0, positions in input order, readable everywhere', async () => {
      const [a, b, c] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
      const result = await appendNew(store)([
        { streamId: b, events: [testEvent(b), testEvent(b, { data: { n: 1 } })] },
        { streamId: a, events: [testEvent(a)] },
        { streamId: c, events: [testEvent(c)] },
      ]);
      expect(result.existing).toEqual([]);
      expect([...result.appended.keys()].sort()).toEqual([a, b, c].sort());
      expect(result.appended.get(b)?.nextExpectedRevision).toBe(1);
      expect(result.appended.get(a)?.nextExpectedRevision).toBe(0);
      expect((await collect(store.readStream(b))).map((e) => [e.revision, e.data])).toEqual([
        [0, { n: 0 }],
        [1, { n: 1 }],
      ]);
      // readAll shows a commit once every older transaction on the server has ended
      const all = await eventually(
        async () => {
          const mine = (await collect(store.readAll()))
            .filter((e) => [a, b, c].includes(e.streamId))
            .map((e) => e.streamId);
          return mine.length === 4 ? mine : undefined;
        },
        { timeoutMs: 20_000, what: 'the events in the global order' },
      );
      expect(all).toEqual([b, b, a, c]);
      // the stream continues with ordinary appends at the revision it reported
      await store.append(a, [testEvent(a)], { expectedRevision: 0 });
      expect((await collect(store.readStream(a))).map((e) => e.revision)).toEqual([0, 1]);
    });

    it('leaves streams that already exist untouched and reports them', async () => {
      const [old, fresh] = [uniqueName('old'), uniqueName('fresh')];
      const first = testEvent(old);
      await store.append(old, [first]);
      const result = await appendNew(store)([
        { streamId: old, events: [testEvent(old)] },
        { streamId: fresh, events: [testEvent(fresh)] },
      ]);
      expect(result.existing).toEqual([old]);
      expect([...result.appended.keys()]).toEqual([fresh]);
      expect((await collect(store.readStream(old))).map((e) => e.id)).toEqual([first.id]);
    });

    it('writes nothing when an event id is already in another stream', async () => {
      const [x, y] = [uniqueName('x'), uniqueName('y')];
      const taken = testEvent(x);
      await store.append(x, [taken]);
      await expect(
        appendNew(store)([
          { streamId: y, events: [testEvent(y)] },
          { streamId: `${y}-2`, events: [{ ...taken, streamId: `${y}-2` }] },
        ]),
      ).rejects.toBeInstanceOf(DuplicateEventError);
      expect(await store.streamExists(y)).toBe(false);
    });

    it('refuses a stream twice, an empty stream or an event of another stream', async () => {
      const s = uniqueName('s');
      await expect(
        appendNew(store)([
          { streamId: s, events: [testEvent(s)] },
          { streamId: s, events: [testEvent(s)] },
        ]),
      ).rejects.toBeInstanceOf(TypeError);
      await expect(appendNew(store)([{ streamId: s, events: [] }])).rejects.toBeInstanceOf(
        TypeError,
      );
      await expect(
        appendNew(store)([{ streamId: s, events: [testEvent('other')] }]),
      ).rejects.toBeInstanceOf(TypeError);
      expect(await store.streamExists(s)).toBe(false);
    });

    it('goes through a codec', async () => {
      const s = uniqueName('coded');
      const coded = withCodec(store, {
        encode: (e) => Promise.resolve({ ...e, data: { wrapped: e.data } }),
        decode: (e) => Promise.resolve(e),
      });
      await appendNew(coded)([{ streamId: s, events: [testEvent(s)] }]);
      expect((await collect(store.readStream(s)))[0]?.data).toEqual({ wrapped: { n: 0 } });
    });
  });
}

let pg: IsolatedPostgres;
beforeAll(async () => {
  pg = await isolatedPostgres('newstreams');
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

describe('concurrent appendNewStreams on overlapping streams (PostgreSQL)', () => {
  it('create each stream exactly once', async () => {
    const db = postgresDatabase(pg.url, { max: 6 });
    const store = await createPostgresEventStore({ connection: db, schema: 'new_streams_race' });
    try {
      const base = uniqueName('race');
      const ids = Array.from({ length: 40 }, (_, i) => `${base}-${String(i)}`);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, w) =>
          appendNew(store)(
            // each writer takes an overlapping window, in its own order
            (w % 2 === 0 ? ids : [...ids].reverse())
              .filter((_, i) => (i + w) % 3 !== 0)
              .map((streamId) => ({ streamId, events: [testEvent(streamId)] })),
          ),
        ),
      );
      const created = results.flatMap((r) => [...r.appended.keys()]);
      expect(new Set(created).size).toBe(created.length);
      expect(created.sort()).toEqual([...ids].sort());
      for (const id of ids) expect(await collect(store.readStream(id))).toHaveLength(1);
    } finally {
      await store.close();
      await db.close();
    }
  });
});
