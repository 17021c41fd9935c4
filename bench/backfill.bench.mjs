// Backfill: a historical CSV through the transactions service, on real Kafka and PostgreSQL —
// upload (`POST /v1/imports`, streamed) → import worker (validation, FX, cursor) → Kafka
// `ingest.transactions.v1` → ingest consumer → event store → batched projection (read model,
// attribution, KPIs per client, capture rate). Identity resolution: before the import, the
// clients' e-mail addresses are linked on `identity.events.v1` as the identity service would, so
// the sales that carry one are attributed at ingest and every client gets KPIs.
//
// The file (services/transactions/src/testing/backfill-csv.ts): single-line sales in EUR, GBP,
// JPY and AED over 2026 (converted to EUR at the ECB-format sample rates), 1 row in 10 with one of
// rows/100 clients' e-mail addresses, 1% broken rows (reported with their line numbers).
//
// Timed: from the first byte uploaded until every good row is in the read model and every client
// has KPIs. Raw baseline in the same run: the same CSV parsed naively and loaded with `pg`
// multi-row INSERTs (1000 rows per statement) into a plain table of text columns (primary key
// only) — what loading the file into PostgreSQL costs without validation, FX, Kafka, events or
// read models. Target (PERFORMANCE.md): 1,000,000 rows in ≤ 3 minutes.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { IdentifierLinked, identityStream, TOPICS } from '@maison/event-contracts';
import { eventMessage } from '@maison/messaging';
import { normaliseReferences, serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import {
  createTransactionsService,
  CSV_COLUMNS,
  transactionsConfigFromEnv,
} from '@maison/transactions';
import {
  backfillBadRows,
  backfillCsvChunks,
  backfillCsvLines,
  backfillCustomers,
} from '@maison/transactions/testing';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe` is true; a stuck pipeline fails the run instead of hanging it. */
async function until(probe, what, timeoutMs = 30 * 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function linkClients(env, clients) {
  const now = new Date().toISOString();
  const messages = [];
  for (let k = 0; k < clients; k++) {
    const r = normaliseReferences(
      env.privacy,
      [{ type: 'email', value: `client${k}@example.com` }],
      'FR',
    );
    const { type, scope, index } = r.references[0];
    const clientId = randomUUID();
    const event = {
      id: randomUUID(),
      type: IdentifierLinked.type,
      schemaVersion: 1,
      streamId: identityStream(clientId),
      subjectId: clientId,
      occurredAt: now,
      recordedAt: now,
      region: 'EU',
      source: { system: 'identity' },
      correlationId: randomUUID(),
      causationId: null,
      data: {
        clientId,
        identifier: {
          type,
          scope,
          index,
          value: `client${k}@example.com`,
          masked: 'c***@example.com',
        },
        rule: { id: 'email-exact', version: 'bench' },
        evidence: { trigger: 'bench', matches: [], explanation: 'bench' },
      },
    };
    messages.push(eventMessage(await env.privacy.encryptEvent(event)));
  }
  for (let i = 0; i < messages.length; i += 500)
    await env.producer.send(env.names.topic(TOPICS.identityEvents), messages.slice(i, i + 500));
}

/** The raw baseline: naive CSV split, multi-row INSERTs of text columns. */
async function rawLoad(db, rows) {
  await db.query(`CREATE TABLE transactions.bench_raw_csv (
    n bigserial PRIMARY KEY, ${CSV_COLUMNS.map((c) => `${c} text`).join(', ')})`);
  const started = performance.now();
  let batch = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const cols = CSV_COLUMNS.length;
    const values = batch
      .map(
        (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(', ')})`,
      )
      .join(', ');
    await db.query(
      `INSERT INTO transactions.bench_raw_csv (${CSV_COLUMNS.join(', ')}) VALUES ${values}`,
      batch.flat(),
    );
    batch = [];
  };
  let header = true;
  for (const line of backfillCsvLines({ rows })) {
    if (header) {
      header = false;
      continue;
    }
    // the generated file quotes one field, `"Item, ""classic"""`: split around quoted fields
    const fields = [];
    for (const m of line.slice(0, -1).matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
      fields.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
      if (m[2] === '') break;
    }
    batch.push(fields.slice(0, CSV_COLUMNS.length));
    if (batch.length === 1000) await flush();
  }
  await flush();
  const seconds = (performance.now() - started) / 1000;
  await db.query('DROP TABLE transactions.bench_raw_csv');
  return Math.round(rows / seconds);
}

