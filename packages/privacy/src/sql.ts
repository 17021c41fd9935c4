import type { PGliteInterface, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';

export type Row = Record<string, unknown>;

/** The one thing both pg and PGlite can do: run a parameterised statement. */
export interface Queryable {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** A `Queryable` that can also run a function inside one transaction on one connection. */
export interface QueryRunner extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** Runs on a node-postgres pool; a transaction checks out one client for its duration. */
export function pgRunner(pool: pg.Pool): QueryRunner {
  return {
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      const result = await pool.query<R>(text, [...params]);
      return result.rows;
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const value = await fn({
          async query<R extends Row>(text: string, params: readonly unknown[] = []) {
            return (await client.query<R>(text, [...params])).rows;
          },
        });
        await client.query('COMMIT');
        return value;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // A connection that cannot roll back must not go back to the pool.
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}

function pgliteQueryable(db: PGliteInterface | Transaction): Queryable {
  return {
    async query<R extends Row>(text: string, params: readonly unknown[] = []) {
      return (await db.query<R>(text, [...params])).rows;
    },
  };
}

/** Runs on an embedded PGlite database (single connection; PGlite serialises transactions). */
export function pgliteRunner(db: PGliteInterface): QueryRunner {
  return {
    ...pgliteQueryable(db),
    transaction: (fn) => db.transaction((tx) => fn(pgliteQueryable(tx))),
  };
}
