// Store → Kafka publication throughput: our publisher (a checkpointed `subscribeToAll` on the
// PostgreSQL event store, batches sent through `KafkaBroker`'s idempotent producer, checkpoint
// stored after each acknowledged batch) against a raw kafkajs producer with the same settings
// (idempotent, one request in flight, acks = -1, same batch size) sending the same keys, JSON
// payloads and headers to another fresh topic, in the same run. The publisher is measured once on
// the freshly appended table (no planner statistics yet) and then, for the headline, after
// VACUUM ANALYZE, in rounds alternating with the baseline (best round of each). Each size gets a
// fresh schema and three fresh topics, dropped and deleted afterwards.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { TOPICS } from '@maison/event-contracts';
import {
  comparePositions,
  createPostgresCheckpointStore,
  createPostgresEventStore,
} from '@maison/event-store';
import { eventMessage, KafkaBroker, startPublisher } from '@maison/messaging';

const { Kafka, logLevel, Partitioners } = kafkajs;

/** The publisher's default batch size, passed explicitly so the baseline uses the same. */
const BATCH = 500;
/** Events per append while seeding the store (not timed). */
const APPEND_BATCH = 100;
const STREAMS = 50;
/** As many partitions as a service topic of the registry. */
const PARTITIONS = TOPICS.transactionsEvents.partitions;
const TIMEOUT_MS = 300_000;
/** Rounds of (ours, raw), alternating; the best round of each is compared. */
const ROUNDS = 3;

function endpoints() {
  const file = path.join(import.meta.dirname, '..', 'infra', 'local', '.state', 'endpoints.json');
  const state = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const databaseUrl = process.env.DATABASE_URL ?? state.databaseUrl;
  const kafkaBrokers = process.env.KAFKA_BROKERS
    ? process.env.KAFKA_BROKERS.split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : state.kafkaBrokers;
  if (!databaseUrl) throw new Error('set DATABASE_URL or run `npm run infra:up`');
  if (!kafkaBrokers?.length) throw new Error('set KAFKA_BROKERS or run `npm run infra:up`');
  return { databaseUrl, kafkaBrokers };
}

function envelopes(count, run) {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type: 'PurchaseRecorded',
    schemaVersion: 1,
    streamId: `${run}-${i % STREAMS}`,
    subjectId: `client-${i % 997}`,
    occurredAt: '2026-03-01T10:15:00.000+01:00',
    recordedAt: new Date().toISOString(),
    region: 'EU',
    source: { system: 'pos.cegid', instance: 'store-0042' },
    correlationId: randomUUID(),
    causationId: null,
    data: { sku: `SKU-${i}`, amount: { value: 1250 + i, currency: 'EUR' }, quantity: 1 },
  }));
}

