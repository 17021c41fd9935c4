// Replay throughput: read every event of the PostgreSQL event store with `readAll` (global order,
// pages of the store's default size, rows mapped to RecordedEvents) and fold it into an in-memory
// read model (per-client counts and spend), against raw `pg` keyset-paged SELECTs of the same rows
// and envelope columns (primary-key order, same page size, no snapshot filter, no mapping) folded
// by the same function, in the same run, in rounds alternating the two (best rounds compared). Each
// size gets a fresh schema (seeded untimed with batched appends) that is dropped afterwards.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createPostgresEventStore } from '@maison/event-store';

/** The store's default page size (`pageSize`), used by the baseline too. */
const PAGE = 500;
const APPEND_BATCH = 100;
const STREAMS = 50;
const CLIENTS = 997;
/** PERFORMANCE.md: rebuild every read model from the event store at ≥ 50,000 events/s. */
const TARGET = 50_000;
/** Rounds of (ours, raw), alternating; the best round of each is compared. */
const ROUNDS = 3;
/** The columns the store reads (timestamps as their original text, no Date parsing). */
const RAW_COLUMNS = `position, stream_id, revision, event_id, type, schema_version, subject_id,
  occurred_at_text, recorded_at_text, region, source, correlation_id, causation_id, traceparent,
  data`;

function databaseUrl() {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const file = path.join(import.meta.dirname, '..', 'infra', 'local', '.state', 'endpoints.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).databaseUrl;
  throw new Error('set DATABASE_URL or run `npm run infra:up`');
}

/** Purchases, with a return every tenth event, so the fold has more than one case. */
function envelopes(count, run) {
  return Array.from({ length: count }, (_, i) => {
    const returned = i % 10 === 9;
    return {
      id: randomUUID(),
      type: returned ? 'ReturnRecorded' : 'PurchaseRecorded',
      schemaVersion: 1,
      streamId: `${run}-${i % STREAMS}`,
      subjectId: `client-${i % CLIENTS}`,
      occurredAt: '2026-03-01T10:15:00.000+01:00',
      recordedAt: new Date().toISOString(),
      region: 'EU',
      source: { system: 'pos.cegid', instance: 'store-0042' },
      correlationId: randomUUID(),
      causationId: null,
      data: { sku: `SKU-${i}`, amount: { value: 1250 + i, currency: 'EUR' }, quantity: 1 },
    };
  });
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

/** The read model: per client, purchases, returns, items held and net spend in minor units. */
function evolve(model, subjectId, type, data) {
  let client = model.get(subjectId);
  if (!client) {
    client = { purchases: 0, returns: 0, items: 0, spend: 0 };
    model.set(subjectId, client);
  }
  switch (type) {
    case 'PurchaseRecorded':
      client.purchases++;
      client.items += data.quantity;
      client.spend += data.amount.value;
      break;
    case 'ReturnRecorded':
      client.returns++;
      client.items -= data.quantity;
      client.spend -= data.amount.value;
      break;
    default:
      break;
  }
  return model;
}

function totals(model) {
  let events = 0;
  let spend = 0;
  for (const c of model.values()) {
    events += c.purchases + c.returns;
    spend += c.spend;
  }
  return { clients: model.size, events, spend };
}

/** The fastest round: on a shared machine noise only ever adds time. */
function best(values) {
  return Math.min(...values);
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function run({ sizes } = {}) {
  const url = databaseUrl();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const schemas = [];
  const results = [];
  try {
    for (const size of sizes ?? [10_000, 50_000]) {
      const run = randomUUID().slice(0, 8);
      const schema = `bench_replay_${Date.now().toString(36)}_${run}`;
      schemas.push(schema);
      const store = await createPostgresEventStore({ connection: pool, schema });
      const revisions = new Map();
      for (const batch of batches(envelopes(size, run), APPEND_BATCH)) {
        const streamId = batch[0].streamId;
        const r = await store.append(streamId, batch, {
          expectedRevision: revisions.get(streamId) ?? 'no_stream',
        });
        revisions.set(streamId, r.nextExpectedRevision);
      }
      // Whoever reads fresh rows first sets their hint bits: vacuum so neither path pays for it.
      await pool.query(`VACUUM ANALYZE "${schema}".events`);

      const readAll = async (model, maxCount) => {
        for await (const e of store.readAll({ maxCount }))
          evolve(model, e.subjectId, e.type, e.data);
      };
      const rawRead = async (model, maxCount) => {
        let after = 0;
        let remaining = maxCount;
        while (remaining > 0) {
          const limit = Math.min(remaining, PAGE);
          const { rows } = await pool.query(
            `SELECT ${RAW_COLUMNS} FROM "${schema}".events WHERE position > $1
              ORDER BY position LIMIT $2`,
            [after, limit],
          );
          for (const row of rows) evolve(model, row.subject_id, row.type, row.data);
          if (rows.length < limit) break;
          remaining -= rows.length;
          after = rows.at(-1).position;
        }
      };
      // Warm-up, untimed: a few pages through each path (JIT, query plans, connections).
      await readAll(new Map(), 4 * PAGE);
      await rawRead(new Map(), 4 * PAGE);

      // ROUNDS rounds alternating the two paths, each into a fresh model; best rounds compared.
      const ourRuns = [];
      const rawRuns = [];
      let ours;
      let raw;
      for (let round = 0; round < ROUNDS; round++) {
        ours = new Map();
        ourRuns.push(await timed(() => readAll(ours, Number.POSITIVE_INFINITY)));
        raw = new Map();
        rawRuns.push(await timed(() => rawRead(raw, Number.POSITIVE_INFINITY)));
      }
      await store.close();

      // Both folds must have seen every event (readAll hides rows of transactions still open).
      const a = totals(ours);
      const b = totals(raw);
      if (a.events !== size || b.events !== size || a.spend !== b.spend || a.clients !== b.clients)
        throw new Error(
          `read models differ: readAll ${JSON.stringify(a)}, raw ${JSON.stringify(b)}, ${size} appended`,
        );

      const ourSeconds = best(ourRuns);
      const rawSeconds = best(rawRuns);
      const r = {
        size,
        pageSize: PAGE,
        clients: a.clients,
        replayEventsPerSecond: Math.round(size / ourSeconds),
        rawReadRowsPerSecond: Math.round(size / rawSeconds),
        ratio: Number((rawSeconds / ourSeconds).toFixed(2)),
        rounds: ROUNDS,
        replaySeconds: ourRuns.map((x) => Number(x.toFixed(3))),
        rawSeconds: rawRuns.map((x) => Number(x.toFixed(3))),
        target: TARGET,
        meetsTarget: size / ourSeconds >= TARGET,
      };
      results.push(r);
      console.log(
        `size ${size}: readAll + fold ${r.replayEventsPerSecond} ev/s vs raw pg keyset read + fold ${r.rawReadRowsPerSecond} rows/s (${r.ratio}×), ` +
          `best of ${ROUNDS} rounds [ours ${r.replaySeconds.join('/')} s, raw ${r.rawSeconds.join('/')} s]; ` +
          `target ≥ ${TARGET} ev/s ${r.meetsTarget ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    for (const schema of schemas)
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
  const largest = results.at(-1);
  return {
    summary: `replay: ${largest.replayEventsPerSecond} ev/s = ${largest.ratio} × raw pg read (${largest.rawReadRowsPerSecond} rows/s)`,
    results,
  };
}
