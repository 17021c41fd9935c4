// Ingest: POS sales through the transactions service end to end — REST (`POST /v1/transactions`
// and `:batch`) → Kafka `ingest.transactions.v1` → ingest consumer → event store → batched
// projection → read model — on real Kafka and PostgreSQL, the load generator in a second process
// (bench/transactions/load.mjs).
//
// - flat out, batches of 100 (`:batch`), 8 connections, at each size: end-to-end tx/s from the
//   first request sent to the last row visible in the read model;
// - flat out, single POSTs, 64 connections;
// - fixed rates, single POSTs, open loop: achieved tx/s, request latency, and accepted → visible in
//   the read model latency (p50/p95/p99) of every 1/20 s-th record (polled by primary key);
// - raw baseline in the same run: `pg` multi-row INSERTs (500 rows per statement, one connection)
//   of rows shaped like the stored events (same columns, same JSON) into a plain table with a
//   primary key only — the "raw append rate" PERFORMANCE.md compares with (target ≥ 0.4 ×, and
//   ≥ 5,000 tx/s on 2 cores).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import {
  createTransactionsService,
  transactionIdOf,
  transactionsConfigFromEnv,
} from '@maison/transactions';

const RATES = [1000, 2500, 5000];
const RATE_SECONDS = 8;