/** Groups the events into per-stream batches, in order, as a command handler would append them. */
function batches(events, size) {
  const byStream = new Map();
  for (const e of events) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
  const out = [];
  for (const list of byStream.values())
    for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The fastest round: on a shared machine noise only ever adds time. */
function best(values) {
  return Math.min(...values);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${TIMEOUT_MS} ms: ${what}`));
    }, TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Messages on a topic, from its partitions' offsets (checks that everything landed, once). */
async function messagesOn(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

export async function run({ sizes } = {}) {
  const { databaseUrl, kafkaBrokers } = endpoints();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const kafka = new Kafka({
    clientId: 'bench-publish-raw',
    brokers: kafkaBrokers,
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const broker = new KafkaBroker({
    brokers: kafkaBrokers,
    clientId: 'bench-publish',
    logger: (e) => {
      if (e.level === 'error') console.error(`kafka: ${e.message}`, e.fields ?? {});
    },
  });
  const schemas = [];
  const topics = [];
  const results = [];
  try {
    for (const size of sizes ?? [10_000, 50_000]) {
      const run = randomUUID().slice(0, 8);
      const schema = `bench_publish_${Date.now().toString(36)}_${run}`;
      schemas.push(schema);
      const ourTopic = `bench.publish.${run}.ours`;
      const freshTopic = `bench.publish.${run}.fresh`;
      const rawTopic = `bench.publish.${run}.raw`;
      topics.push(ourTopic, freshTopic, rawTopic);
      await admin.createTopics({
        waitForLeaders: true,
        topics: [ourTopic, freshTopic, rawTopic].map((topic) => ({
          topic,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
        })),
      });

      // Seed the store (not timed): what a service has appended before its publisher runs.
      const store = await createPostgresEventStore({ connection: pool, schema });
      const events = envelopes(size, run);
      let last;
      const revisions = new Map();
      for (const batch of batches(events, APPEND_BATCH)) {
        const streamId = batch[0].streamId;
        const r = await store.append(streamId, batch, {
          expectedRevision: revisions.get(streamId) ?? 'no_stream',
        });
        revisions.set(streamId, r.nextExpectedRevision);
        const end = r.positions.at(-1);
        if (!last || comparePositions(end, last) > 0) last = end;
      }

      // Our path. The clock runs from startPublisher (checkpoint load, catch-up reads, encoding,
      // sends, checkpoint writes) until the checkpoint store is asked to store the last appended
      // position, which the publisher does only after Kafka acknowledged (acks = -1) the batch
      // holding that event and every batch before it: that is "every event published", counted
      // by the publisher's own guarantee rather than by a consumer's lag. The checkpoint write is
      // part of the path and is inside the timing. The topics' offsets are checked afterwards.
      const producer = await broker.createProducer();
      const checkpoints = createPostgresCheckpointStore({ connection: pool, schema });
      const publishAll = async (name, topic) => {
        let writes = 0;
        let reached;
        const allAcknowledged = new Promise((resolve) => {
          reached = resolve;
        });
        const watched = {
          load: (subscriber) => checkpoints.load(subscriber),
          async store(subscriber, position) {
            await checkpoints.store(subscriber, position);
            writes++;
            if (comparePositions(position, last) >= 0) reached();
          },
        };
        let publisher;
        try {
          const seconds = await timed(async () => {
            publisher = await startPublisher({
              name,
              store,
              checkpoints: watched,
              producer,
              streamPrefixes: [`${run}-`],
              topicFor: () => topic,
              batchSize: BATCH,
            });
            await withTimeout(
              Promise.race([allAcknowledged, publisher.done]),
              `${size} events published to ${topic}`,
            );
          });
          return { seconds, writes };
        } finally {
          await publisher?.stop();
        }
      };

      // Raw baseline: the same messages (keys, JSON envelopes, headers), built beforehand, sent
      // in batches of the same size one after another, each awaited (acks = -1), as the
      // publisher does: the Kafka ceiling for this producer configuration.
      const messages = events.map((e) => {
        const m = eventMessage(e);
        return { key: m.key, value: m.value, headers: { ...m.headers } };
      });
      const raw = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await raw.connect();
      const produceRaw = () =>
        timed(async () => {
          for (let i = 0; i < messages.length; i += BATCH)
            await raw.send({ topic: rawTopic, acks: -1, messages: messages.slice(i, i + BATCH) });
        });

      // First on the table as the appends left it: no planner statistics yet (as after a bulk
      // load or in a new schema, until autovacuum analyzes it). Then, for the headline, after
      // VACUUM ANALYZE: the steady state of a long-lived store (a publisher catching up a backlog),
      // in ROUNDS rounds alternating with the baseline (each round a new publisher name, so it
      // publishes everything again), best rounds compared: the machine is shared and noisy.
      const stats = await pool.query(
        `SELECT (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analyzed
           FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'events'`,
        [schema],
      );
      const hadStatistics = stats.rows[0]?.analyzed === true;
      const fresh = await publishAll(`bench.publisher.${run}.fresh`, freshTopic);
      await pool.query(`VACUUM ANALYZE "${schema}".events`);
      const ourRuns = [];
      const rawRuns = [];
      for (let round = 0; round < ROUNDS; round++) {
        ourRuns.push(await publishAll(`bench.publisher.${run}.${round}`, ourTopic));
        rawRuns.push(await produceRaw());
      }
      await raw.disconnect();
      await producer.close();
      await store.close();

      const counts = await Promise.all(
        [ourTopic, rawTopic, freshTopic].map((t) => messagesOn(admin, t)),
      );
      const expected = [ROUNDS * size, ROUNDS * size, size];
      if (counts.some((n, i) => n !== expected[i]))
        throw new Error(
          `expected ${expected.join(', ')} messages on ${ourTopic}, ${rawTopic}, ${freshTopic}; found ${counts.join(', ')}`,
        );

      const ourSeconds = best(ourRuns.map((o) => o.seconds));
      const rawSeconds = best(rawRuns);
      const r = {
        size,
        batchSize: BATCH,
        partitions: PARTITIONS,
        rounds: ROUNDS,
        checkpointWrites: ourRuns[0].writes,
        publishedEventsPerSecond: Math.round(size / ourSeconds),
        rawProduceMessagesPerSecond: Math.round(size / rawSeconds),
        ratio: Number((rawSeconds / ourSeconds).toFixed(2)),
        publishSeconds: ourRuns.map((o) => Number(o.seconds.toFixed(3))),
        rawSeconds: rawRuns.map((x) => Number(x.toFixed(3))),
        freshTableHadStatistics: hadStatistics,
        freshTableEventsPerSecond: Math.round(size / fresh.seconds),
        freshTableRatio: Number((rawSeconds / fresh.seconds).toFixed(2)),
      };
      results.push(r);
      console.log(
        `size ${size}: store→Kafka ${r.publishedEventsPerSecond} ev/s vs raw kafkajs produce ${r.rawProduceMessagesPerSecond} msg/s (${r.ratio}×), ` +
          `best of ${ROUNDS} rounds [ours ${r.publishSeconds.join('/')} s, raw ${r.rawSeconds.join('/')} s, ${r.checkpointWrites} checkpoints each]; ` +
          `before ANALYZE (statistics: ${hadStatistics ? 'yes' : 'none'}) ${r.freshTableEventsPerSecond} ev/s (${r.freshTableRatio}×)`,
      );
    }
  } finally {
    if (topics.length > 0)
      await admin.deleteTopics({ topics }).catch((err) => {
        console.error(`could not delete topics ${topics.join(', ')}: ${err.message}`);
      });
    await admin.disconnect();
    for (const schema of schemas)
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
  const largest = results.at(-1);
  return {
    summary: `publish: ${largest.publishedEventsPerSecond} ev/s store→Kafka = ${largest.ratio} × raw kafkajs produce (${largest.rawProduceMessagesPerSecond} msg/s)`,
    results,
  };
}
