import type { EventEnvelope } from '@maison/event-contracts';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewStreamAppend,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  Subscription,
  SubscriptionOptions,
} from './port.js';

/**
 * How a service's events are turned into what is stored and back: typically validate against the
 * event type registry and encrypt PII on the way in; decrypt and upcast on the way out.
 */
export interface EventCodec {
  encode(event: EventEnvelope): Promise<EventEnvelope>;
  decode(event: EventEnvelope): Promise<EventEnvelope>;
}

async function decodeRecorded(codec: EventCodec, event: RecordedEvent): Promise<RecordedEvent> {
  // The codec sees the envelope only: strict envelope schemas refuse the store's own fields.
  const { revision, position, ...envelope } = event;
  const decoded = await codec.decode(envelope);
  return { ...decoded, revision, position };
}

async function* decodeAll(
  codec: EventCodec,
  events: AsyncIterable<RecordedEvent>,
): AsyncIterable<RecordedEvent> {
  for await (const event of events) yield await decodeRecorded(codec, event);
}

/**
 * The same store seen through a codec: what a command handler and a service's projections use, so
 * they never see ciphertext and never write plaintext. The publisher to Kafka takes the inner
 * store: topics carry what is stored.
 */
export function withCodec(store: EventStore, codec: EventCodec): EventStore {
  const inner = store.appendNewStreams?.bind(store);
  return {
    ...(inner
      ? {
          appendNewStreams: async (appends: readonly NewStreamAppend[]) =>
            inner(
              await Promise.all(
                appends.map(async (a) => ({
                  streamId: a.streamId,
                  events: await Promise.all(a.events.map((e) => codec.encode(e))),
                })),
              ),
            ),
        }
      : {}),
    async append(
      streamId: string,
      events: readonly EventEnvelope[],
      options?: { readonly expectedRevision?: ExpectedRevision },
    ): Promise<AppendResult> {
      const encoded = await Promise.all(events.map((e) => codec.encode(e)));
      return store.append(streamId, encoded, options);
    },
    readStream: (streamId: string, options?: ReadStreamOptions) =>
      decodeAll(codec, store.readStream(streamId, options)),
    readAll: (options?: ReadAllOptions) => decodeAll(codec, store.readAll(options)),
    subscribeToAll: (options: SubscriptionOptions): Subscription =>
      store.subscribeToAll({
        ...options,
        onEvent: async (event) => options.onEvent(await decodeRecorded(codec, event)),
      }),
    streamExists: (streamId: string) => store.streamExists(streamId),
    close: () => store.close(),
  };
}
