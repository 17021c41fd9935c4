import type { SqlDatabase } from '@maison/sql';
import type { PGliteInterface } from '@electric-sql/pglite';
import type pg from 'pg';
import { SubjectErasedError } from './errors.js';
import { pgliteRunner, pgRunner, type Queryable, type QueryRunner } from './sql.js';

/** A data key as stored: wrapped by the master key `kekId`, never in the clear. */
export interface StoredDataKey {
  readonly subjectId: string;
  readonly keyId: string;
  readonly kekId: string;
  /** iv ‖ tag ‖ AES-256-GCM(kek, data key), bound to subject and key id. */
  readonly wrapped: Uint8Array;
  readonly createdAt: Date;
}

export type NewDataKey = Omit<StoredDataKey, 'createdAt'>;

export type KeyLookup =
  | { readonly state: 'active'; readonly key: StoredDataKey }
  | { readonly state: 'shredded'; readonly shreddedAt: Date }
  | { readonly state: 'absent' };

export interface ShredResult {
  readonly subjectId: string;
  /** A key row was deleted by this call. */
  readonly keyDestroyed: boolean;
  /** The subject was already tombstoned before this call (shredding is idempotent). */
  readonly alreadyShredded: boolean;
  readonly shreddedAt: Date;
}

/** Wrapped per-subject data keys, erasure tombstones and the suppression list. */
export interface KeyStore {
  /** Creates the schema and tables if missing; safe to run concurrently and repeatedly. */
  migrate(): Promise<void>;
  lookup(subjectId: string): Promise<KeyLookup>;
  /**
   * Stores `key` unless the subject already has one, and returns the subject's key (the winner
   * of a race). Throws `SubjectErasedError` for a tombstoned subject.
   */
  createIfAbsent(key: NewDataKey): Promise<StoredDataKey>;
  /** Deletes the subject's key row and records a tombstone, atomically. Idempotent. */
  shred(subjectId: string): Promise<ShredResult>;
  /** Keys wrapped by a master key other than `kekId`, in subject order after `after`. */
  keysNotWrappedBy(kekId: string, after: string, limit: number): Promise<StoredDataKey[]>;
  /** Replaces a key's wrapping if it is still wrapped by `fromKekId`; false if it changed meanwhile. */
  rewrap(
    subjectId: string,
    fromKekId: string,
    toKekId: string,
    wrapped: Uint8Array,
  ): Promise<boolean>;
  suppress(identifierType: string, blindIndex: string, reason: string): Promise<{ added: boolean }>;
  isSuppressed(identifierType: string, blindIndex: string): Promise<boolean>;
}

export interface KeyStoreOptions {
  /** PostgreSQL schema holding the tables (default `privacy`). */
  readonly schema?: string;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

interface KeyRow extends Record<string, unknown> {
  subject_id: string;
  key_id: string;
  kek_id: string;
  wrapped: Uint8Array;
  created_at: Date;
}

function toKey(row: KeyRow): StoredDataKey {
  return {
    subjectId: row.subject_id,
    keyId: row.key_id,
    kekId: row.kek_id,
    wrapped: Buffer.from(row.wrapped),
    createdAt: row.created_at,
  };
}

/** The key store on any `QueryRunner`: node-postgres and PGlite share every statement. */
export class SqlKeyStore implements KeyStore {
  readonly #db: QueryRunner;
  readonly #s: string;
  readonly #schema: string;

  constructor(db: QueryRunner, options: KeyStoreOptions = {}) {
    const schema = options.schema ?? 'privacy';
    if (!SCHEMA.test(schema)) throw new Error(`invalid schema name "${schema}"`);
    this.#db = db;
    this.#schema = schema;
    this.#s = `"${schema}"`;
  }

