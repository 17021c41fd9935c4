import {
  identifierKeySubject,
  TOPICS,
  type EventEnvelope,
  type ServiceName,
  type TopicSpec,
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
  envelopeOf,
  IdempotentConsumer,
  ensureProcessedEventsTable,
  startPublisher,
  type ConsumeOutcome,
  type IncomingMessage,
  type MessagingLogger,
  type RunningPublisher,
} from '@maison/messaging';
import type { SqlQueryable } from '@maison/sql';
import { schemasOf, type ServiceContext } from './context.js';
import { inEventSpan, withTraceparent } from './tracing.js';

/** The topic each service publishes on. */
export const SERVICE_TOPICS: Readonly<Record<ServiceName, TopicSpec>> = {
  identity: TOPICS.identityEvents,
  profiles: TOPICS.profilesEvents,
  transactions: TOPICS.transactionsEvents,
  consent: TOPICS.consentEvents,
  recommendations: TOPICS.recommendationsEvents,
};

/**
 * Whose key encrypts an event's PII: the client when known; before resolution, the record's
 * primary identifier (`idx:<index>`, shredded with the client's identifiers on erasure); else the
 * stream (a record with no identifier at all).
 */
export function defaultKeySubject(event: EventEnvelope): string {
  if (event.subjectId !== null) return event.subjectId;
  const data = event.data as { customer?: unknown } | null;
  const customer: unknown = data?.customer;
  const first: unknown = Array.isArray(customer) ? (customer as unknown[])[0] : undefined;
  const index =
    typeof first === 'object' && first !== null ? (first as { index?: unknown }).index : undefined;
  if (typeof index === 'string') return identifierKeySubject(index);
  return `stream:${event.streamId}`;
}

/** Validate against the catalogue and encrypt PII on write; decrypt and upcast on read. */
export function serviceCodec(
  ctx: Pick<ServiceContext, 'privacy' | 'registry'>,
  keySubject: (event: EventEnvelope) => string = defaultKeySubject,
): EventCodec {
  return {
    encode: (event) =>
      ctx.privacy.encryptEvent(ctx.registry.validate(withTraceparent(event)), {
        keySubject: keySubject(event),
      }),
    // Stored events carry their revision and position: the envelope schema is strict, so decode
    // the envelope only (withCodec puts revision and position back).
    decode: async (event) => ctx.registry.decode(envelopeOf(await ctx.privacy.decryptEvent(event))),
  };
}

export interface ServiceEventStore {
  /** Plaintext view for deciders and projections (validates + encrypts on append). */
  readonly store: EventStore;
  /** What is stored (ciphertext): what the publisher sends to Kafka. */
  readonly raw: EventStore;
  readonly checkpoints: CheckpointStore;
}

/** The service's own event store in schema `<service>_events` of its database. */
export async function openServiceEventStore(
  ctx: ServiceContext,
  options: { keySubject?: (event: EventEnvelope) => string; pollIntervalMs?: number } = {},
): Promise<ServiceEventStore> {
  const schema = schemasOf(ctx.service).events;
  const raw = await createPostgresEventStore({
    connection: ctx.database,
    schema,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  return {
    raw,
    store: withCodec(raw, serviceCodec(ctx, options.keySubject)),
    checkpoints: createPostgresCheckpointStore({ connection: ctx.database, schema }),
  };
}

export function messagingLogger(ctx: Pick<ServiceContext, 'logger'>): MessagingLogger {
  return ({ level, message, fields }) => {
    ctx.logger[level](fields ?? {}, message);
  };
}

/** Publishes every event of the service's store to its topic (restart-safe, at-least-once). */
export function startServicePublisher(
  ctx: ServiceContext,
  events: ServiceEventStore,
): Promise<RunningPublisher> {
  const topic = ctx.names.topic(SERVICE_TOPICS[ctx.service]);
  return startPublisher({
    name: `${ctx.service}.publisher`,
    store: events.raw,
    checkpoints: events.checkpoints,
    producer: ctx.producer,
    // No prefix filter: the schema holds only this service's streams.
    topicFor: () => topic,
    logger: messagingLogger(ctx),
  });
}

export interface EventConsumerOptions {
  /** Unique per service: `<service>.<what>`; the consumer group and processed-marker name. */
  readonly name: string;
  /** Topic specs or names (prefixed with the context's names). */
  readonly topics: readonly (TopicSpec | string)[];
  /** The decrypted, upcast event, with the transaction of the read-model change. */
  readonly handler: (event: EventEnvelope, tx: SqlQueryable) => Promise<void>;
  /** After each message (applied, duplicate or dead-lettered), with where it came from. */
  readonly onOutcome?: (outcome: ConsumeOutcome, message: IncomingMessage) => void;
  /** Types this consumer ignores quietly (marked processed, no handler call) — default none. */
  readonly retry?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /**
   * When offsets are committed (default: after every message). Effects are exactly-once by the
   * processed markers whatever this is, so committing every N messages or T ms only bounds how
   * much is redelivered (and skipped) after a crash — and saves a broker round trip per message.
   */
  readonly commit?: { everyMessages?: number; intervalMs?: number };
}

/**
 * An idempotent consumer of other services' topics: invalid messages go to the DLQ with a reason;
 * each event is applied once, in the same transaction as its processed marker, in the service's
 * read-model schema.
 */
export async function createEventConsumer(
  ctx: ServiceContext,
  options: EventConsumerOptions,
): Promise<IdempotentConsumer> {
  const schema = schemasOf(ctx.service).readModels;
  await ensureProcessedEventsTable(ctx.database, schema);
  const name = options.name;
  return new IdempotentConsumer({
    name,
    topics: options.topics.map((t) => ctx.names.topic(t)),
    consumer: ctx.broker.createConsumer({ groupId: ctx.names.group(name) }),
    producer: ctx.producer,
    database: ctx.database,
    schema,
    decode: (input) => ctx.registry.decode(input),
    handler: (event, tx) =>
      inEventSpan(name, event, async () =>
        options.handler(await ctx.privacy.decryptEvent(event), tx),
      ),
    logger: messagingLogger(ctx),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.commit ? { commit: options.commit } : {}),
    ...(options.onOutcome ? { onOutcome: (o, m) => options.onOutcome?.(o, m) } : {}),
  });
}
