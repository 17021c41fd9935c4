// A consumer process for crash tests: the parent SIGKILLs it at random points and starts it again.
import pg from 'pg';
import { ensureProcessedEventsTable, IdempotentConsumer, KafkaBroker } from '../src/index.js';
import { applyToReadModel } from './fixtures.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const schema = env('WORKER_SCHEMA');
const pool = new pg.Pool({ connectionString: env('WORKER_DATABASE_URL'), max: 2 });
await ensureProcessedEventsTable(pool, schema);
const broker = new KafkaBroker({
  brokers: env('WORKER_BROKERS').split(','),
  clientId: 'crash-worker',
});
const producer = await broker.createProducer();
const consumer = new IdempotentConsumer({
  name: 'crash-read-model',
  topics: [env('WORKER_TOPIC')],
  consumer: broker.createConsumer({ groupId: env('WORKER_GROUP'), sessionTimeoutMs: 6_000 }),
  producer,
  database: pool,
  schema,
  // Offsets lag the database by up to 50 messages: a kill almost always lands in that window.
  commit: { everyMessages: 50, intervalMs: 60_000 },
  handler: (event, tx) => applyToReadModel(tx, schema, event),
  onOutcome: (o) => {
    if (o.kind !== 'applied') process.stdout.write(`${o.kind}\n`);
  },
});
await consumer.start();
process.stdout.write('started\n');
