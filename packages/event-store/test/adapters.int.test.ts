import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isolatedPostgres, type IsolatedPostgres } from '@maison/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createEmbeddedEventStore,
  createPostgresCheckpointStore,
  createPostgresEventStore,
  migratePostgres,
} from '../src/index.js';
import { testEvent } from '../src/testing/contract.js';

describe('PostgreSQL migrations and checkpoints', () => {
  let db: IsolatedPostgres;
  beforeAll(async () => {
    db = await isolatedPostgres('es_migrate');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('two migrators at once: each migration is applied exactly once', async () => {
    const schema = `${db.schema}_m`;
    const [a, b] = await Promise.all([
      migratePostgres(db.url, schema),
      migratePostgres(db.url, schema),
    ]);
    expect([...a, ...b].sort()).toEqual([1, 2]);
    expect(await migratePostgres(db.pool, schema)).toEqual([]);
    const { rows } = await db.pool.query<{ version: number }>(
      `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
    await db.pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  });

  it('stores and reloads a subscription checkpoint, with xid8-sized numbers', async () => {
    const store = await createPostgresEventStore({ connection: db.pool, schema: db.schema });
    const checkpoints = createPostgresCheckpointStore({ connection: db.pool, schema: db.schema });
    expect(await checkpoints.load('projector')).toBeUndefined();
    await checkpoints.store('projector', { commit: 5n, prepare: 7n });
    const big = { commit: 2n ** 64n - 1n, prepare: 2n ** 63n - 1n };
    await checkpoints.store('projector', big);
    expect(await checkpoints.load('projector')).toEqual(big);
    await store.close();
  });
});

describe('embedded store on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'es-embedded-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps events and checkpoints across a close and reopen', async () => {
    const first = await createEmbeddedEventStore({ dataDir: dir });
    const event = testEvent('disk-1');
    const { positions } = await first.append('disk-1', [event], { expectedRevision: 'no_stream' });
    const position = positions[0];
    if (!position) throw new Error('no position');
    await first.checkpoints.store('projector', position);
    await first.close();

    const second = await createEmbeddedEventStore({ dataDir: dir });
    const read = [];
    for await (const e of second.readStream('disk-1')) read.push(e);
    expect(read.map((e) => e.id)).toEqual([event.id]);
    expect(await second.checkpoints.load('projector')).toEqual(position);
    const next = await second.append('disk-1', [testEvent('disk-1')], { expectedRevision: 0 });
    expect(next.nextExpectedRevision).toBe(1);
    await second.close();
  });
});
