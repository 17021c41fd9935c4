import type { SqlQueryable } from '@maison/sql';

/**
 * Transaction-scoped advisory locks on identifier indexes, always taken in the same order (no
 * deadlocks). The identity consumer and the projection both lock the indexes they are about to
 * compare, so one of them always sees the other's commit: a link is never missed.
 */
export async function lockIndexes(tx: SqlQueryable, indexes: readonly string[]): Promise<void> {
  if (indexes.length === 0) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(h) FROM (
       SELECT DISTINCT hashtextextended('maison.transactions.idx:' || i, 0) AS h FROM unnest($1::text[]) AS i ORDER BY 1
     ) AS locks`,
    [[...new Set(indexes)]],
  );
}
