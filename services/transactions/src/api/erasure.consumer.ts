import type { ClientDirectory } from '@maison/client-directory';
import {
  ClientDataPurged,
  ClientErased,
  deterministicEventId,
  TOPICS,
  transactionsClientStream,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import { DuplicateEventError, type EventStore } from '@maison/event-store';
import { createEventConsumer, type ServiceContext } from '@maison/runtime';
import type { SqlQueryable } from '@maison/sql';

export interface ErasureConsumerDeps {
  readonly ctx: ServiceContext;
  readonly schema: string;
  readonly store: EventStore;
  readonly directory: ClientDirectory;
  /** Drops cached views of these clients (after the purge is committed). */
  readonly invalidate: (clientIds: readonly string[]) => Promise<void>;
}

/**
 * consent.events.v1 `ClientErased` → the client's (and its aliases') rows leave every read model
 * here: transactions, their references and category spend, KPIs, the directory entries; the id is
 * remembered in `erased_clients` so a replay never attributes to it again. Capture-rate counters
 * are anonymous aggregates and stay. Then `ClientDataPurged` reports the counts (its id is derived
 * from the request, so a redelivery appends nothing new).
 */
export function createErasureConsumer(deps: ErasureConsumerDeps) {
  const { ctx, schema: s } = deps;
  const toInvalidate = new Map<string, string[]>();
  return createEventConsumer(ctx, {
    name: 'transactions.erasure',
    topics: [TOPICS.consentEvents],
    onOutcome: (outcome) => {
      if (outcome.kind !== 'applied') return;
      const ids = toInvalidate.get(outcome.eventId);
      toInvalidate.delete(outcome.eventId);
      if (ids) void deps.invalidate(ids).catch(() => undefined);
    },
    handler: async (event: EventEnvelope, tx: SqlQueryable) => {
      if (event.type !== ClientErased.type) return;
      const d = event.data as DataOf<typeof ClientErased>;
      const ids = new Set([d.clientId, ...d.aliases]);
      for (const a of await deps.directory.aliasesOf(tx, d.clientId)) ids.add(a);
      const list = [...ids];
      const txs = await tx.query<{ transaction_id: string }>(
        `SELECT transaction_id FROM ${s}.transactions WHERE client_id = ANY($1::text[])`,
        [list],
      );
      const txIds = txs.map((r) => r.transaction_id);
      const refs = await tx.query(
        `DELETE FROM ${s}.transaction_refs WHERE transaction_id = ANY($1::uuid[]) RETURNING 1`,
        [txIds],
      );
      const cats = await tx.query(
        `DELETE FROM ${s}.transaction_categories WHERE transaction_id = ANY($1::uuid[]) RETURNING 1`,
        [txIds],
      );
      const rows = await tx.query(
        `DELETE FROM ${s}.transactions WHERE transaction_id = ANY($1::uuid[]) RETURNING 1`,
        [txIds],
      );
      const kpis = await tx.query(
        `DELETE FROM ${s}.client_kpis WHERE client_id = ANY($1::text[]) RETURNING 1`,
        [list],
      );
      const directory = await deps.directory.forget(tx, list);
      for (const id of list)
        await tx.query(
          `INSERT INTO ${s}.erased_clients (client_id, request_id, erased_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [id, d.requestId, d.erasedAt],
        );
      toInvalidate.set(event.id, list);
      const purged: DataOf<typeof ClientDataPurged> = {
        requestId: d.requestId,
        clientId: d.clientId,
        service: 'transactions',
        purged: {
          'read_model.transactions': rows.length,
          'read_model.transaction_refs': refs.length,
          'read_model.transaction_categories': cats.length,
          'read_model.client_kpis': kpis.length,
          'read_model.directory': directory,
          cache: list.length,
        },
        suppressed: [],
        completedAt: ctx.clock().toISOString(),
      };
      const id = deterministicEventId({
        sourceSystem: 'transactions',
        sourceId: d.requestId,
        type: ClientDataPurged.type,
      });
      try {
        await deps.store.append(transactionsClientStream(d.clientId), [
          {
            id,
            type: ClientDataPurged.type,
            schemaVersion: ClientDataPurged.schemaVersion,
            streamId: transactionsClientStream(d.clientId),
            subjectId: d.clientId,
            occurredAt: purged.completedAt,
            recordedAt: purged.completedAt,
            region: ctx.region,
            source: { system: 'transactions' },
            correlationId: event.correlationId,
            causationId: event.id,
            data: purged,
          },
        ]);
      } catch (err) {
        if (!(err instanceof DuplicateEventError)) throw err;
      }
    },
  });
}
