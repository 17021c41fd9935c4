import type { MessageProducer, OutgoingMessage } from '@maison/messaging';

interface Pending {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for the ingest edges: the platform producer keeps one request in flight per broker
 * (ordering across retries), so concurrent REST calls that each sent their own record would wait
 * for each other's round trip, one by one. Here, what is sent while a request is in flight goes
 * together in the next one; every caller still resolves only once Kafka has acknowledged its
 * messages (or rejects with the error of its request). Order per topic — hence per key and
 * partition — is the order of the `send` calls. The platform's producer is not closed by `close`.
 */
export function coalescingProducer(inner: MessageProducer, maxPerRequest = 500): MessageProducer {
  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const taken = queue;
      queue = [];
      const byTopic = new Map<string, Pending[]>();
      for (const p of taken) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
      for (const [topic, pending] of byTopic) {
        const messages = pending.flatMap((p) => p.messages);
        try {
          for (let i = 0; i < messages.length; i += maxPerRequest)
            await inner.send(topic, messages.slice(i, i + maxPerRequest));
          for (const p of pending) p.resolve();
        } catch (err) {
          for (const p of pending) p.reject(err);
        }
      }
    }
    flushing = undefined;
  };

  return {
    send(topic, messages) {
      if (messages.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ topic, messages, resolve, reject });
        flushing ??= flush();
      });
    },
    async close() {
      await flushing;
    },
  };
}