  /**
   * Serialises key creation, shredding and migration per subject (per schema), so a shred can
   * never interleave with a creation and leave a live key beside a tombstone.
   */
  async #lock(tx: Queryable, subject: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [
      `maison.privacy:${this.#schema}`,
      subject,
    ]);
  }

  async migrate(): Promise<void> {
    const s = this.#s;
    await this.#db.transaction(async (tx) => {
      // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogue: serialise them.
      await this.#lock(tx, '#migrate');
      for (const statement of [
        `CREATE SCHEMA IF NOT EXISTS ${s}`,
        `CREATE TABLE IF NOT EXISTS ${s}.data_keys (
           subject_id text PRIMARY KEY,
           key_id text NOT NULL UNIQUE,
           kek_id text NOT NULL,
           wrapped bytea NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now(),
           rewrapped_at timestamptz
         )`,
        `CREATE INDEX IF NOT EXISTS data_keys_kek_idx ON ${s}.data_keys (kek_id)`,
        `CREATE TABLE IF NOT EXISTS ${s}.shredded_subjects (
           subject_id text PRIMARY KEY,
           shredded_at timestamptz NOT NULL DEFAULT now()
         )`,
        `CREATE TABLE IF NOT EXISTS ${s}.suppressed_identifiers (
           identifier_type text NOT NULL,
           blind_index text NOT NULL,
           reason text NOT NULL,
           suppressed_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (identifier_type, blind_index)
         )`,
      ]) {
        await tx.query(statement);
      }
    });
  }

  async lookup(subjectId: string): Promise<KeyLookup> {
    const s = this.#s;
    const [row] = await this.#db.query<KeyRow & { shredded_at: Date | null }>(
      `SELECT k.subject_id, k.key_id, k.kek_id, k.wrapped, k.created_at,
              (SELECT t.shredded_at FROM ${s}.shredded_subjects t WHERE t.subject_id = $1) AS shredded_at
         FROM (SELECT 1) AS one LEFT JOIN ${s}.data_keys k ON k.subject_id = $1`,
      [subjectId],
    );
    if (row?.shredded_at) return { state: 'shredded', shreddedAt: row.shredded_at };
    if (row?.key_id) return { state: 'active', key: toKey(row) };
    return { state: 'absent' };
  }

  async createIfAbsent(key: NewDataKey): Promise<StoredDataKey> {
    const s = this.#s;
    return this.#db.transaction(async (tx) => {
      await this.#lock(tx, key.subjectId);
      const tomb = await tx.query(`SELECT 1 FROM ${s}.shredded_subjects WHERE subject_id = $1`, [
        key.subjectId,
      ]);
      if (tomb.length > 0) throw new SubjectErasedError(key.subjectId);
      // The lock already serialises same-subject creators; ON CONFLICT keeps this correct even
      // for a writer that does not take it.
      await tx.query(
        `INSERT INTO ${s}.data_keys (subject_id, key_id, kek_id, wrapped)
         VALUES ($1, $2, $3, $4) ON CONFLICT (subject_id) DO NOTHING`,
        [key.subjectId, key.keyId, key.kekId, Buffer.from(key.wrapped)],
      );
      const [row] = await tx.query<KeyRow>(
        `SELECT subject_id, key_id, kek_id, wrapped, created_at FROM ${s}.data_keys WHERE subject_id = $1`,
        [key.subjectId],
      );
      if (!row) throw new Error('data key vanished inside its creating transaction');
      return toKey(row);
    });
  }

  async shred(subjectId: string): Promise<ShredResult> {
    const s = this.#s;
    return this.#db.transaction(async (tx) => {
      await this.#lock(tx, subjectId);
      const inserted = await tx.query(
        `INSERT INTO ${s}.shredded_subjects (subject_id) VALUES ($1)
         ON CONFLICT (subject_id) DO NOTHING RETURNING subject_id`,
        [subjectId],
      );
      // A real DELETE, not a flag: the wrapped key must not survive in any readable row.
      const deleted = await tx.query(
        `DELETE FROM ${s}.data_keys WHERE subject_id = $1 RETURNING key_id`,
        [subjectId],
      );
      const [tomb] = await tx.query<{ shredded_at: Date }>(
        `SELECT shredded_at FROM ${s}.shredded_subjects WHERE subject_id = $1`,
        [subjectId],
      );
      if (!tomb) throw new Error('tombstone vanished inside its creating transaction');
      return {
        subjectId,
        keyDestroyed: deleted.length > 0,
        alreadyShredded: inserted.length === 0,
        shreddedAt: tomb.shredded_at,
      };
    });
  }

  async keysNotWrappedBy(kekId: string, after: string, limit: number): Promise<StoredDataKey[]> {
    const rows = await this.#db.query<KeyRow>(
      `SELECT subject_id, key_id, kek_id, wrapped, created_at FROM ${this.#s}.data_keys
        WHERE kek_id <> $1 AND subject_id > $2 ORDER BY subject_id LIMIT $3`,
      [kekId, after, limit],
    );
    return rows.map(toKey);
  }

  async rewrap(
    subjectId: string,
    fromKekId: string,
    toKekId: string,
    wrapped: Uint8Array,
  ): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE ${this.#s}.data_keys SET kek_id = $3, wrapped = $4, rewrapped_at = now()
        WHERE subject_id = $1 AND kek_id = $2 RETURNING subject_id`,
      [subjectId, fromKekId, toKekId, Buffer.from(wrapped)],
    );
    return rows.length > 0;
  }

  async suppress(
    identifierType: string,
    blindIndex: string,
    reason: string,
  ): Promise<{ added: boolean }> {
    const rows = await this.#db.query(
      `INSERT INTO ${this.#s}.suppressed_identifiers (identifier_type, blind_index, reason)
       VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING blind_index`,
      [identifierType, blindIndex, reason],
    );
    return { added: rows.length > 0 };
  }

  async isSuppressed(identifierType: string, blindIndex: string): Promise<boolean> {
    const rows = await this.#db.query(
      `SELECT 1 FROM ${this.#s}.suppressed_identifiers WHERE identifier_type = $1 AND blind_index = $2`,
      [identifierType, blindIndex],
    );
    return rows.length > 0;
  }
}

/** Key store on PostgreSQL through a node-postgres pool (the caller owns and closes the pool). */
export function postgresKeyStore(pool: pg.Pool, options: KeyStoreOptions = {}): SqlKeyStore {
  return new SqlKeyStore(pgRunner(pool), options);
}

/**
 * Key store on a `@maison/sql` database (PostgreSQL or a PGlite shared with the rest of the
 * process, as in the embedded platform); the caller owns and closes it.
 */
export function databaseKeyStore(db: SqlDatabase, options: KeyStoreOptions = {}): SqlKeyStore {
  return new SqlKeyStore(db, options);
}

/** Key store on an embedded PGlite database (the caller owns and closes it). */
export function pgliteKeyStore(db: PGliteInterface, options: KeyStoreOptions = {}): SqlKeyStore {
  return new SqlKeyStore(pgliteRunner(db), options);
}
