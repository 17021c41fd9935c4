import { afterAll, beforeAll, expect, it } from '@jest/globals';
import path from 'node:path';
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
import { ensureProcessedEventsTable, eventMessage, KafkaBroker } from './index.js';
import { createReadModel, readModelStats, testEvent } from '../test/fixtures.js';

const packageDir = path.resolve(import.meta.dirname, '..');

let kafka: IsolatedKafka;
let db: IsolatedPostgres;

beforeAll(async () => {
  kafka = await isolatedKafka('crash');
  db = await isolatedPostgres('crash');
});

afterAll(async () => {
  await kafka.cleanup();
  await db.drop();
});

let duplicates = 0;

function startWorker(vars: Record<string, string>) {
  return startWorkerProcess('test/consumer-worker.ts', {
    cwd: packageDir,
    env: vars,
    onLine: (line) => {
      if (line === 'duplicate') duplicates++;
    },
  });
}

it('applies every event exactly once although the consumer is SIGKILLed between DB and offset commits', async () => {
  const total = 3000;
  const topic = await kafka.topic('crash', { partitions: 3 });
  const group = kafka.groupId('crash');
  await ensureProcessedEventsTable(db.pool, db.schema);
  await createReadModel(db.pool, db.schema);
  const broker = new KafkaBroker({
    brokers: testEndpoints().kafkaBrokers,
    clientId: uniqueName('p'),
  });
  const producer = await broker.createProducer();
  const events = Array.from({ length: total }, (_, i) => testEvent(i, `client-${String(i % 50)}`));
  for (let i = 0; i < total; i += 500)
    await producer.send(topic, events.slice(i, i + 500).map(eventMessage));
  await producer.close();

  const vars = {
    WORKER_SCHEMA: db.schema,
    WORKER_DATABASE_URL: db.url,
    WORKER_BROKERS: testEndpoints().kafkaBrokers.join(','),
    WORKER_TOPIC: topic,
    WORKER_GROUP: group,
  };
  const applied = async (): Promise<number> => (await readModelStats(db.pool, db.schema)).events;

  const kills = await crashRepeatedly({
    start: () => startWorker(vars),
    progress: applied,
    target: total,
    kills: 3,
    nextStep: () => 150 + Math.floor(Math.random() * 400),
    timeoutMs: 45_000,
  });

  // A last, undisturbed run drains the topic and commits every offset.
  const last = startWorker(vars);
  try {
    await last.started;
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      await eventually(
        async () => {
          const [ends, committed] = await Promise.all([
            admin.fetchTopicOffsets(topic),
            admin.fetchOffsets({ groupId: group, topics: [topic] }),
          ]);
          const done = ends.every(
            (e) =>
              committed[0]?.partitions.find((p) => p.partition === e.partition)?.offset === e.high,
          );
          return done ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'all offsets committed' },
      );
    } finally {
      await admin.disconnect();
    }
  } finally {
    last.child.kill('SIGKILL');
    await last.exited;
  }

  expect(kills).toBeGreaterThan(0);
  expect(await readModelStats(db.pool, db.schema)).toEqual({
    events: total,
    applications: total,
    maxTimes: 1,
  });
  // The kills did land between the database commit and the offset commit.
  expect(duplicates).toBeGreaterThan(0);
});
