// A publisher process for crash tests: the parent SIGKILLs it at random points and starts it again.
import pg from 'pg';
import { createPostgresCheckpointStore, createPostgresEventStore } from '@maison/event-store';
import { KafkaBroker, startPublisher } from '../src/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const schema = env('WORKER_SCHEMA');
const pool = new pg.Pool({ connectionString: env('WORKER_DATABASE_URL'), max: 4 });
const store = await createPostgresEventStore({ connection: pool, schema });
const broker = new KafkaBroker({
  brokers: env('WORKER_BROKERS').split(','),
  clientId: 'crash-publisher',
});
const producer = await broker.createProducer();
const topic = env('WORKER_TOPIC');
const publisher = await startPublisher({
  name: 'counter.publisher',
  store,
  checkpoints: createPostgresCheckpointStore({ connection: pool, schema }),
  producer,
  streamPrefixes: ['counter-'],
  topicFor: () => topic,
  batchSize: 200,
});
process.stdout.write('started\n');
await publisher.done;
