import { afterAll, beforeAll, expect, it } from '@jest/globals';
import path from 'node:path';
import { createPostgresEventStore } from '@maison/event-store';
import {
  crashRepeatedly,
  eventually,
  startWorkerProcess,
  isolatedKafka,
  isolatedPostgres,
  testEndpoints,
  uniqueName,
  type IsolatedKafka,
  type IsolatedPostgres,
} from '@maison/testing';
import { ensureProcessedEventsTable, IdempotentConsumer, KafkaBroker } from './index.js';
import { applyToReadModel, createReadModel, readModelStats, testEvent } from '../test/fixtures.js';

const packageDir = path.resolve(import.meta.dirname, '..');

let kafka: IsolatedKafka;
let storeDb: IsolatedPostgres;
let readDb: IsolatedPostgres;

beforeAll(async () => {
  kafka = await isolatedKafka('pubcrash');
  storeDb = await isolatedPostgres('pubstore');
  readDb = await isolatedPostgres('pubread');
});

afterAll(async () => {
  await kafka.cleanup();
  await storeDb.drop();
  await readDb.drop();
});

function startPublisher(vars: Record<string, string>) {
  return startWorkerProcess('test/publisher-worker.ts', { cwd: packageDir, env: vars });
}

it('store → Kafka → consumer applies 10,000 events exactly once, in order per client, across publisher SIGKILLs', async () => {
  const clients = 100;
  const perClient = 100;
  const total = clients * perClient;
  const store = await createPostgresEventStore({
    connection: storeDb.pool,
    schema: storeDb.schema,
  });
  for (let c = 0; c < clients; c++) {
    const subject = `client-${String(c)}`;
    const events = Array.from({ length: perClient }, (_, n) => testEvent(n, subject));
    await store.append(`counter-${subject}`, events, { expectedRevision: 'no_stream' });
  }
  // Another service's stream in the same store: not this publisher's to send.
  await store.append('other-x', [{ ...testEvent(0, 'client-x'), streamId: 'other-x' }], {
    expectedRevision: 'no_stream',
  });
  await store.close();

  const topic = await kafka.topic('counters', { partitions: 3 });
  await ensureProcessedEventsTable(readDb.pool, readDb.schema);
  await createReadModel(readDb.pool, readDb.schema);
  const broker = new KafkaBroker({
    brokers: testEndpoints().kafkaBrokers,
    clientId: uniqueName('c'),
  });
  const producer = await broker.createProducer();
  const lastN = new Map<string, number>();
  const outOfOrder: string[] = [];
  let duplicates = 0;
  const consumer = new IdempotentConsumer({
    name: 'counter-read-model',
    topics: [topic],
    consumer: broker.createConsumer({ groupId: kafka.groupId('counters') }),
    producer,
    database: readDb.pool,
    schema: readDb.schema,
    commit: { everyMessages: 100, intervalMs: 1000 },
    onOutcome: (o) => {
      if (o.kind === 'duplicate') duplicates++;
    },
    handler: async (event, tx) => {
      const n = (event.data as { n: number }).n;
      const key = event.subjectId ?? '';
      const previous = lastN.get(key) ?? -1;
      if (previous !== n - 1) outOfOrder.push(`${key}: ${String(n)} after ${String(previous)}`);
      await applyToReadModel(tx, readDb.schema, event);
      lastN.set(key, n);
    },
  });
  await consumer.start();
  let kills: number;

  const vars = {
    WORKER_SCHEMA: storeDb.schema,
    WORKER_DATABASE_URL: storeDb.url,
    WORKER_BROKERS: testEndpoints().kafkaBrokers.join(','),
    WORKER_TOPIC: topic,
  };
  const applied = async (): Promise<number> =>
    (await readModelStats(readDb.pool, readDb.schema)).events;
  try {
    kills = await crashRepeatedly({
      start: () => startPublisher(vars),
      progress: applied,
      target: total,
      kills: 3,
      nextStep: () => 500 + Math.floor(Math.random() * 2000),
      timeoutMs: 60_000,
    });
    const last = startPublisher(vars);
    try {
      await last.started;
      await eventually(async () => ((await applied()) >= total ? true : undefined), {
        timeoutMs: 90_000,
        intervalMs: 100,
        what: `${String(total)} events applied`,
      });
    } finally {
      last.child.kill('SIGKILL');
      await last.exited;
    }
  } finally {
    await consumer.stop();
    await producer.close();
  }

  expect(kills).toBeGreaterThan(0);
  expect(await readModelStats(readDb.pool, readDb.schema)).toEqual({
    events: total,
    applications: total,
    maxTimes: 1,
  });
  // First applications per client follow the store's order (re-sends are skipped as duplicates).
  expect(outOfOrder.slice(0, 5)).toEqual([]);
  expect(lastN.has('client-x')).toBe(false);
  process.stdout.write(
    `publisher crash test: ${String(kills)} kills, ${String(duplicates)} re-sent events deduplicated\n`,
  );
});
