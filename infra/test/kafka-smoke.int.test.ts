import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { isolatedKafka, type IsolatedKafka } from '@maison/testing';

// The acceptance smoke test of the local Kafka: 1,000 keyed messages through a real broker,
// all consumed back by a consumer group, each key's messages in the order they were produced.
const MESSAGES = 1_000;
const KEYS = 25;

let k: IsolatedKafka;
beforeAll(async () => {
  k = await isolatedKafka('smoke');
});
afterAll(async () => {
  await k.cleanup();
});

it('produces 1,000 keyed messages and consumes them all back in per-key order', async () => {
  const topic = await k.topic('orders', { partitions: 6 });
  const producer = k.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent = Array.from({ length: MESSAGES }, (_, i) => ({
    key: `client-${String(i % KEYS)}`,
    value: JSON.stringify({ key: `client-${String(i % KEYS)}`, seq: Math.floor(i / KEYS) }),
  }));
  for (let i = 0; i < sent.length; i += 100) {
    await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 100) });
  }
  await producer.disconnect();

  const received = new Map<string, number[]>();
  let count = 0;
  const consumer = k.kafka.consumer({ groupId: k.groupId('smoke') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const { key, seq } = JSON.parse(message.value?.toString() ?? '{}') as {
          key: string;
          seq: number;
        };
        expect(message.key?.toString()).toBe(key);
        received.set(key, [...(received.get(key) ?? []), seq]);
        count += 1;
        if (count === MESSAGES) resolve();
        return Promise.resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();

  expect(count).toBe(MESSAGES);
  expect(received.size).toBe(KEYS);
  const expectedPerKey = Array.from({ length: MESSAGES / KEYS }, (_, i) => i);
  for (const seqs of received.values()) expect(seqs).toEqual(expectedPerKey);
});
