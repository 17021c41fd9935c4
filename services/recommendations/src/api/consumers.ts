import type { ClientDirectory } from '@maison/client-directory';
import {
  ClientErased,
  TOPICS,
  type DataOf,
  type EventEnvelope,
  type TopicSpec,
} from '@maison/event-contracts';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import type { ClientsProjection } from '../projections/clients.projection.js';
import type { ModelProjection } from '../projections/model.projection.js';

/**
 * The Kafka handlers, thin: each decodes nothing itself (the runtime's consumer validated,
 * decrypted and upcast the event) and hands it to a projection in the consumer's transaction.
 */
export interface ConsumerSpec {
  readonly what: 'transactions' | 'consent' | 'profiles' | 'identity';
  readonly topic: TopicSpec;
  readonly handler: (event: EventEnvelope, tx: SqlQueryable) => Promise<void>;
}

export interface HandlerDeps {
  readonly schema: string;
  readonly model: ModelProjection;
  readonly clients: ClientsProjection;
  readonly directory: ClientDirectory;
  readonly clock: () => Date;
}

async function isErased(tx: SqlQueryable, schema: string, clientId: string): Promise<boolean> {
  const rows = await tx.query(
    `SELECT 1 FROM ${quoteIdent(schema)}.erased_clients WHERE client_id = $1`,
    [clientId],
  );
  return rows.length > 0;
}

function clientIdOf(event: EventEnvelope): string | null {
  const data = event.data as { clientId?: unknown } | null;
  return typeof data?.clientId === 'string' ? data.clientId : event.subjectId;
}

export function consumerSpecs(deps: HandlerDeps): ConsumerSpec[] {
  const { schema, model, clients, directory } = deps;
  return [
    {
      what: 'transactions',
      topic: TOPICS.transactionsEvents,
      handler: (event, tx) => model.applyTransactionEvent(tx, event),
    },
    {
      what: 'consent',
      topic: TOPICS.consentEvents,
      handler: async (event, tx) => {
        if (event.type === ClientErased.type) {
          const d = event.data as DataOf<typeof ClientErased>;
          const ids = [d.clientId, ...d.aliases];
          const purged = {
            ...(await model.eraseClients(tx, ids, d.requestId)),
            ...(await clients.erase(tx, ids)),
            'read_model.directory': await directory.forget(tx, ids),
            // Recommendations are computed per request and never cached.
            cache: 0,
          };
          await tx.query(
            `INSERT INTO ${quoteIdent(schema)}.purge_reports (request_id, client_id, purged, completed_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO NOTHING`,
            [d.requestId, d.clientId, JSON.stringify(purged), deps.clock().toISOString()],
          );
          return;
        }
        const clientId = clientIdOf(event);
        if (clientId !== null && (await isErased(tx, schema, clientId))) return;
        await clients.applyConsent(tx, event);
      },
    },
    {
      what: 'profiles',
      topic: TOPICS.profilesEvents,
      handler: async (event, tx) => {
        const clientId = clientIdOf(event);
        if (clientId !== null && (await isErased(tx, schema, clientId))) return;
        await clients.applyProfile(tx, event);
      },
    },
    {
      what: 'identity',
      topic: TOPICS.identityEvents,
      handler: async (event, tx) => {
        await directory.apply(tx, event);
      },
    },
  ];
}
