import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseEnvelope, type EventEnvelope } from '@maison/event-contracts';
import { openEmbeddedDatabase, type SqlDatabase } from '@maison/sql';
import { uniqueName } from '@maison/testing';
import { createPostgresEventStore, withCodec, type EventStore } from '../src/index.js';
import { testEvent } from '../src/testing/contract.js';

// A codec that validates envelopes strictly (as the event registry does) must be handed the
// envelope only, never the store's revision and position.
describe('a store seen through a strict codec', () => {
  let db: SqlDatabase;
  let store: EventStore;
  beforeAll(async () => {
    db = await openEmbeddedDatabase();
    const raw = await createPostgresEventStore({ connection: db, schema: 'codec_store' });
    store = withCodec(raw, {
      encode: (e) => Promise.resolve(parseEnvelope(e)),
      decode: (e) => Promise.resolve({ ...parseEnvelope(e), data: { decoded: true } }),
    });
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  it('decodes stream reads, global reads and subscriptions, keeping revisions and positions', async () => {
    const stream = uniqueName('s');
    await store.append(stream, [testEvent(stream), testEvent(stream)]);
    const read: EventEnvelope[] = [];
    for await (const e of store.readStream(stream)) read.push(e);
    expect(read.map((e) => [e.data, (e as { revision?: number }).revision])).toEqual([
      [{ decoded: true }, 0],
      [{ decoded: true }, 1],
    ]);
    let all = 0;
    for await (const e of store.readAll()) if (e.streamId === stream) all++;
    expect(all).toBe(2);
    const seen: number[] = [];
    const sub = store.subscribeToAll({
      onEvent: (e) => {
        if (e.streamId === stream) seen.push(e.revision);
        return Promise.resolve();
      },
    });
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sub.stop();
    expect(seen).toEqual([0, 1]);
  });
});
