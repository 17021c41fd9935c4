import type { ClientDirectory } from '@maison/client-directory';
import { dlqTopicName, HEADERS, newEventId, TOPICS } from '@maison/event-contracts';
import {
  ConcurrencyError,
  DuplicateEventError,
  handleCommand,
  type EventStore,
} from '@maison/event-store';
import {
  deadLetter,
  type DeadLetterReason,
  type IncomingMessage,
  type MessageConsumer,
  type OutgoingMessage,
} from '@maison/messaging';
import { SubjectErasedError, type Privacy } from '@maison/privacy';
import {
  currentTraceparent,
  startRecordSpan,
  type RecordSpan,
  type ServiceContext,
} from '@maison/runtime';
import { NotFoundError } from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';
import { prepareRecord, type PrepareContext, type PreparedRecord } from '../ingest/prepare.js';
import {
  decide,
  transactionDecider,
  type TransactionCommand,
} from '../transaction/transaction.decider.js';
import type { RecordedData } from '../transaction/transaction.events.js';
import { transactionStream } from '../transaction/transaction.events.js';
import { initialState } from '../transaction/transaction.state.js';

/** Header carrying the request id (REST, webhooks) or import id that produced a record. */
export const CORRELATION_HEADER = 'maison-correlation-id';

/**
 * The headers of an ingest record produced while handling a request: its correlation id and the
 * request's trace (the ingest consumer's span continues it).
 */
export function ingestHeaders(correlationId: string): Record<string, string> {
  const traceparent = currentTraceparent();
  return {
    [CORRELATION_HEADER]: correlationId,
    ...(traceparent === undefined ? {} : { [HEADERS.traceparent]: traceparent }),
  };
}

export interface IngestConsumerDeps {
  readonly ctx: ServiceContext;
  readonly store: EventStore;
  readonly database: SqlDatabase;
  readonly directory: ClientDirectory;
  readonly prepare: PrepareContext;
  /** Messages handled together (one directory lookup, appends in parallel per key). */
  readonly chunkSize?: number;
  readonly concurrency?: number;
  /** Kafka group session timeout (see `TransactionsConfig.ingestSessionTimeoutMs`). */
  readonly sessionTimeoutMs?: number;
}

interface Owner {
  readonly clientId: string;
  readonly via: string;
}

export interface IngestOutcome {
  readonly recorded: number;
  readonly duplicates: number;
  readonly deadLettered: number;
}

async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

function detailOf(errors: readonly { pointer: string; detail: string }[]): string {
  return errors
    .map((e) => `${e.pointer || '(root)'}: ${e.detail}`)
    .join('; ')
    .slice(0, 500);
}

/**
 * `ingest.transactions.v1` → the event store. Plain JSON records (not envelopes), validated
 * with the same schema as REST; invalid ones go to the DLQ with the reason and the JSON pointers
 * at fault. Offsets are committed only after the appends: a crash redelivers, and the
 * deterministic event ids make every redelivery a no-op.
 */
export class IngestConsumer {
  readonly #d: IngestConsumerDeps;
  readonly #consumer: MessageConsumer;
  readonly #topic: string;
  #recorded = 0;
  #duplicates = 0;
  #deadLettered = 0;
  /** The span of each record that arrived with a trace (REST, webhooks, a traced producer). */
  readonly #spans = new WeakMap<IncomingMessage, RecordSpan>();

