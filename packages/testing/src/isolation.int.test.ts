import { expect, test } from '@jest/globals';
import { isolatedPostgres, isolatedRedis, uniqueName } from './index.js';

// Two tests run at the same time against the same PostgreSQL and Redis, using the same table
// and key names. A barrier makes sure both have written before either reads, so each test would
// see the other's data if isolation did not hold.
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    arrived += 1;
    if (arrived === parties) release();
    await all;
  };
}

const pgBarrier = barrier(2);
const redisBarrier = barrier(2);

const stores = ['boutique-paris', 'boutique-tokyo'];

// jest only overlaps concurrent tests of the same block, so each pair is one `concurrent.each`.
test.concurrent.each(stores)('PostgreSQL round-trip in a private schema (%s)', async (label) => {
  const db = await isolatedPostgres('iso');
  try {
    await db.pool.query('CREATE TABLE clients (id text PRIMARY KEY, store text NOT NULL)');
    await db.pool.query('INSERT INTO clients VALUES ($1, $2)', [uniqueName('c'), label]);
    await pgBarrier();
    const { rows } = await db.pool.query<{ store: string }>('SELECT store FROM clients');
    expect(rows).toEqual([{ store: label }]);
    const { rows: sp } = await db.pool.query<{ s: string }>('SELECT current_schema() AS s');
    expect(sp[0]?.s).toBe(db.schema);
  } finally {
    await db.drop();
  }
});

test.concurrent.each(stores)('Redis round-trip under a private key prefix (%s)', async (label) => {
  const r = await isolatedRedis('iso');
  try {
    await r.client.set('client:42:store', label);
    await r.client.hset('client:42', { store: label });
    await redisBarrier();
    expect(await r.client.get('client:42:store')).toBe(label);
    expect(await r.client.hget('client:42', 'store')).toBe(label);
  } finally {
    await r.cleanup();
  }
});

test('cleanup leaves nothing behind', async () => {
  const r = await isolatedRedis('gone');
  await r.client.set('k', 'v');
  const raw = r.client.duplicate({ keyPrefix: '' });
  expect(await raw.exists(`${r.prefix}k`)).toBe(1);
  await r.cleanup();
  expect(await raw.exists(`${r.prefix}k`)).toBe(0);
  raw.disconnect();

  const db = await isolatedPostgres('gone');
  const schema = db.schema;
  await db.drop();
  const probe = await isolatedPostgres('probe');
  const { rows } = await probe.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
    schema,
  ]);
  expect(rows).toHaveLength(0);
  await probe.drop();
});
