export {
  quoteIdent,
  databaseError,
  isUniqueViolation,
  type SqlQueryable,
  type SqlDatabase,
  type SqlEngine,
} from './database.js';
export { postgresDatabase, type PostgresDatabaseOptions } from './postgres.database.js';
export { pgliteDatabase, openEmbeddedDatabase } from './pglite.database.js';
export { runMigrations, type Migration } from './migrations.js';