  constructor(deps: IngestConsumerDeps) {
    this.#d = deps;
    this.#topic = deps.ctx.names.topic(TOPICS.ingestTransactions);
    this.#consumer = deps.ctx.broker.createConsumer({
      groupId: deps.ctx.names.group('transactions.ingest'),
      ...(deps.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: deps.sessionTimeoutMs }),
    });
  }

  get outcome(): IngestOutcome {
    return {
      recorded: this.#recorded,
      duplicates: this.#duplicates,
      deadLettered: this.#deadLettered,
    };
  }

  start(): Promise<void> {
    const size = this.#d.chunkSize ?? 1000;
    return this.#consumer.run({
      topics: [this.#topic],
      eachBatch: async (batch) => {
        for (let i = 0; i < batch.messages.length; i += size) {
          if (!batch.isActive()) return;
          const chunk = batch.messages.slice(i, i + size);
          await this.handle(chunk);
          const last = chunk[chunk.length - 1];
          if (last) batch.markProcessed(last);
          await batch.commit();
        }
      },
    });
  }

  stop(): Promise<void> {
    return this.#consumer.stop();
  }

  /** Handles messages to the end: recorded, duplicate or dead-lettered. */
  async handle(messages: readonly IncomingMessage[]): Promise<void> {
    const spans: RecordSpan[] = [];
    for (const m of messages) {
      const span = startRecordSpan('transactions.ingest', m.headers[HEADERS.traceparent], {
        'messaging.destination.name': m.topic,
      });
      if (span) {
        this.#spans.set(m, span);
        spans.push(span);
      }
    }
    try {
      await this.#handle(messages);
    } catch (error) {
      for (const span of spans) span.end(error);
      throw error;
    }
    for (const span of spans) span.end();
  }

  async #handle(messages: readonly IncomingMessage[]): Promise<void> {
    const dead: OutgoingMessage[] = [];
    const reject = (m: IncomingMessage, reason: DeadLetterReason, detail: string) => {
      dead.push(deadLetter(m, reason, detail));
      this.#d.ctx.logger.warn(
        { topic: m.topic, partition: m.partition, offset: m.offset, reason },
        'ingest record dead-lettered',
      );
    };
    const valid: { message: IncomingMessage; record: PreparedRecord }[] = [];
    for (const m of messages) {
      if (m.value === null || m.value.length === 0) {
        reject(m, 'empty-message', 'no value');
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(m.value.toString('utf8'));
      } catch (err) {
        reject(m, 'invalid-json', err instanceof Error ? err.name : 'SyntaxError');
        continue;
      }
      const prepared = prepareRecord(json, this.#d.prepare);
      if (!prepared.ok) {
        reject(
          m,
          prepared.status === 400 ? 'invalid-record' : 'rejected',
          detailOf(prepared.errors),
        );
        continue;
      }
      valid.push({ message: m, record: prepared.record });
    }
    const transactions = valid.filter((v) => v.record.kind === 'transaction');
    const owners = await this.#d.directory.attributeMany(
      this.#d.database,
      transactions.map((v) => (v.record.data as RecordedData).customer),
    );
    const attribution = new Map(transactions.map((v, i) => [v, owners[i] ?? null]));
    // per key in order (a sale before its cancellation), keys in parallel
    const byKey = new Map<string, typeof valid>();
    for (const v of valid) byKey.set(v.record.key, [...(byKey.get(v.record.key) ?? []), v]);
    // The common case — a transaction seen for the first time, one per stream — goes to the store
    // in one set-based append; what is left (redeliveries, cancellations, a key twice in the
    // chunk, an erased identifier) takes the one-by-one path below, in key order.
    const rest = await this.#appendNew([...byKey.values()], (v) => attribution.get(v) ?? null);
    await pool(rest, this.#d.concurrency ?? 8, async (group) => {
      for (const v of group) {
        const problem = await this.#apply(v.record, v.message, attribution.get(v) ?? null);
        if (problem) reject(v.message, 'rejected', problem);
      }
    });
    if (dead.length > 0) await this.#d.ctx.producer.send(dlqTopicName(this.#topic), dead);
    this.#deadLettered += dead.length;
  }

  /**
   * Appends the first record of each group when it is a transaction, all in one set-based append
   * to streams that must not exist yet. Returns what is left to apply one by one: the groups'
   * other records, and the first ones whose stream already exists (or all of them when the
   * set-based append cannot take the chunk).
   */
  async #appendNew(
    groups: readonly { message: IncomingMessage; record: PreparedRecord }[][],
    ownerOf: (v: { message: IncomingMessage; record: PreparedRecord }) => Owner | null,
  ): Promise<{ message: IncomingMessage; record: PreparedRecord }[][]> {
    const appendNewStreams = this.#d.store.appendNewStreams?.bind(this.#d.store);
    const firsts = groups.filter((g) => g[0]?.record.kind === 'transaction');
    if (!appendNewStreams || firsts.length === 0) return [...groups];
    const appends = await Promise.all(
      firsts.map(async (g) => {
        const v = g[0] as { message: IncomingMessage; record: PreparedRecord };
        const data = await this.#inheritCustomer(v.record.data as RecordedData);
        const command = this.#recordCommand(v.record, v.message, data, ownerOf(v));
        return {
          streamId: transactionStream(v.record.transactionId),
          events: decide(command, initialState()),
        };
      }),
    );
    let existing: ReadonlySet<string>;
    try {
      const result = await appendNewStreams(appends);
      this.#recorded += result.appended.size;
      existing = new Set(result.existing);
    } catch (err) {
      if (!(err instanceof DuplicateEventError || err instanceof SubjectErasedError)) throw err;
      return [...groups]; // nothing was written: every record takes the careful path
    }
    return groups.flatMap((g) => {
      const first = g[0];
      if (first?.record.kind !== 'transaction') return [g];
      const left = existing.has(transactionStream(first.record.transactionId)) ? g : g.slice(1);
      return left.length > 0 ? [left] : [];
    });
  }

  #meta(record: PreparedRecord, message: IncomingMessage) {
    return {
      eventId: record.eventId,
      recordedAt: this.#d.ctx.clock().toISOString(),
      region: this.#d.ctx.region,
      correlationId:
        message.headers[CORRELATION_HEADER] ?? `${message.topic}:${record.key}`.slice(0, 200),
      causationId: null,
      ...this.#trace(message),
    };
  }

  #trace(message: IncomingMessage): { traceparent?: string } {
    const traceparent = this.#spans.get(message)?.traceparent;
    return traceparent === undefined ? {} : { traceparent };
  }

  #recordCommand(
    record: PreparedRecord,
    message: IncomingMessage,
    data: RecordedData,
    owner: Owner | null,
  ): TransactionCommand {
    const ref = owner ? data.customer.find((c) => c.index === owner.via) : undefined;
    return {
      type: 'RecordTransaction',
      meta: this.#meta(record, message),
      data,
      attribution:
        owner && ref
          ? {
              clientId: owner.clientId,
              via: { type: ref.type, scope: ref.scope, index: ref.index },
            }
          : null,
      attributionEventId: newEventId(),
    };
  }

  async #apply(
    record: PreparedRecord,
    message: IncomingMessage,
    owner: Owner | null,
  ): Promise<string | undefined> {
    const stream = transactionStream(record.transactionId);
    if (record.kind === 'cancellation') {
      try {
        const r = await handleCommand(this.#d.store, stream, transactionDecider, {
          type: 'CancelTransaction',
          meta: this.#meta(record, message),
          data: record.data,
        });
        if (r.events.length === 0) this.#duplicates++;
        else this.#recorded++;
        return undefined;
      } catch (err) {
        if (err instanceof NotFoundError) return 'the transaction to cancel is not recorded';
        throw err;
      }
    }
    let data = await this.#inheritCustomer(record.data);
    for (let attempt = 0; ; attempt++) {
      const command = this.#recordCommand(record, message, data, owner);
      try {
        // a new transaction (the common case) needs no read: append to the empty stream
        await this.#d.store.append(stream, decide(command, initialState()), {
          expectedRevision: 'no_stream',
        });
        this.#recorded++;
        return undefined;
      } catch (err) {
        if (err instanceof ConcurrencyError || err instanceof DuplicateEventError) {
          const r = await handleCommand(this.#d.store, stream, transactionDecider, command);
          if (r.events.length === 0) this.#duplicates++;
          else this.#recorded++;
          return undefined;
        }
        if (err instanceof SubjectErasedError && attempt === 0) {
          // an erased client's identifiers: record the sale without them (suppression)
          data = await this.#withoutErased(data, this.#d.ctx.privacy);
          owner = null;
          continue;
        }
        throw err;
      }
    }
  }

  /** A return sent without its customer (e.g. a Shopify refund) belongs to the original's. */
  async #inheritCustomer(data: RecordedData): Promise<RecordedData> {
    if (data.customer.length > 0 || data.originalTransactionId === null) return data;
    try {
      for await (const e of this.#d.store.readStream(
        transactionStream(data.originalTransactionId),
        { maxCount: 1 },
      )) {
        if (e.type !== 'TransactionRecorded') break;
        const customer = (e.data as RecordedData).customer.filter(
          (c) => typeof c.value === 'string' && c.value !== '[erased]',
        );
        return { ...data, customer };
      }
    } catch {
      // the original cannot be read (erased keys): the return stays anonymous
    }
    return data;
  }

  async #withoutErased(data: RecordedData, privacy: Privacy): Promise<RecordedData> {
    const keep = [];
    for (const c of data.customer) {
      const erased =
        (await privacy.isErased(`idx:${c.index}`)) || (await privacy.isSuppressed(c.type, c.index));
      if (!erased) keep.push(c);
    }
    return { ...data, customer: keep };
  }
}
