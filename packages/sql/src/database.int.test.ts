import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isolatedPostgres, type IsolatedPostgres } from '@maison/testing';
import {
  isUniqueViolation,
  openEmbeddedDatabase,
  postgresDatabase,
  quoteIdent,
  runMigrations,
  type Migration,
  type SqlDatabase,
} from './index.js';

const migrations: Migration[] = [
  {
    version: 1,
    name: 'items',
    sql: (s) => `CREATE TABLE ${s}.items (id text PRIMARY KEY, n integer NOT NULL);`,
  },
  {
    version: 2,
    name: 'items.note',
    sql: (s) => `ALTER TABLE ${s}.items ADD COLUMN note text;`,
  },
];

/** The same behaviour on both engines: that is the point of the port. */
function databaseContract(
  name: string,
  open: () => Promise<{ db: SqlDatabase; schema: string; done: () => Promise<void> }>,
) {
  describe(name, () => {
    let db: SqlDatabase;
    let schema: string;
    let done: () => Promise<void>;
    let t: string;
    beforeAll(async () => {
      ({ db, schema, done } = await open());
      t = `${quoteIdent(schema)}.items`;
      expect(await runMigrations(db, { schema, migrations })).toEqual([1, 2]);
    });
    afterAll(() => done());

    it('applies migrations once, in order', async () => {
      expect(await runMigrations(db, { schema, migrations })).toEqual([]);
      const rows = await db.query<{ version: number }>(
        `SELECT version FROM ${quoteIdent(schema)}.schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual([1, 2]);
    });

    it('refuses migrations with gaps', async () => {
      await expect(
        runMigrations(db, { schema, migrations: [migrations[1]!], table: 'other_migrations' }),
      ).rejects.toThrow(/without gaps/);
    });

    it('commits a transaction and rolls back a failed one entirely', async () => {
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, ['a', 1]);
        await tx.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, ['b', 2]);
      });
      const failure = db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, ['c', 3]);
        await tx.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, ['a', 4]);
      });
      const error: unknown = await failure.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUniqueViolation(error)).toBe(true);
      const rows = await db.query<{ id: string }>(`SELECT id FROM ${t} ORDER BY id`);
      expect(rows.map((r) => r.id)).toEqual(['a', 'b']);
    });

    it('a statement on the database inside a transaction never deadlocks', async () => {
      const seen = await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, ['inner', 9]);
        // e.g. a key-store lookup made by code that only holds the database object
        return db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
      });
      expect(seen[0]?.n).toBeGreaterThanOrEqual(1);
    });

    it('runs concurrent statements and transactions without losing any', async () => {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          i % 2 === 0
            ? db.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, [`q${String(i)}`, i])
            : db.transaction((tx) =>
                tx.query(`INSERT INTO ${t} (id, n) VALUES ($1, $2)`, [`t${String(i)}`, i]),
              ),
        ),
      );
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${t} WHERE id ~ '^[qt][0-9]+$'`,
      );
      expect(rows[0]?.n).toBe(25);
    });

    it('exec runs several statements', async () => {
      await db.exec(
        `INSERT INTO ${t} (id, n) VALUES ('x1', 1); INSERT INTO ${t} (id, n) VALUES ('x2', 2);`,
      );
      const rows = await db.query<{ id: string }>(
        `SELECT id FROM ${t} WHERE id LIKE 'x%' ORDER BY id`,
      );
      expect(rows.map((r) => r.id)).toEqual(['x1', 'x2']);
    });
  });
}

let pgSchema: IsolatedPostgres;
beforeAll(async () => {
  pgSchema = await isolatedPostgres('sql');
});
afterAll(() => pgSchema.drop());

databaseContract('PostgreSQL (pg pool)', () => {
  const db = postgresDatabase(pgSchema.url);
  return Promise.resolve({ db, schema: pgSchema.schema, done: () => db.close() });
});

databaseContract('PGlite (in memory)', async () => {
  const db = await openEmbeddedDatabase();
  return { db, schema: 'sql_test', done: () => db.close() };
});

it('refuses identifiers that are not plain names', () => {
  expect(() => quoteIdent('a"; DROP TABLE x; --')).toThrow(TypeError);
  expect(quoteIdent('read_model_1')).toBe('"read_model_1"');
});
