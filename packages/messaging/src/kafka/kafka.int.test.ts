import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import kafkajs from 'kafkajs';
import { dlqTopicName, HEADERS, TOPICS } from '@maison/event-contracts';
import {
  eventually,
  isolatedKafka,
  isolatedPostgres,
  testEndpoints,
  uniqueName,
  type IsolatedKafka,
  type IsolatedPostgres,
} from '@maison/testing';
import {
  ensureProcessedEventsTable,
  eventMessage,
  IdempotentConsumer,
  KafkaBroker,
  type ConsumeOutcome,
  type IncomingMessage,
  type MessageProducer,
} from '../index.js';
import {
  applyToReadModel,
  createReadModel,
  readModelStats,
  testEvent,
} from '../../test/fixtures.js';

let kafka: IsolatedKafka;
let db: IsolatedPostgres;
let broker: KafkaBroker;
let producer: MessageProducer;

beforeAll(async () => {
  kafka = await isolatedKafka('msg');
  db = await isolatedPostgres('msg');
  broker = new KafkaBroker({
    brokers: testEndpoints().kafkaBrokers,
    clientId: uniqueName('msg'),
  });
  producer = await broker.createProducer();
});

afterAll(async () => {
  await producer.close();
  await kafka.cleanup();
  await db.drop();
});

async function collect(topic: string, count: number): Promise<IncomingMessage[]> {
  const got: IncomingMessage[] = [];
  const consumer = broker.createConsumer({ groupId: kafka.groupId('collect') });
  await consumer.run({
    topics: [topic],
    eachMessage: (m) => {
      got.push(m);
      return Promise.resolve();
    },
  });
  try {
    await eventually(() => (got.length >= count ? true : undefined), {
      timeoutMs: 30_000,
      what: `${String(count)} messages on ${topic}`,
    });
  } finally {
    await consumer.stop();
  }
  return got;
}

describe('KafkaBroker', () => {
  it('round-trips messages with key and headers, in order per key', async () => {
    const topic = await kafka.topic('roundtrip', { partitions: 3 });
    const events = Array.from({ length: 20 }, (_, i) => testEvent(i, `client-${String(i % 4)}`));
    await producer.send(topic, events.map(eventMessage));
    const got = await collect(topic, 20);
    expect(got).toHaveLength(20);
    // The high watermark of each partition: what a catching-up consumer waits for.
    const admin = await broker.createAdmin();
    try {
      const ends = await admin.endOffsets?.(topic);
      expect(ends?.map((e) => e.partition)).toEqual([0, 1, 2]);
      expect(ends?.reduce((n, e) => n + Number(e.offset), 0)).toBe(20);
    } finally {
      await admin.close();
    }
    const first = got.find((m) => m.headers[HEADERS.eventId] === events[0]!.id)!;
    expect(first.key?.toString()).toBe('client-0');
    expect(first.headers).toEqual({
      [HEADERS.eventId]: events[0]!.id,
      [HEADERS.eventType]: 'CounterIncremented',
      [HEADERS.schemaVersion]: '1',
      [HEADERS.traceparent]: events[0]!.traceparent,
    });
    expect(JSON.parse(first.value!.toString())).toEqual(events[0]);
    for (let c = 0; c < 4; c++) {
      const ns = got
        .filter((m) => m.key?.toString() === `client-${String(c)}`)
        .map((m) => (JSON.parse(m.value!.toString()) as { data: { n: number } }).data.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(ns).toHaveLength(5);
    }
  });

  it('ensures registry topics and their DLQs with the registry settings, idempotently', async () => {
    const prefix = `${uniqueName('admin')}.`;
    const admin = await broker.createAdmin();
    const raw = kafka.kafka.admin();
    await raw.connect();
    const names = [`${prefix}consent.events.v1`, `${prefix}consent.events.v1.dlq`];
    try {
      expect(await admin.ensureTopics([TOPICS.consentEvents], { namePrefix: prefix })).toEqual(
        names,
      );
      // Drift on an existing topic is put back by the next run.
      await raw.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: names[0]!,
            configEntries: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
      });
      expect(await admin.ensureTopics([TOPICS.consentEvents], { namePrefix: prefix })).toEqual([]);
      // KRaft acknowledges a config change before the broker's metadata cache has it.
      await eventually(
        async () => ((await admin.describeTopic(names[0]!))?.retentionMs === -1 ? true : undefined),
        { what: 'retention.ms back to -1' },
      );
      const described = await raw.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
      });
      const settings = described.resources.map((r) => ({
        name: r.resourceName,
        retention: r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue,
        cleanup: r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue,
      }));
      expect(settings).toEqual(
        expect.arrayContaining([
          { name: names[0], retention: '-1', cleanup: 'delete' },
          { name: names[1], retention: String(30 * 24 * 3600 * 1000), cleanup: 'delete' },
        ]),
      );
      expect(await admin.describeTopic(names[0]!)).toEqual({
        name: names[0],
        partitions: 12,
        retentionMs: -1,
        cleanupPolicy: 'delete',
      });
      expect((await admin.describeTopic(names[1]!))?.partitions).toBe(3);
      expect(await admin.describeTopic(`${prefix}missing`)).toBeUndefined();
    } finally {
      await raw.deleteTopics({ topics: names }).catch(() => undefined);
      await raw.disconnect();
      await admin.close();
    }
  });
});

