import {
  catalogRegistry,
  type EventEnvelope,
  type EventTypeDefinition,
  type EventTypeRegistry,
} from '@maison/event-contracts';
import {
  createPostgresCheckpointStore,
  createPostgresEventStore,
  withCodec,
  type CheckpointStore,
  type EventCodec,
  type EventStore,
} from '@maison/event-store';
import {
  defaultKeySubject,
  schemasOf,
  type ServiceContext,
  type ServiceEventStore,
} from '@maison/runtime';
import { PRIVATE_CLIENT_EVENTS, PUBLISHED_TYPES } from '../client/client.events.js';
import { IDENTIFIER_EVENTS } from '../identifier/identifier.events.js';
import { MergeRecorded } from '../merge/merge.events.js';
import { RecordResolved } from '../record/record.events.js';

/** Event types that never leave identity: registers, the merged side of merges, records, merges. */
export const PRIVATE_EVENTS: readonly EventTypeDefinition[] = [
  ...IDENTIFIER_EVENTS,
  ...PRIVATE_CLIENT_EVENTS,
  RecordResolved,
  MergeRecorded,
];

/** The catalogue plus identity's private types. */
export function identityRegistry(): EventTypeRegistry {
  return catalogRegistry(PRIVATE_EVENTS);
}

export interface IdentityEventStore extends ServiceEventStore {
  readonly schema: string;
  readonly registry: EventTypeRegistry;
  /** Validate + encrypt (identity's own registry, so its private types have their PII paths). */
  readonly codec: EventCodec;
  /** Decoded and upcast but not decrypted: PII stays ciphertext (decisions and read models need none). */
  readonly structural: EventStore;
}

/** Only the published types: what the publisher sends to identity.events.v1. */
export function publishedOnly(store: EventStore): EventStore {
  return {
    append: (s, e, o) => store.append(s, e, o),
    readStream: (s, o) => store.readStream(s, o),
    readAll: (o) => store.readAll(o),
    streamExists: (s) => store.streamExists(s),
    close: () => store.close(),
    subscribeToAll: (options) =>
      store.subscribeToAll({
        ...options,
        onEvent: (event) =>
          PUBLISHED_TYPES.has(event.type) ? options.onEvent(event) : Promise.resolve(),
      }),
  };
}

/** Identity's store in schema `identity_events` (same database as its read models). */
export async function openIdentityEventStore(ctx: ServiceContext): Promise<IdentityEventStore> {
  const schema = schemasOf(ctx.service).events;
  const registry = identityRegistry();
  const raw = await createPostgresEventStore({ connection: ctx.database, schema });
  const codec: EventCodec = {
    encode: async (event: EventEnvelope) => {
      const valid = registry.validate(event);
      const definition = registry.get(valid.type);
      return ctx.privacy.encryptEvent(valid, {
        keySubject: defaultKeySubject(valid),
        ...(definition ? { definition } : {}),
      });
    },
    decode: async (event) => registry.decode(await ctx.privacy.decryptEvent(event)),
  };
  const structural = withCodec(raw, {
    encode: () => Promise.reject(new Error('the structural view is read-only')),
    decode: (event) => Promise.resolve(registry.decode(event)),
  });
  const checkpoints: CheckpointStore = createPostgresCheckpointStore({
    connection: ctx.database,
    schema,
  });
  return { schema, registry, codec, raw, store: withCodec(raw, codec), structural, checkpoints };
}
