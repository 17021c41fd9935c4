import {
  TOPICS,
  type DataOf,
  type EventEnvelope,
  ClientDataPurged,
  type ClientRegistered,
  type ProfileUpdated,
  type ClientBookAssigned,
  type ClientBookUnassigned,
} from '@maison/event-contracts';
import { createEventConsumer, type ServiceContext } from '@maison/runtime';
import type { SqlQueryable } from '@maison/sql';
import type { ConsentApp } from '../application.js';

/**
 * One idempotent consumer of the platform's topics (one consumer group): identity.events.v1 feeds
 * the client directory (attribution of reference-only evidence, merged ids) and the home region;
 * profiles.events.v1 the client scope for authorization (books, home store); every service's
 * `ClientDataPurged` the erasure completion report (consent's own included, from its topic).
 */
export async function platformConsumer(ctx: ServiceContext, app: ConsentApp) {
  const s = app.s;
  const scope = async (tx: SqlQueryable, clientId: string, set: string, params: unknown[]) => {
    await tx.query(`INSERT INTO ${s}.client_scope (client_id) VALUES ($1) ON CONFLICT DO NOTHING`, [
      clientId,
    ]);
    await tx.query(`UPDATE ${s}.client_scope SET ${set} WHERE client_id = $1`, [
      clientId,
      ...params,
    ]);
  };
  /** Clients whose cached view an event changed, until its transaction has committed. */
  const afterCommit = new Map<string, readonly string[]>();
  const handler = async (
    event: EventEnvelope,
    tx: SqlQueryable,
    toInvalidate: string[],
  ): Promise<void> => {
    switch (event.type) {
      case 'IdentifierLinked':
      case 'IdentifierUnlinked':
      case 'ClientsMerged':
      case 'ClientUnmerged': {
        const change = await app.directory.apply(tx, event);
        await app.resolvePending(change.indexes, tx);
        const d = event.data as { survivorId?: string; clientId?: string };
        toInvalidate.push(
          ...change.clients,
          ...[d.survivorId, d.clientId].filter((x): x is string => x !== undefined),
        );
        return;
      }
      case 'ClientRegistered': {
        const d = event.data as DataOf<typeof ClientRegistered>;
        if (d.homeRegion !== null)
          await scope(tx, d.clientId, 'home_region = coalesce(home_region, $2)', [d.homeRegion]);
        return;
      }
      case 'ProfileUpdated': {
        const d = event.data as DataOf<typeof ProfileUpdated>;
        if (d.homeRegion != null) await scope(tx, d.clientId, 'home_region = $2', [d.homeRegion]);
        if (d.homeStoreId != null)
          await scope(tx, d.clientId, 'home_store_id = $2', [d.homeStoreId]);
        if (d.homeRegion != null) toInvalidate.push(d.clientId);
        return;
      }
      case 'ClientBookAssigned': {
        const d = event.data as DataOf<typeof ClientBookAssigned>;
        await scope(
          tx,
          d.clientId,
          `book_store_ids = CASE WHEN $2 = ANY(book_store_ids) THEN book_store_ids ELSE array_append(book_store_ids, $2) END,
           associate_ids = CASE WHEN $3 = ANY(associate_ids) THEN associate_ids ELSE array_append(associate_ids, $3) END`,
          [d.storeId, d.associateId],
        );
        return;
      }
      case 'ClientBookUnassigned': {
        const d = event.data as DataOf<typeof ClientBookUnassigned>;
        await scope(tx, d.clientId, 'associate_ids = array_remove(associate_ids, $2)', [
          d.associateId,
        ]);
        return;
      }
      case ClientDataPurged.type: {
        const d = event.data as DataOf<typeof ClientDataPurged>;
        await tx.query(
          `INSERT INTO ${s}.erasure_reports (request_id, service, client_id, purged, suppressed, completed_at, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (request_id, service) DO NOTHING`,
          [
            d.requestId,
            d.service,
            d.clientId,
            JSON.stringify(d.purged),
            JSON.stringify(d.suppressed),
            d.completedAt,
            event.id,
          ],
        );
        return;
      }
      default:
        return;
    }
  };
  return createEventConsumer(ctx, {
    name: 'consent.platform',
    topics: [
      TOPICS.identityEvents,
      TOPICS.profilesEvents,
      TOPICS.transactionsEvents,
      TOPICS.recommendationsEvents,
      TOPICS.consentEvents,
    ],
    handler: async (event, tx) => {
      const toInvalidate: string[] = [];
      await handler(event, tx, toInvalidate);
      if (toInvalidate.length === 0) return;
      // Now, so the old view is not served while the transaction commits, and again once it has
      // committed: a reload that starts in between still reads the directory before this event
      // and would cache that until the TTL (a merge or unmerge invisible for a minute).
      await app.invalidate([...toInvalidate]);
      afterCommit.set(event.id, toInvalidate);
    },
    onOutcome: (outcome) => {
      if (outcome.kind === 'dead-lettered') return;
      const clients = afterCommit.get(outcome.eventId);
      afterCommit.delete(outcome.eventId);
      if (clients === undefined || outcome.kind !== 'applied') return;
      app.invalidate(clients).catch((error: unknown) => {
        ctx.logger.warn({ err: error }, 'consent cache invalidation after commit failed');
      });
    },
  });
}
