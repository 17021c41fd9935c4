import type { ClientDirectory } from '@maison/client-directory';
import {
  newEventId,
  TOPICS,
  type EventEnvelope,
  type IdentifierRef,
} from '@maison/event-contracts';
import { handleCommand, type EventStore } from '@maison/event-store';
import { createEventConsumer, type ServiceContext } from '@maison/runtime';
import type { SqlQueryable } from '@maison/sql';
import { lockIndexes } from '../projections/locks.js';
import { transactionDecider } from '../transaction/transaction.decider.js';
import { transactionStream } from '../transaction/transaction.events.js';

export interface IdentityConsumerDeps {
  readonly ctx: ServiceContext;
  readonly schema: string;
  readonly store: EventStore;
  readonly directory: ClientDirectory;
}

/**
 * identity.events.v1 → the client directory, then every transaction whose attribution the change
 * can move (a reference whose owner changed, or owned by a client merged away or restored) is
 * attributed again from the directory — so a merge followed by its unmerge puts every
 * transaction back where it was. Runs under the same index locks as the projection.
 */
export function createIdentityConsumer(deps: IdentityConsumerDeps) {
  const { ctx, schema: s, directory } = deps;
  return createEventConsumer(ctx, {
    name: 'transactions.identity',
    topics: [TOPICS.identityEvents],
    handler: async (event: EventEnvelope, tx: SqlQueryable) => {
      const change = await directory.apply(tx, event);
      if (change.kind === 'none') return;
      const clients = new Set<string>();
      for (const c of change.clients)
        for (const a of await directory.aliasesOf(tx, c)) clients.add(a);
      const indexes = new Set(change.indexes);
      for (const c of clients)
        for (const r of await directory.identifiersOf(tx, c)) indexes.add(r.index);
      await lockIndexes(tx, [...indexes]);
      const rows = await tx.query<{ transaction_id: string }>(
        `SELECT DISTINCT transaction_id FROM ${s}.transaction_refs WHERE identifier_index = ANY($1::text[])
         UNION
         SELECT transaction_id FROM ${s}.transactions WHERE client_id = ANY($2::text[])`,
        [[...indexes], [...clients]],
      );
      if (rows.length === 0) return;
      const ids = rows.map((r) => r.transaction_id);
      const refRows = await tx.query<{
        transaction_id: string;
        identifier_index: string;
        identifier_type: string;
        scope: string | null;
      }>(
        `SELECT transaction_id, identifier_index, identifier_type, scope FROM ${s}.transaction_refs
          WHERE transaction_id = ANY($1::uuid[]) ORDER BY transaction_id, priority`,
        [ids],
      );
      const refsOf = new Map<string, IdentifierRef[]>();
      for (const r of refRows)
        refsOf.set(r.transaction_id, [
          ...(refsOf.get(r.transaction_id) ?? []),
          { index: r.identifier_index, type: r.identifier_type, scope: r.scope },
        ]);
      const owners = await directory.attributeMany(
        tx,
        ids.map((id) => refsOf.get(id) ?? []),
      );
      const erased = new Set(
        (
          await tx.query<{ client_id: string }>(
            `SELECT client_id FROM ${s}.erased_clients WHERE client_id = ANY($1::text[])`,
            [owners.filter((o) => o !== null).map((o) => o.clientId)],
          )
        ).map((r) => r.client_id),
      );
      const now = ctx.clock().toISOString();
      for (const [i, id] of ids.entries()) {
        const owner = owners[i] ?? null;
        const wanted = owner && !erased.has(owner.clientId) ? owner : null;
        const via = wanted ? refsOf.get(id)?.find((r) => r.index === wanted.via) : undefined;
        await handleCommand(deps.store, transactionStream(id), transactionDecider, {
          type: 'AttributeTransaction',
          transactionId: id,
          attribution: wanted && via ? { clientId: wanted.clientId, via } : null,
          at: event.occurredAt,
          meta: {
            eventId: newEventId(),
            recordedAt: now,
            region: ctx.region,
            correlationId: event.correlationId,
            causationId: event.id,
          },
        });
      }
    },
  });
}
