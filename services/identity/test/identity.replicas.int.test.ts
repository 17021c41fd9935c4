import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDevIssuer, type DevIssuer } from '@maison/auth/dev';
import { postgresDatabase, type SqlDatabase } from '@maison/sql';
import { isolatedDatabase, startWorkerProcess, type WorkerProcess } from '@maison/testing';

// Two identity replicas in two processes on one database: the only thing they share is the event
// store, which must make the claim of a new identifier atomic — no in-memory lock can help here.

const ISSUER = 'https://issuer.test.maison';
const AUDIENCE = 'maison-api';

let drop: () => Promise<void>;
let db: SqlDatabase;
let issuer: DevIssuer;
const workers: WorkerProcess[] = [];
const urls: string[] = [];

beforeAll(async () => {
  const isolated = await isolatedDatabase('replicas');
  drop = () => isolated.drop();
  db = postgresDatabase(isolated.url, { max: 2 });
  issuer = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
  const env = {
    DATABASE_URL: isolated.url,
    MASTER_KEY: randomBytes(32).toString('base64'),
    BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    JWKS: JSON.stringify(issuer.jwks()),
    ISSUER,
    AUDIENCE,
  };
  // One after the other: both migrate the same schemas at start.
  for (let i = 0; i < 2; i++) {
    const worker = startWorkerProcess('test/replica.worker.ts', {
      cwd: new URL('..', import.meta.url).pathname,
      env,
      onLine: (line) => {
        if (line.startsWith('url ')) urls.push(line.slice(4));
      },
    });
    workers.push(worker);
    await worker.started;
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) {
    w.child.kill('SIGTERM');
    await w.exited;
  }
  await db.close();
  await drop();
});

describe('two replicas, one store', () => {
  it('50 concurrent identify calls with the same new e-mail from 50 stores make exactly one client', async () => {
    expect(urls).toHaveLength(2);
    const token = await issuer.mintToken({ role: 'integration' });
    const variants = ['Hana.Kim@example.kr', ' hana.kim@example.kr', 'HANA.KIM@EXAMPLE.KR'];
    const calls = Array.from({ length: 50 }, (_, i) =>
      fetch(`${urls[i % 2] ?? ''}/v1/identify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          identifiers: [{ type: 'email', value: variants[i % variants.length] }],
          storeId: `ST-${String(i).padStart(2, '0')}`,
          sourceSystem: 'pos.cegid',
        }),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as Record<string, unknown>,
      })),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    const clients = new Set(results.map((r) => r.body.clientId));
    expect(clients.size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.body.outcome === 'matched')).toHaveLength(49);
    // and in the store: one registration, one claim of the e-mail
    const counts = await db.query<{ type: string; n: string }>(
      `SELECT type, count(*)::text AS n FROM identity_events.events
        WHERE type IN ('ClientRegistered', 'IdentifierClaimed', 'RecordResolved') GROUP BY type ORDER BY type`,
    );
    expect(counts).toEqual([
      { type: 'ClientRegistered', n: '1' },
      { type: 'IdentifierClaimed', n: '1' },
      { type: 'RecordResolved', n: '50' },
    ]);
  });
});