describe('IdempotentConsumer on Kafka', () => {
  it('dead-letters malformed messages with a reason, keeps going, applies each event once', async () => {
    const prefix = `${uniqueName('dlq')}.`;
    const admin = await broker.createAdmin();
    const [topic, dlq] = await admin.ensureTopics(
      [{ ...TOPICS.ingestTransactions, partitions: 3 }],
      {
        namePrefix: prefix,
      },
    );
    await admin.close();
    if (topic === undefined || dlq !== dlqTopicName(topic)) throw new Error('topics not created');
    const raw = kafka.kafka.admin();
    await raw.connect();
    const schema = db.schema;
    await ensureProcessedEventsTable(db.pool, schema);
    await createReadModel(db.pool, schema);

    const events = Array.from({ length: 30 }, (_, i) => testEvent(i, `client-${String(i % 5)}`));
    const valid = events.map(eventMessage);
    const garbage = [
      { key: 'client-1', value: '{"truncated": ', headers: { 'x-n': 'g1' } },
      { key: 'client-2', value: JSON.stringify({ hello: 'world' }), headers: { 'x-n': 'g2' } },
    ];
    // Duplicates: the same event produced twice (a publisher retry after a crash looks like this).
    await producer.send(topic, [
      ...valid.slice(0, 10),
      garbage[0]!,
      ...valid.slice(10, 20),
      garbage[1]!,
      ...valid.slice(20),
      ...valid.slice(0, 5),
    ]);
    let failOnce = events[7]!.id;
    const outcomes: ConsumeOutcome[] = [];
    const consumer = new IdempotentConsumer({
      name: 'orders-read-model',
      topics: [topic],
      consumer: broker.createConsumer({ groupId: kafka.groupId('orders') }),
      producer,
      database: db.pool,
      schema,
      retry: { attempts: 3, initialDelayMs: 10 },
      onOutcome: (o) => outcomes.push(o),
      handler: async (event, tx) => {
        await applyToReadModel(tx, schema, event);
        if (event.id === failOnce) {
          failOnce = '';
          throw new Error('transient');
        }
      },
    });
    await consumer.start();
    try {
      await eventually(() => (outcomes.length >= 37 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'all 37 messages handled',
      });
    } finally {
      await consumer.stop();
    }
    const dead = await collect(dlq, 2);
    await raw.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined);
    await raw.disconnect();

    expect(await readModelStats(db.pool, schema)).toEqual({
      events: 30,
      applications: 30,
      maxTimes: 1,
    });
    expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(5);
    const byOrigin = new Map(dead.map((m) => [m.headers['x-n'], m]));
    expect(byOrigin.get('g1')?.headers).toMatchObject({
      [HEADERS.dlqReason]: 'invalid-json',
      [HEADERS.dlqError]: 'SyntaxError',
      [HEADERS.dlqSourceTopic]: topic,
    });
    expect(byOrigin.get('g1')?.value?.toString()).toBe('{"truncated": ');
    expect(byOrigin.get('g2')?.headers[HEADERS.dlqReason]).toBe('invalid-envelope');
    expect(byOrigin.get('g2')?.headers[HEADERS.dlqError]).not.toContain('world');
    expect(Number(byOrigin.get('g2')?.headers[HEADERS.dlqSourceOffset])).toBeGreaterThanOrEqual(0);
  });
});