async function one(rows) {
  const clients = Math.max(100, Math.round(rows / 100));
  const env = await createTestEnvironment({ transport: 'kafka', logLevel: 'error' });
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);
  try {
    const ctx = env.contextFor('transactions');
    const module = await createTransactionsService(ctx, {
      ...transactionsConfigFromEnv({}),
      importMaxBytes: 4 * 1024 ** 3,
    });
    await module.start();
    await module.projectionLive();
    const served = await serveModule(module, ctx);
    const token = await env.auth.authorization({ role: 'integration' });
    const db = env.database;
    const one = async (sql, params = []) => Number((await db.query(sql, params))[0]?.n ?? 0);

    await linkClients(env, clients);
    for (;;) {
      if (
        (await one('SELECT count(*)::int AS n FROM transactions.directory_identifiers')) >= clients
      )
        break;
      await sleep(100);
    }

    const good = rows - backfillBadRows({ rows }).length;
    const started = performance.now();
    const upload = await fetch(`${served.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: token },
      body: Readable.toWeb(Readable.from(backfillCsvChunks({ rows, clients }))),
      duplex: 'half',
    });
    if (upload.status !== 202) throw new Error(`upload: ${upload.status} ${await upload.text()}`);
    const { importId } = await upload.json();
    const uploadSeconds = (performance.now() - started) / 1000;
    let importSeconds;
    let status;
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      await sleep(200);
      if (Date.now() > deadline)
        throw new Error('timed out waiting for the import and the read model');
      if (importSeconds === undefined) {
        status = await (
          await fetch(`${served.url}/v1/imports/${importId}?rejections=0`, {
            headers: { authorization: token },
          })
        ).json();
        if (status.status === 'failed') throw new Error(`import failed: ${status.error}`);
        if (status.status === 'completed') importSeconds = (performance.now() - started) / 1000;
      }
      const inReadModel = await one(
        `SELECT count(*)::int AS n FROM transactions.transactions WHERE source_system = 'pos.xstore'`,
      );
      if (importSeconds !== undefined && inReadModel >= good) break;
    }
    // every client's KPIs, computed in the projection batches that attributed their sales
    const customers = backfillCustomers({ rows, clients });
    await until(
      async () =>
        (await one('SELECT count(*)::int AS n FROM transactions.client_kpis WHERE orders > 0')) >=
        customers,
      "every client's KPIs",
    );
    const seconds = (performance.now() - started) / 1000;
    const attributed = await one(
      `SELECT count(*)::int AS n FROM transactions.transactions WHERE source_system = 'pos.xstore' AND client_id IS NOT NULL`,
    );
    if (status.accepted !== good || status.rejected !== rows - good)
      throw new Error(`import counts ${status.accepted}/${status.rejected}`);
    await served.close();
    await module.stop();
    const raw = await rawLoad(db, rows);
    const ours = Math.round(rows / seconds);
    return {
      rows,
      clients: customers,
      accepted: status.accepted,
      rejected: status.rejected,
      attributed,
      uploadSeconds: Number(uploadSeconds.toFixed(1)),
      importSeconds: Number(importSeconds.toFixed(1)),
      seconds: Number(seconds.toFixed(1)),
      rowsPerSecond: ours,
      rawRowsPerSecond: raw,
      ratio: Number((ours / raw).toFixed(2)),
      projectedSecondsFor1M: Math.round((1_000_000 / ours) * 10) / 10,
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
  } finally {
    clearInterval(rssTimer);
    await env.cleanup();
  }
}

export async function run({ sizes } = {}) {
  const results = [];
  for (const rows of sizes ?? [100_000]) {
    const r = await one(rows);
    results.push(r);
    console.log(
      `${rows} rows: ${r.seconds} s end to end (upload ${r.uploadSeconds} s, import done ${r.importSeconds} s) = ${r.rowsPerSecond} rows/s, ` +
        `${r.accepted} recorded (${r.attributed} attributed to ${r.clients} clients with KPIs), ${r.rejected} rejected; ` +
        `raw pg load of the same CSV ${r.rawRowsPerSecond} rows/s (${r.ratio}×); peak RSS ${r.peakRssMiB} MiB`,
    );
  }
  const largest = results.at(-1);
  return {
    summary:
      `backfill: ${largest.rows} rows in ${largest.seconds} s = ${largest.rowsPerSecond} rows/s end to end (CSV → FX → Kafka → store → read model + KPIs) ` +
      `= ${largest.ratio} × raw pg load (${largest.rawRowsPerSecond} rows/s); 1M at this rate ≈ ${largest.projectedSecondsFor1M} s (target ≤ 180 s)`,
    results,
  };
}
