// Event store append throughput: our PostgreSQL adapter (one statement per append, expected
// revision checked, idempotency lookup, five indexes) against raw `pg` INSERTs of the same rows into
// a plain table (primary key only), in the same run, in a fresh schema that is dropped afterwards.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createPostgresEventStore } from '@maison/event-store';

const BATCH = 100;
const STREAMS = 50;

function databaseUrl() {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const file = path.join(import.meta.dirname, '..', 'infra', 'local', '.state', 'endpoints.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).databaseUrl;
  throw new Error('set DATABASE_URL or run `npm run infra:up`');
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

const COLUMNS = 14;
function rawRow(e, revision) {
  return [
    e.streamId,
    revision,
    e.id,
    e.type,
    e.schemaVersion,
    e.subjectId,
    e.occurredAt,
    e.recordedAt,
    e.region,
    JSON.stringify(e.source),
    e.correlationId,
    e.causationId,
    e.traceparent ?? null,
    JSON.stringify(e.data),
  ];
}
function rawInsert(schema, rows) {
  const values = rows
    .map(
      (_, r) =>
        `(${Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`).join(', ')})`,
    )
    .join(', ');
  return `INSERT INTO "${schema}".raw_events (stream_id, revision, event_id, type, schema_version,
    subject_id, occurred_at, recorded_at, region, source, correlation_id, causation_id,
    traceparent, data) VALUES ${values}`;
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function run({ sizes } = {}) {
  const url = databaseUrl();
  const schema = `bench_append_${Date.now().toString(36)}`;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const results = [];
  try {
    const store = await createPostgresEventStore({ connection: pool, schema });
    await pool.query(`CREATE TABLE "${schema}".raw_events (
      position bigserial PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL,
      event_id uuid NOT NULL, type text NOT NULL, schema_version integer NOT NULL, subject_id text,
      occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL, region text NOT NULL,
      source jsonb NOT NULL, correlation_id text NOT NULL, causation_id text, traceparent text,
      data jsonb)`);

    for (const size of sizes ?? [10_000, 50_000]) {
      const run = randomUUID().slice(0, 8);
      // single-event appends are latency-bound: measure them on a tenth of the size
      const singles = envelopes(Math.max(1, Math.floor(size / 10)), `${run}-single`);
      const batched = batches(envelopes(size, `${run}-batch`), BATCH);
      const raw = batches(envelopes(size, `${run}-raw`), BATCH);
      const rawSingles = envelopes(singles.length, `${run}-rawsingle`);

      const revisions = new Map();
      const appendOne = async (batch) => {
        const streamId = batch[0].streamId;
        const expected = revisions.get(streamId) ?? 'no_stream';
        const r = await store.append(streamId, batch, { expectedRevision: expected });
        revisions.set(streamId, r.nextExpectedRevision);
      };
      const singleSeconds = await timed(async () => {
        for (const e of singles) await appendOne([e]);
      });
      const batchedSeconds = await timed(async () => {
        for (const batch of batched) await appendOne(batch);
      });
      const rawRevisions = new Map();
      const rawBatch = async (batch) => {
        const first = rawRevisions.get(batch[0].streamId) ?? -1;
        rawRevisions.set(batch[0].streamId, first + batch.length);
        await pool.query(
          rawInsert(schema, batch),
          batch.flatMap((e, i) => rawRow(e, first + 1 + i)),
        );
      };
      const rawSeconds = await timed(async () => {
        for (const batch of raw) await rawBatch(batch);
      });
      const rawSingleSeconds = await timed(async () => {
        for (const e of rawSingles) await rawBatch([e]);
      });

      const r = {
        size,
        batchSize: BATCH,
        batchedEventsPerSecond: Math.round(size / batchedSeconds),
        rawMultiRowRowsPerSecond: Math.round(size / rawSeconds),
        batchedRatio: Number((rawSeconds / batchedSeconds).toFixed(2)),
        singleEvents: singles.length,
        singleEventsPerSecond: Math.round(singles.length / singleSeconds),
        rawSingleRowsPerSecond: Math.round(rawSingles.length / rawSingleSeconds),
        singleRatio: Number((rawSingleSeconds / singleSeconds).toFixed(2)),
      };
      results.push(r);
      console.log(
        `size ${size}: batched ${r.batchedEventsPerSecond} ev/s vs raw multi-row ${r.rawMultiRowRowsPerSecond} rows/s (${r.batchedRatio}×); ` +
          `single ${r.singleEventsPerSecond} ev/s vs raw single-row ${r.rawSingleRowsPerSecond} rows/s (${r.singleRatio}×)`,
      );
    }
    await store.close();
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
  const largest = results.at(-1);
  return {
    summary: `append: ${largest.batchedEventsPerSecond} ev/s batched = ${largest.batchedRatio} × raw pg multi-row INSERT (${largest.rawMultiRowRowsPerSecond} rows/s)`,
    results,
  };
}
