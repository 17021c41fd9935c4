import {
  dlqTopicName,
  HEADERS,
  InvalidEventError,
  parseEnvelope,
  type EventEnvelope,
} from '@maison/event-contracts';
import { postgresDatabase, quoteIdent, type SqlDatabase, type SqlQueryable } from '@maison/sql';
import type pg from 'pg';
import type {
  IncomingMessage,
  MessageConsumer,
  MessageProducer,
  MessagingLogger,
  OutgoingMessage,
} from './port.js';

export type DeadLetterReason =
  | 'empty-message'
  | 'invalid-json'
  | 'invalid-envelope'
  | 'unknown-type'
  | 'handler-failed'
  /** Edge topics (`ingest.*`, plain JSON): the record fails its schema. */
  | 'invalid-record'
  /** Edge topics: a valid record a business rule refuses (e.g. no FX rate, unknown transaction). */
  | 'rejected';

export type ConsumeOutcome =
  | { readonly kind: 'applied'; readonly eventId: string }
  | { readonly kind: 'duplicate'; readonly eventId: string }
  | { readonly kind: 'dead-lettered'; readonly reason: DeadLetterReason };

export interface RetryPolicy {
  /** Handler attempts before dead-lettering (default 5). */
  readonly attempts?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface IdempotentConsumerOptions {
  /** The consumer's name in processed_events (and a good consumer group id). */
  readonly name: string;
  readonly topics: readonly string[];
  readonly consumer: MessageConsumer;
  /** Where dead letters go (`<topic>.dlq`). */
  readonly producer: MessageProducer;
  /** Where the read model lives: a `@maison/sql` database (PostgreSQL or PGlite) or a pg pool. */
  readonly database: SqlDatabase | pg.Pool;
  /** Schema holding processed_events (see ensureProcessedEventsTable). */
  readonly schema: string;
  /**
   * Applies the event with the transaction's client; it commits together with the processed
   * marker. Throwing rolls both back and the message is retried, then dead-lettered.
   */
  readonly handler: (
    event: EventEnvelope,
    tx: SqlQueryable,
    message: IncomingMessage,
  ) => Promise<void>;
  /** Validates and upcasts (e.g. `registry.decode`); default: the envelope only (`parseEnvelope`). */
  readonly decode?: (input: unknown) => EventEnvelope;
  readonly retry?: RetryPolicy;
  readonly commit?: { readonly everyMessages?: number; readonly intervalMs?: number };
  readonly logger?: MessagingLogger;
  /** Called after each message: metrics and tests. */
  readonly onOutcome?: (outcome: ConsumeOutcome, message: IncomingMessage) => void;
}

function asDatabase(database: SqlDatabase | pg.Pool): SqlDatabase {
  return 'engine' in database ? database : postgresDatabase(database);
}

/** Creates `<schema>.processed_events` if missing (consumer, event_id) — idempotent. */
export async function ensureProcessedEventsTable(
  database: SqlDatabase | pg.Pool,
  schema: string,
): Promise<void> {
  const db = asDatabase(database);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.processed_events (
       consumer text NOT NULL,
       event_id uuid NOT NULL,
       processed_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (consumer, event_id)
     )`,
  );
}

class HandlerError extends Error {
  override readonly name = 'HandlerError';
}

/** Thrown inside the transaction to roll it back when the event was already applied. */
class AlreadyProcessed extends Error {
  override readonly name = 'AlreadyProcessed';
}

class PoisonMessage extends Error {
  override readonly name = 'PoisonMessage';
  readonly reason: DeadLetterReason;
  readonly detail: string;
  constructor(reason: DeadLetterReason, detail: string) {
    super(`${reason}: ${detail}`);
    this.reason = reason;
    this.detail = detail;
  }
}

/**
 * A short description safe to store in a header: error names and schema paths, never input
 * values or free-form messages (those may quote personal data).
 */
function safeDetail(err: unknown): string {
  if (err instanceof InvalidEventError) {
    return err.issues
      .map((i) => `${i.path || '(root)'}: ${i.message}`)
      .join('; ')
      .slice(0, 300);
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${err.name} (${code})` : err.name;
  }
  return typeof err;
}

function decodeMessage(
  message: IncomingMessage,
  decode: (input: unknown) => EventEnvelope,
): EventEnvelope {
  if (message.value === null || message.value.length === 0)
    throw new PoisonMessage('empty-message', 'no value');
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (err) {
    throw new PoisonMessage('invalid-json', safeDetail(err));
  }
  try {
    return decode(json);
  } catch (err) {
    const unknownType =
      err instanceof InvalidEventError && err.message.startsWith('unknown event type');
    throw new PoisonMessage(unknownType ? 'unknown-type' : 'invalid-envelope', safeDetail(err));
  }
}

