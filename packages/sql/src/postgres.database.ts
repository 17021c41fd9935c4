import pg from 'pg';
import type { SqlDatabase, SqlQueryable } from './database.js';

function queryable(client: pg.Pool | pg.PoolClient): SqlQueryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const result = await client.query(sql, [...params]);
      return result.rows as R[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

export interface PostgresDatabaseOptions {
  /** Pool size when the database creates its own pool from a URL (default 10). */
  readonly max?: number;
  /** Fail a connection attempt after this long instead of waiting forever (default 5000 ms). */
  readonly connectionTimeoutMillis?: number;
}

/**
 * PostgreSQL through a `pg` pool. Given a URL it creates and owns the pool (closed by `close()`);
 * given a pool it borrows it. A transaction checks out one client for its duration; a client
 * whose ROLLBACK failed is destroyed rather than returned to the pool in an unknown state.
 */
export function postgresDatabase(
  connection: pg.Pool | string,
  options: PostgresDatabaseOptions = {},
): SqlDatabase & { readonly pool: pg.Pool } {
  const owns = typeof connection === 'string';
  const pool =
    typeof connection === 'string'
      ? new pg.Pool({
          connectionString: connection,
          max: options.max ?? 10,
          connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
        })
      : connection;
  if (owns) {
    // An idle client dying (server restart) must not crash the process; the pool reconnects.
    pool.on('error', () => undefined);
  }
  return {
    engine: 'postgres',
    pool,
    ...queryable(pool),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close(): Promise<void> {
      if (owns) await pool.end();
    },
  };
}
