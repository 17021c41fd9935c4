import {
  ClientBookAssigned,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ClientBookUnassigned,
  ClientErased,
  CustomerRecordReceived,
  TransactionRecorded,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import type { Privacy } from '@maison/privacy';
import type { SqlQueryable } from '@maison/sql';
import type { IdentityService, Origin } from '../engine/identity.service.js';
import { fromEventReferences } from '../engine/references.js';
import type { IdentityQueries } from '../projections/queries.js';

function originOf(event: EventEnvelope): Origin {
  return {
    actor: 'system',
    correlationId: event.correlationId,
    causationId: event.id,
    ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
  };
}

/** transactions.events.v1: every sale, return or exchange with customer references is resolved. */
export function transactionsHandler(service: IdentityService, privacy: Privacy) {
  return async (event: EventEnvelope, tx: SqlQueryable): Promise<void> => {
    if (event.type !== TransactionRecorded.type) return;
    const d = event.data as DataOf<typeof TransactionRecorded>;
    if (d.customer.length === 0) return; // an anonymous sale names nobody
    const { references, dropped } = fromEventReferences(privacy, d.customer);
    await service.resolve(
      {
        trigger: `transactions:${event.id}`,
        references,
        unusable: dropped,
        sourceSystem: d.sourceSystem,
        storeId: d.storeId,
        region: d.region,
        occurredAt: d.occurredAt,
      },
      { ...originOf(event), occurredAt: d.occurredAt },
      tx,
    );
  };
}

/**
 * profiles.events.v1: customer records are resolved like sales; client-book facts feed the scope
 * that decides who may read a client's identifiers (in the consumer's transaction). Returns the
 * clients whose cached views the event changes.
 */
export function profilesHandler(
  service: IdentityService,
  privacy: Privacy,
  queries: IdentityQueries,
) {
  return async (event: EventEnvelope, tx: SqlQueryable): Promise<string[]> => {
    switch (event.type) {
      case CustomerRecordReceived.type: {
        const d = event.data as DataOf<typeof CustomerRecordReceived>;
        const { references, dropped } = fromEventReferences(privacy, d.customer);
        await service.resolve(
          {
            trigger: `profiles:${event.id}`,
            references,
            unusable: dropped,
            sourceSystem: d.sourceSystem,
            storeId: d.storeId,
            region: d.region,
            occurredAt: event.occurredAt,
          },
          { ...originOf(event), occurredAt: event.occurredAt },
          tx,
        );
        return [];
      }
      case ClientBookAssigned.type: {
        const d = event.data as DataOf<typeof ClientBookAssigned>;
        await queries.assignBook(tx, d.clientId, d.associateId, d.storeId);
        return [d.clientId];
      }
      case ClientBookUnassigned.type: {
        const d = event.data as DataOf<typeof ClientBookUnassigned>;
        await queries.unassignBook(tx, d.clientId, d.associateId, d.storeId);
        return [d.clientId];
      }
      case ClientBookStoreAdded.type: {
        const d = event.data as DataOf<typeof ClientBookStoreAdded>;
        await queries.assignBook(tx, d.clientId, '', d.storeId);
        return [d.clientId];
      }
      case ClientBookStoreRemoved.type: {
        const d = event.data as DataOf<typeof ClientBookStoreRemoved>;
        await queries.unassignBook(tx, d.clientId, '', d.storeId);
        return [d.clientId];
      }
      default:
        return [];
    }
  };
}

/** consent.events.v1: `ClientErased` — suppress, purge, shred, report `ClientDataPurged`. */
export function consentHandler(service: IdentityService) {
  return async (event: EventEnvelope): Promise<void> => {
    if (event.type !== ClientErased.type) return;
    await service.erase(event as EventEnvelope<'ClientErased', DataOf<typeof ClientErased>>);
  };
}
