/**
 * The SQL every Maison component needs, once, over two engines: PostgreSQL through `pg` (tests,
 * CI, production) and PGlite (PostgreSQL compiled to WebAssembly, in process, for the embedded
 * one-process platform). The event store, the key store, idempotent consumers and every read
 * model run the same statements on either.
 */
export interface SqlQueryable {
  /** One statement with positional parameters (`$1`, `$2`…); resolves to its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements separated by semicolons, no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
}

export type SqlEngine = 'postgres' | 'pglite';

export interface SqlDatabase extends SqlQueryable {
  readonly engine: SqlEngine;
  /**
   * Runs `fn` on one connection between BEGIN and COMMIT; ROLLBACK if it throws (the error is
   * rethrown). Use the `tx` it is given for every statement of the transaction.
   */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Releases the connections this database owns (a pool passed in by the caller stays open). */
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quotes a schema or table name after checking it is a plain lowercase identifier. */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}

/** The SQLSTATE, message and detail of a database error, whichever engine raised it. */
export function databaseError(
  error: unknown,
): { code?: string; message: string; detail?: string; constraint?: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { code?: unknown; detail?: unknown; constraint?: unknown };
  return {
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.detail === 'string' ? { detail: e.detail } : {}),
    ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
  };
}

/** SQLSTATE 23505: a unique constraint refused the row. */
export function isUniqueViolation(error: unknown): boolean {
  return databaseError(error)?.code === '23505';
}
