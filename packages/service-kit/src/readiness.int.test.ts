import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@maison/testing';
import pg from 'pg';
import { listen, type Listening } from '../test/listen.js';
import {
  createApp,
  createLogger,
  postgresCheck,
  Readiness,
  type ReadinessReport,
} from './index.js';

const CHECK_TIMEOUT_MS = 1_000;
const logger = createLogger({ service: 'readiness-test', level: 'silent' });

async function readyz(
  url: string,
): Promise<{ status: number; body: ReadinessReport; elapsedMs: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as ReadinessReport;
  return { status: response.status, body, elapsedMs: performance.now() - started };
}

async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function serve(pool: pg.Pool): Promise<Listening> {
  const readiness = new Readiness().register(postgresCheck(pool, { timeoutMs: CHECK_TIMEOUT_MS }));
  return listen(createApp({ logger, readiness }));
}

describe('/readyz with a real PostgreSQL', () => {
  let db: ThrowawayPostgres;
  let pool: pg.Pool;
  let server: Listening;

  beforeAll(async () => {
    db = await startThrowawayPostgres();
    pool = new pg.Pool({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
    // Idle pooled connections report the server going away; the next checkout reconnects.
    pool.on('error', () => undefined);
    server = await serve(pool);
  });

  afterAll(async () => {
    await server.close();
    await pool.end();
    await db.destroy();
  });

  it('is ready, turns unready within its timeout while PostgreSQL is stopped, and ready again after it restarts', async () => {
    const ready = await readyz(server.url);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { postgres: { status: 'up', latencyMs: expect.any(Number) } },
    });

    await db.stop();
    const down = await readyz(server.url);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unready');
    expect(down.body.checks.postgres).toMatchObject({ status: 'down', error: expect.any(String) });
    expect(down.elapsedMs).toBeLessThan(CHECK_TIMEOUT_MS + 1_000);

    await db.start();
    const back = await eventually(
      () => readyz(server.url),
      (r) => r.status === 200,
    );
    expect(back.status).toBe(200);
    expect(back.body.checks.postgres?.status).toBe('up');
  });
});

describe('/readyz with a PostgreSQL that accepts connections but never answers', () => {
  let blackhole: Server;
  const sockets = new Set<Socket>();
  let pool: pg.Pool;
  let server: Listening;

  beforeAll(async () => {
    blackhole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as { port: number };
    // The pool would wait 30 s; the check must not.
    pool = new pg.Pool({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectionTimeoutMillis: 30_000,
    });
    pool.on('error', () => undefined);
    server = await serve(pool);
  });

  afterAll(async () => {
    await server.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
    await pool.end().catch(() => undefined);
  });

  it('answers 503 as soon as the check timeout passes', async () => {
    const hung = await readyz(server.url);
    expect(hung.status).toBe(503);
    expect(hung.body.checks.postgres).toMatchObject({
      status: 'down',
      error: `timed out after ${CHECK_TIMEOUT_MS} ms`,
    });
    expect(hung.elapsedMs).toBeGreaterThanOrEqual(CHECK_TIMEOUT_MS - 50);
    expect(hung.elapsedMs).toBeLessThan(CHECK_TIMEOUT_MS + 1_000);
  });
});
