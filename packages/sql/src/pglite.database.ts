import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite, type PGliteInterface, type Transaction } from '@electric-sql/pglite';
import type { SqlDatabase, SqlQueryable } from './database.js';

function queryable(db: PGliteInterface | Transaction): SqlQueryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      return (await db.query<R>(sql, [...params])).rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

/**
 * PGlite over one connection. PGlite is a single session: a transaction holds it until COMMIT,
 * so statements and transactions go through one queue. A statement issued on the database object
 * from inside a running transaction (the same async context, e.g. a key-store lookup made by a
 * consumer's handler) would wait for that transaction forever; instead it joins the transaction,
 * which is what one connection can offer. Nested `transaction()` calls join the outer one too.
 */
export function pgliteDatabase(
  db: PGliteInterface,
  options: { readonly owns?: boolean } = {},
): SqlDatabase & { readonly pglite: PGliteInterface } {
  // The running transaction of this async context; `open` turns false when it ends, so work that
  // outlives it (a timer started inside) goes back to the queue instead of a finished transaction.
  const current = new AsyncLocalStorage<{ tx: SqlQueryable; open: boolean }>();
  const active = (): SqlQueryable | undefined => {
    const c = current.getStore();
    return c?.open === true ? c.tx : undefined;
  };
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
  const direct = queryable(db);
  return {
    engine: 'pglite',
    pglite: db,
    query<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
      const tx = active();
      return tx ? tx.query<R>(sql, params) : serial(() => direct.query<R>(sql, params));
    },
    exec(sql: string): Promise<void> {
      const tx = active();
      return tx ? tx.exec(sql) : serial(() => direct.exec(sql));
    },
    transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const outer = active();
      if (outer) return fn(outer);
      return serial(() =>
        db.transaction(async (t) => {
          const context = { tx: queryable(t), open: true };
          try {
            return await current.run(context, () => fn(context.tx));
          } finally {
            context.open = false;
          }
        }),
      );
    },
    close(): Promise<void> {
      return options.owns === false ? Promise.resolve() : serial(() => db.close());
    },
  };
}

/** Opens (or creates) an embedded database: on disk under `dataDir`, in memory without it. */
export async function openEmbeddedDatabase(
  options: { readonly dataDir?: string } = {},
): Promise<SqlDatabase & { readonly pglite: PGliteInterface }> {
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  return pgliteDatabase(db, { owns: true });
}
