import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import pg from 'pg';
import {
  findPostgresBinDir,
  PostgresBinariesNotFoundError,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './throwaway-postgres.js';

async function selectOne(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<{ one: number }>('SELECT 1 AS one');
    return result.rows[0]!.one;
  } finally {
    await client.end();
  }
}

describe('startThrowawayPostgres', () => {
  let db: ThrowawayPostgres | undefined;
  afterAll(async () => {
    await db?.destroy();
  });

  it('runs a private cluster that really stops, starts again and is removed on destroy', async () => {
    db = await startThrowawayPostgres();
    expect(db.url).toBe(`postgres://postgres@127.0.0.1:${db.port}/postgres`);
    expect(await selectOne(db.url)).toBe(1);

    await db.stop();
    await expect(selectOne(db.url)).rejects.toThrow(/ECONNREFUSED/);

    await db.start();
    expect(await selectOne(db.url)).toBe(1);

    await db.stop({ mode: 'immediate' });
    await expect(selectOne(db.url)).rejects.toThrow(/ECONNREFUSED/);
    await db.start();
    expect(await selectOne(db.url)).toBe(1);

    await db.destroy();
    expect(existsSync(db.dataDir)).toBe(false);
    await expect(selectOne(db.url)).rejects.toThrow(/ECONNREFUSED/);
    await db.destroy();
  });

  it('keeps data across a restart', async () => {
    const other = await startThrowawayPostgres();
    try {
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      await client.query('CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$still here$$)');
      await client.end();
      await other.stop({ mode: 'immediate' });
      await other.start();
      const again = new pg.Client({ connectionString: other.url });
      await again.connect();
      const { rows } = await again.query<{ v: string }>('SELECT v FROM kept');
      await again.end();
      expect(rows).toEqual([{ v: 'still here' }]);
    } finally {
      await other.destroy();
    }
  });

  it('says clearly when the PostgreSQL binaries are missing', async () => {
    expect(() => findPostgresBinDir({ PG_BIN_DIR: '/nonexistent/bin' })).toThrow(
      'PG_BIN_DIR=/nonexistent/bin does not contain initdb and pg_ctl.',
    );
    await expect(startThrowawayPostgres({ binDir: '/nonexistent/bin' })).rejects.toBeInstanceOf(
      PostgresBinariesNotFoundError,
    );
    expect(findPostgresBinDir({})).toMatch(/^\/usr\/lib\/postgresql\/[\d.]+\/bin$/);
  });
});