export function deadLetter(
  message: IncomingMessage,
  reason: DeadLetterReason,
  detail: string,
): OutgoingMessage {
  return {
    key: message.key === null ? null : message.key.toString('utf8'),
    // The original bytes, untouched, so it can be replayed after a fix.
    value: message.value ?? Buffer.alloc(0),
    headers: {
      ...message.headers,
      [HEADERS.dlqReason]: reason,
      [HEADERS.dlqError]: detail,
      [HEADERS.dlqSourceTopic]: message.topic,
      [HEADERS.dlqSourcePartition]: String(message.partition),
      [HEADERS.dlqSourceOffset]: message.offset,
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Exactly-once effects on top of at-least-once delivery: each event is applied in one database
 * transaction with its processed marker, and the Kafka offset is committed only after that
 * transaction. A redelivered event finds its marker and is skipped.
 */
export class IdempotentConsumer {
  readonly #o: IdempotentConsumerOptions;
  readonly #table: string;
  readonly #decode: (input: unknown) => EventEnvelope;
  readonly #db: SqlDatabase;

  constructor(options: IdempotentConsumerOptions) {
    this.#o = options;
    this.#db = asDatabase(options.database);
    this.#table = `${quoteIdent(options.schema)}.processed_events`;
    this.#decode = options.decode ?? parseEnvelope;
  }

  start(): Promise<void> {
    return this.#o.consumer.run({
      topics: this.#o.topics,
      ...(this.#o.commit ? { commit: this.#o.commit } : {}),
      eachMessage: async (m) => {
        await this.handle(m);
      },
    });
  }

  stop(): Promise<void> {
    return this.#o.consumer.stop();
  }

  /** Handles one message to the end: applied, skipped as a duplicate, or dead-lettered. */
  async handle(message: IncomingMessage): Promise<ConsumeOutcome> {
    const outcome = await this.#handle(message);
    this.#o.onOutcome?.(outcome, message);
    return outcome;
  }

  async #handle(message: IncomingMessage): Promise<ConsumeOutcome> {
    let event: EventEnvelope;
    try {
      event = decodeMessage(message, this.#decode);
    } catch (err) {
      if (!(err instanceof PoisonMessage)) throw err;
      return this.#deadLetter(message, err.reason, err.detail);
    }
    const attempts = Math.max(1, this.#o.retry?.attempts ?? 5);
    const initial = this.#o.retry?.initialDelayMs ?? 100;
    const max = this.#o.retry?.maxDelayMs ?? 5_000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#apply(event, message);
      } catch (err) {
        // Only the handler's own failures count against the message; a database that is down
        // is not the message's fault: rethrow, the consumer restarts and redelivers it.
        if (!(err instanceof HandlerError)) throw err;
        const detail = safeDetail(err.cause);
        if (attempt >= attempts) return this.#deadLetter(message, 'handler-failed', detail);
        this.#o.logger?.({
          level: 'warn',
          message: 'handler failed; retrying',
          fields: { consumer: this.#o.name, eventId: event.id, attempt, error: detail },
        });
        const delay = Math.min(max, initial * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  async #apply(event: EventEnvelope, message: IncomingMessage): Promise<ConsumeOutcome> {
    try {
      return await this.#db.transaction(async (tx) => {
        const marked = await tx.query(
          `INSERT INTO ${this.#table} (consumer, event_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.#o.name, event.id],
        );
        if (marked.length === 0) throw new AlreadyProcessed();
        try {
          await this.#o.handler(event, tx, message);
        } catch (err) {
          throw new HandlerError('handler failed', { cause: err });
        }
        return { kind: 'applied', eventId: event.id } as const;
      });
    } catch (err) {
      // The marker was there: the transaction rolled back having changed nothing.
      if (err instanceof AlreadyProcessed) return { kind: 'duplicate', eventId: event.id };
      throw err;
    }
  }

  async #deadLetter(
    message: IncomingMessage,
    reason: DeadLetterReason,
    detail: string,
  ): Promise<ConsumeOutcome> {
    this.#o.logger?.({
      level: 'warn',
      message: 'message dead-lettered',
      fields: {
        consumer: this.#o.name,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        reason,
      },
    });
    await this.#o.producer.send(dlqTopicName(message.topic), [deadLetter(message, reason, detail)]);
    return { kind: 'dead-lettered', reason };
  }
}
