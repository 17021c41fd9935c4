import { quoteIdent, type SqlDatabase } from './database.js';

export interface Migration {
  /** 1, 2, 3…: applied in order, each once. Never edit a released migration: add one. */
  readonly version: number;
  readonly name: string;
  /** The DDL, given the quoted schema name. */
  readonly sql: (schema: string) => string;
}

/**
 * Applies the migrations of one component not yet recorded in `<schema>.schema_migrations`, in
 * one transaction. A transaction-scoped advisory lock makes concurrent migrators (two replicas
 * starting together) take turns; the second finds everything applied. Returns the versions it
 * applied.
 */
export async function runMigrations(
  db: SqlDatabase,
  options: {
    readonly schema: string;
    readonly migrations: readonly Migration[];
    /** Separates components that share a schema (default: the schema itself). */
    readonly table?: string;
  },
): Promise<number[]> {
  const s = quoteIdent(options.schema);
  const table = quoteIdent(options.table ?? 'schema_migrations');
  const versions = options.migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length || versions.some((v, i) => v !== i + 1)) {
    throw new Error(`migrations must be numbered 1..n without gaps: ${versions.join(', ')}`);
  }
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `maison.migrate:${options.schema}.${options.table ?? 'schema_migrations'}`,
    ]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.${table} (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ version: number }>(`SELECT version FROM ${s}.${table}`);
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of options.migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql(s));
      await tx.query(`INSERT INTO ${s}.${table} (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
      done.push(m.version);
    }
    return done;
  });
}
