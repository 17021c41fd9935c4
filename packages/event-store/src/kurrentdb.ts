import type { EventEnvelope, Region } from '@maison/event-contracts';
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START as KURRENT_START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type JSONType,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  comparePositions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type GlobalPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type Subscription,
  type SubscriptionOptions,
} from './port.js';

/** Envelope fields other than id, type and data travel as KurrentDB event metadata. */
interface EnvelopeMetadata {
  readonly schemaVersion: number;
  readonly subjectId: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly region: Region;
  readonly source: EventEnvelope['source'];
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent?: string;
  /** KurrentDB's own names, so its projections and UI link related events. */
  readonly $correlationId: string;
  readonly $causationId?: string;
  /** Set when `data` was not a JSON object, array or string and had to be wrapped. */
  readonly dataWrapped?: true;
}

export function toKurrentState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

function isJsonType(value: unknown): value is JSONType {
  return typeof value === 'string' || (typeof value === 'object' && value !== null);
}

function toEventData(e: EventEnvelope) {
  const wrapped = !isJsonType(e.data);
  const metadata: EnvelopeMetadata = {
    schemaVersion: e.schemaVersion,
    subjectId: e.subjectId,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    region: e.region,
    source: e.source,
    correlationId: e.correlationId,
    causationId: e.causationId,
    ...(e.traceparent === undefined ? {} : { traceparent: e.traceparent }),
    $correlationId: e.correlationId,
    ...(e.causationId === null ? {} : { $causationId: e.causationId }),
    ...(wrapped ? { dataWrapped: true as const } : {}),
  };
  const data: JSONType = wrapped ? { value: e.data ?? null } : e.data;
  return jsonEvent({ id: e.id, type: e.type, data, metadata: { ...metadata } });
}

function fromResolved(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  if (!event.isJson) throw new TypeError(`event ${event.id} in ${event.streamId} is not JSON`);
  const m = event.metadata as unknown as EnvelopeMetadata;
  const data = m.dataWrapped ? (event.data as { value: unknown }).value : event.data;
  const position = event.position ?? {
    commit: resolved.commitPosition ?? -1n,
    prepare: resolved.commitPosition ?? -1n,
  };
  return {
    id: event.id,
    type: event.type,
    schemaVersion: m.schemaVersion,
    streamId: event.streamId,
    subjectId: m.subjectId,
    occurredAt: m.occurredAt,
    recordedAt: m.recordedAt,
    region: m.region,
    source: m.source,
    correlationId: m.correlationId,
    causationId: m.causationId,
    ...(m.traceparent === undefined ? {} : { traceparent: m.traceparent }),
    data,
    revision: Number(event.revision),
    position: { commit: position.commit, prepare: position.prepare },
  };
}

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://localhost:2113?tls=false`; or pass a client you own. */
  readonly connection: string | KurrentDBClient;
}

/**
 * The port on KurrentDB: revisions count from 0 there too, positions are its commit/prepare pair,
 * idempotent re-append is the server's own (by event id).
 */
export class KurrentDbEventStore implements EventStore {
  readonly #client: KurrentDBClient;
  readonly #ownsClient: boolean;
  readonly #subscriptions = new Set<Subscription>();

  constructor(options: KurrentDbEventStoreOptions) {
    this.#ownsClient = typeof options.connection === 'string';
    this.#client =
      typeof options.connection === 'string'
        ? KurrentDBClient.connectionString(options.connection)
        : options.connection;
  }

  async append(
    streamId: string,
    events: readonly EventEnvelope[],
    options: { readonly expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    let next: number;
    try {
      const result = await this.#client.appendToStream(streamId, events.map(toEventData), {
        streamState: toKurrentState(expected),
      });
      next = Number(result.nextExpectedRevision);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualState;
        throw new ConcurrencyError(
          streamId,
          expected,
          actual === NO_STREAM ? 'no_stream' : Number(actual),
        );
      }
      throw error;
    }
    // the append answers with one position for the whole batch: read each event's back
    const positions: GlobalPosition[] = [];
    if (events.length > 0) {
      for await (const e of this.readStream(streamId, {
        fromRevision: next - events.length + 1,
        maxCount: events.length,
      }))
        positions.push(e.position);
    }
    return { nextExpectedRevision: next, positions };
  }

  async *readStream(
    streamId: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    const from =
      options.fromRevision === undefined
        ? backwards
          ? END
          : KURRENT_START
        : BigInt(options.fromRevision);
    try {
      for await (const resolved of this.#client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: from,
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      })) {
        const event = fromResolved(resolved);
        if (event) yield event;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw error;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const after = options.after;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    for await (const resolved of this.#client.readAll({
      direction: FORWARDS,
      fromPosition: after && after.commit >= 0n ? after : KURRENT_START,
      filter: excludeSystemEvents(),
    })) {
      const event = fromResolved(resolved);
      // reading $all from a position includes the event at it; the port's `after` is exclusive
      if (!event || (after && comparePositions(event.position, after) <= 0)) continue;
      yield event;
      if (--remaining <= 0) return;
    }
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    const prefixes = options.streamPrefixes;
    const subscription = this.#client.subscribeToAll({
      fromPosition: options.after && options.after.commit >= 0n ? options.after : KURRENT_START,
      filter: prefixes ? streamNameFilter({ prefixes: [...prefixes] }) : excludeSystemEvents(),
    });
    let live = false;
    subscription.on('caughtUp', () => {
      if (live) return;
      live = true;
      options.onLive?.();
    });
    let stopped = false;
    const run = async (): Promise<void> => {
      try {
        for await (const resolved of subscription) {
          if (stopped) return;
          const event = fromResolved(resolved);
          if (event) await options.onEvent(event);
        }
      } finally {
        await subscription.unsubscribe();
      }
    };
    const done = run();
    done.catch(() => undefined);
    const handle: Subscription = {
      stop: async () => {
        stopped = true;
        this.#subscriptions.delete(handle);
        await subscription.unsubscribe();
        await done.catch(() => undefined);
      },
      done,
    };
    this.#subscriptions.add(handle);
    return handle;
  }

  async streamExists(streamId: string): Promise<boolean> {
    for await (const _ of this.readStream(streamId, { maxCount: 1 })) return true;
    return false;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.stop()));
    if (this.#ownsClient) await this.#client.dispose();
  }
}