function load(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(import.meta.dirname, 'transactions', 'load.mjs'), JSON.stringify(options)],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`load exited ${code}`)),
    );
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function run({ sizes } = {}) {
  const env = await createTestEnvironment({ transport: 'kafka', logLevel: 'error' });
  const results = [];
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);
  try {
    const ctx = env.contextFor('transactions');
    const module = await createTransactionsService(ctx, transactionsConfigFromEnv({}));
    await module.start();
    await module.projectionLive();
    const served = await serveModule(module, ctx);
    const token = await env.auth.authorization({ role: 'integration' });
    const db = env.database;
    const count = async () =>
      Number((await db.query('SELECT count(*)::int AS n FROM transactions.transactions'))[0].n);
    let runNo = 0;
    const flat = async (total, batch, connections) => {
      const run = `r${++runNo}-${Date.now().toString(36)}`;
      const before = await count();
      const loadDone = load({
        url: served.url,
        token,
        run,
        mode: 'flat',
        total,
        batch,
        connections,
      });
      let visibleAt;
      for (;;) {
        await sleep(100);
        if ((await count()) >= before + total) {
          visibleAt = Date.now();
          break;
        }
      }
      const l = await loadDone;
      if (l.failed > 0) throw new Error(`${l.failed} records refused`);
      const seconds = (visibleAt - l.startedAt) / 1000;
      return {
        total,
        batch,
        connections,
        endToEndPerSecond: Math.round(total / seconds),
        seconds,
        rest: l,
      };
    };

    // warm-up: JIT, group joins, first data keys
    await flat(3000, 100, 4);

    // raw baseline: the stored events' rows, re-keyed, multi-row INSERTs into a plain table
    const sample = await db.query(
      `SELECT stream_id, type, schema_version, subject_id, occurred_at, occurred_at_text, recorded_at,
              recorded_at_text, region, source, correlation_id, causation_id, traceparent, data
         FROM transactions_events.events ORDER BY position LIMIT 500`,
    );
    await db.query(`CREATE TABLE transactions_events.bench_raw (
      position bigserial PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL, event_id uuid NOT NULL,
      type text NOT NULL, schema_version integer NOT NULL, subject_id text, occurred_at timestamptz NOT NULL,
      occurred_at_text text NOT NULL, recorded_at timestamptz NOT NULL, recorded_at_text text NOT NULL,
      region text NOT NULL, source jsonb NOT NULL, correlation_id text NOT NULL, causation_id text,
      traceparent text, data jsonb)`);
    const COLS = 16;
    const rawRows = async (n) => {
      const started = performance.now();
      for (let done = 0; done < n; done += 500) {
        const rows = Array.from(
          { length: Math.min(500, n - done) },
          (_, i) => sample[(done + i) % sample.length],
        );
        const values = rows
          .map(
            (_, r) =>
              `(${Array.from({ length: COLS }, (_, c) => `$${r * COLS + c + 1}`).join(', ')})`,
          )
          .join(', ');
        await db.query(
          `INSERT INTO transactions_events.bench_raw (stream_id, revision, event_id, type, schema_version, subject_id,
             occurred_at, occurred_at_text, recorded_at, recorded_at_text, region, source, correlation_id,
             causation_id, traceparent, data) VALUES ${values}`,
          rows.flatMap((e, i) => [
            `${e.stream_id}-${done + i}`,
            0,
            crypto.randomUUID(),
            e.type,
            e.schema_version,
            e.subject_id,
            e.occurred_at,
            e.occurred_at_text,
            e.recorded_at,
            e.recorded_at_text,
            e.region,
            JSON.stringify(e.source),
            e.correlation_id,
            e.causation_id,
            e.traceparent,
            JSON.stringify(e.data),
          ]),
        );
      }
      return Math.round(n / ((performance.now() - started) / 1000));
    };

    for (const size of sizes ?? [20_000, 100_000]) {
      const raw = await rawRows(size);
      const batched = await flat(size, 100, 8);
      const r = {
        size,
        rawRowsPerSecond: raw,
        batchedEndToEndPerSecond: batched.endToEndPerSecond,
        ratio: Number((batched.endToEndPerSecond / raw).toFixed(2)),
        batched,
      };
      results.push(r);
      console.log(
        `size ${size}: ${r.batchedEndToEndPerSecond} tx/s end-to-end (:batch of 100, 8 connections; REST accepted ${batched.rest.acceptedPerSecond}/s) vs raw pg multi-row INSERT ${raw} rows/s (${r.ratio}×)`,
      );
    }

    const largest = sizes?.at(-1) ?? 100_000;
    const singles = await flat(Math.min(20_000, Math.max(2000, Math.round(largest / 5))), 1, 64);
    console.log(
      `single POSTs, 64 connections: ${singles.endToEndPerSecond} tx/s end-to-end, REST ${singles.rest.acceptedPerSecond}/s, request p50 ${singles.rest.requestP50} ms p99 ${singles.rest.requestP99} ms`,
    );

    const fixed = [];
    for (const rate of RATES) {
      const run = `f${++runNo}-${Date.now().toString(36)}`;
      const total = rate * RATE_SECONDS;
      const every = Math.max(1, Math.round(rate / 20));
      const probes = [];
      const before = await count();
      const startAt = Date.now() + 1000;
      const loadDone = load({ url: served.url, token, run, mode: 'rate', rate, total, startAt });
      for (let i = 0; i < total; i += every) {
        probes.push(
          (async () => {
            await sleep(startAt + (i * 1000) / rate - Date.now());
            const id = transactionIdOf('pos.bench', `${run}-${i}`);
            for (;;) {
              const rows = await db.query(
                'SELECT 1 FROM transactions.transactions WHERE transaction_id = $1',
                [id],
              );
              if (rows.length > 0) return { i, visibleAt: Date.now() };
              await sleep(10);
            }
          })(),
        );
      }
      const l = await loadDone;
      const seen = await Promise.all(probes);
      const latencies = seen
        .map((p) => p.visibleAt - (startAt + (p.i * 1000) / rate))
        .map((x) => Math.max(0, x))
        .sort((a, b) => a - b);
      for (;;) {
        if ((await count()) >= before + total) break;
        await sleep(100);
      }
      const f = {
        rate,
        seconds: RATE_SECONDS,
        achievedPerSecond: l.acceptedPerSecond,
        failed: l.failed,
        requestP50: l.requestP50,
        requestP99: l.requestP99,
        visibleP50: pct(latencies, 50),
        visibleP95: pct(latencies, 95),
        visibleP99: pct(latencies, 99),
        visibleMax: latencies.at(-1),
      };
      fixed.push(f);
      console.log(
        `fixed ${rate}/s single POSTs: accepted ${f.achievedPerSecond}/s, request p50/p99 ${f.requestP50}/${f.requestP99} ms, accepted → read model p50/p95/p99 ${f.visibleP50}/${f.visibleP95}/${f.visibleP99} ms (max ${f.visibleMax})`,
      );
    }
    results.push({ singles, fixed, peakRssMiB: Math.round(peakRss / 2 ** 20) });
    await served.close();
    await module.stop();
  } finally {
    clearInterval(rssTimer);
    await env.cleanup();
  }
  const largest = results.filter((r) => r.size !== undefined).at(-1);
  const rest = results.at(-1);
  const best = rest.fixed
    .filter((f) => f.achievedPerSecond >= 0.95 * f.rate && f.visibleP99 < 1000)
    .at(-1);
  return {
    summary:
      `ingest: ${largest.batchedEndToEndPerSecond} tx/s end-to-end (REST :batch → Kafka → store → read model, ${largest.size} tx) = ${largest.ratio} × raw pg multi-row INSERT (${largest.rawRowsPerSecond} rows/s)` +
      `; single POSTs ${rest.singles.endToEndPerSecond} tx/s` +
      (best
        ? `; sustained ${best.rate}/s with accepted → read model p99 ${best.visibleP99} ms`
        : '') +
      `; peak RSS ${rest.peakRssMiB} MiB`,
    results,
  };
}
