/**
 * The store's SQL runs on the shared database port (`@maison/sql`): PostgreSQL through `pg` and
 * PGlite both implement it, so the append, read and subscription logic exists once.
 */
export type { SqlQueryable, SqlDatabase as SqlRunner } from '@maison/sql';
export { databaseError } from '@maison/sql';
