import type { EventEnvelope } from '@maison/event-contracts';
import type { CheckpointStore, EventStore, RecordedEvent, Subscription } from '@maison/event-store';
import { eventMessage } from './codec.js';
import type { MessageProducer, MessagingLogger, OutgoingMessage } from './port.js';

export interface PublisherOptions {
  /** The checkpoint's name: one per publisher (e.g. `consent.publisher`). */
  readonly name: string;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly producer: MessageProducer;
  /**
   * The service's own streams, when the store holds others too. Omit it when the store (its
   * schema) holds only the service's streams: an unfiltered read is also the cheapest.
   */
  readonly streamPrefixes?: readonly string[];
  /** The topic of each event (usually one per service: `TOPICS.consentEvents.name`). */
  readonly topicFor: (event: EventEnvelope) => string;
  /** Events sent together and checkpointed once (default 500). */
  readonly batchSize?: number;
  /** How long a partial batch waits for more events before it is sent (default 20 ms). */
  readonly lingerMs?: number;
  readonly logger?: MessagingLogger;
}

export interface RunningPublisher {
  /** Sends what is buffered, checkpoints it and stops. */
  stop(): Promise<void>;
  /** Rejects on the first failure (Kafka, store, checkpoint): restart from the last checkpoint. */
  readonly done: Promise<void>;
}

/**
 * Store → Kafka, at-least-once and in order per key: a checkpointed subscription on the service's
 * own streams. The checkpoint moves only after Kafka acknowledged every event up to it, so a crash
 * re-sends at most the last unacknowledged batch; consumers dedupe by event id.
 */
export async function startPublisher(options: PublisherOptions): Promise<RunningPublisher> {
  const batchSize = options.batchSize ?? 500;
  const lingerMs = options.lingerMs ?? 20;
  const after = await options.checkpoints.load(options.name);

  const pending: RecordedEvent[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let failure: Error | undefined;
  let fail: (err: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined);

  const sendBatch = async (batch: readonly RecordedEvent[]): Promise<void> => {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const event of batch) {
      const topic = options.topicFor(event);
      const list = byTopic.get(topic) ?? [];
      list.push(eventMessage(event));
      byTopic.set(topic, list);
    }
    for (const [topic, messages] of byTopic) await options.producer.send(topic, messages);
    const last = batch.at(-1);
    if (last) await options.checkpoints.store(options.name, last.position);
  };

  // Flushes run one after another, so batches reach Kafka (and the checkpoint) in store order.
  // A batch is formed when its turn comes, not when the flush was asked for: when Kafka acks slower
  // than the linger, the events that arrived meanwhile go together instead of queueing as many
  // small batches, each waiting for its own round trip.
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    chain = chain.then(async () => {
      if (failure !== undefined) throw failure;
      while (pending.length > 0) await sendBatch(pending.splice(0, batchSize));
    });
    chain.catch((err: unknown) => {
      failure ??= err instanceof Error ? err : new Error(String(err));
      fail(err);
    });
    return chain;
  };

  const subscription: Subscription = options.store.subscribeToAll({
    ...(after ? { after } : {}),
    ...(options.streamPrefixes ? { streamPrefixes: options.streamPrefixes } : {}),
    onEvent: async (event) => {
      if (failure !== undefined) throw failure;
      pending.push(event);
      if (pending.length >= batchSize) {
        await flush();
        return;
      }
      timer ??= setTimeout(() => {
        void flush().catch(() => undefined);
      }, lingerMs);
    },
  });

  const done = Promise.race([subscription.done, failed]).then(
    () => flush(),
    async (err: unknown) => {
      if (timer) clearTimeout(timer);
      options.logger?.({
        level: 'error',
        message: 'publisher stopped on error',
        fields: { publisher: options.name, error: err instanceof Error ? err.name : typeof err },
      });
      await subscription.stop().catch(() => undefined);
      throw err;
    },
  );
  done.catch(() => undefined);

  return {
    async stop() {
      await subscription.stop();
      await done;
    },
    done,
  };
}
