// Freshness: how long from a POS sale accepted by `POST /v1/transactions` (the 202) until the
// gateway's client view shows it, through the real path — REST edge → Kafka ingest.transactions.v1
// → transactions' ingest consumer (attribution from its client directory) → event store
// (PostgreSQL) → batched projection → read model → transactions subgraph ← gateway ← client view —
// with the five services running (identity, profiles, consent and recommendations consume the same
// events meanwhile). Sales go at fixed rates (evenly spaced, open loop) to clients registered
// beforehand; a poller asks the gateway for the pending clients' latest transactions back to back
// (one aliased `client(id)` per pending client, up to 25 per request) and records when each sale
// first shows. Both engines (Hive Gateway, @apollo/gateway) over the same supergraph and services,
// in the same run. Raw baseline in the same run: a kafkajs produce → consume hop of a message the
// size of the POS record at the same rate (the floor of any path through Kafka).
//
// Where the time goes: for each sale the event's recordedAt (decided by the ingest consumer) and the
// moment a SQL probe first saw it attributed in the read model split accepted → visible into
// accepted → decided (Kafka hop + ingest batch), decided → read model (the store's snapshot-safe
// subscription polling + projection commit) and read model → gateway (the poller's resolution
// and the federated query).
//
// Processes: the services (bench/freshness/services.mjs), one per gateway engine
// (bench/freshness/gateway.mjs, production mode, the poller's operations allow-listed), and this
// one (load generator, poller, probes).
//   npm run bench -- freshness [--sizes 20,100]      (sizes = the fixed sale rates, per second)
// BENCH_DURATION_SECONDS (10) of sales per rate and engine; BENCH_CLIENTS (400) registered clients.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { createDevIssuer } from '@maison/auth/dev';
import { composeSupergraph, fetchSubgraphs } from '@maison/gateway';
import { testEndpoints } from '@maison/testing';

const { Kafka, logLevel } = kafkajs;
const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 400);
const CHUNK = 25;
const TARGET_P99_MS = 250;
const dir = import.meta.dirname;
const node = ['--conditions=@maison/source', '--import', 'tsx'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-millisecond precision (comparable with events' recordedAt). */
const now = () => performance.timeOrigin + performance.now();
const load1 = () => Number(loadavg()[0].toFixed(2));

function child(script, env = {}) {
  const proc = spawn(process.execPath, [...node, path.join(dir, 'freshness', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout });
  const first = new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line)));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return {
    proc,
    first,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const clean = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
      if (!clean) {
        console.error(`${script} did not stop within 60 s of SIGTERM: killed`);
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}

function percentiles(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(s.at(-1) ?? NaN) };
}

/** Calls fn(i) at evenly spaced due times (open loop: a slow answer does not delay the next call). */
async function fixedRate(count, rate, fn) {
  const interval = 1000 / rate;
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(fn(i));
  }
  await Promise.all(pending);
  return count / ((performance.now() - start) / 1000);
}

/**
 * One aliased `client(id)` per pending client: the gateway's client view, narrowed to its latest
 * purchases. The window must hold every sale a client gets during one poll round, or a sale is
 * pushed out by newer ones before the poller sees it: at 1,000 sales/s over 400 clients a client
 * gets 2.5 a second, so 20 covers an 8-second round.
 */
function pollQuery(k) {
  const vars = Array.from({ length: k }, (_, i) => `$c${i}: ID!`).join(', ');
  const fields = Array.from(
    { length: k },
    (_, i) => `c${i}: client(id: $c${i}) { id transactions(first: 20) { edges { node { id } } } }`,
  ).join(' ');
  return `query Freshness(${vars}) { ${fields} }`;
}
const POLL_QUERIES = Array.from({ length: CHUNK }, (_, i) => pollQuery(i + 1));

const line = (i) => ({
  sku: `SLG-${String(100 + (i % 40))}`,
  productId: `P-${String(100 + (i % 40))}`,
  name: 'Card holder',
  categoryPath: ['Leather goods', 'Small leather goods'],
  quantity: 1,
  unitPrice: { amountMinor: 42_000, currency: 'EUR' },
});
function sale(email, sourceTransactionId, occurredAt, i) {
  return {
    kind: 'sale',
    sourceSystem: 'pos.cegid',
    sourceTransactionId,
    channel: 'boutique',
    storeId: 'PAR-01',
    region: 'EU',
    country: 'FR',
    associateId: 'A-PAR-1',
    occurredAt,
    currency: 'EUR',
    lines: [line(i)],
    total: { amountMinor: 42_000, currency: 'EUR' },
    customer: [{ type: 'email', value: email }],
  };
}

export async function run({ sizes } = {}) {
  const rates = sizes ?? [20, 100];
  const issuer = 'https://bench.maison.local';
  const audience = 'maison-api';
  const dev = await createDevIssuer({ issuer, audience });
  const auth = JSON.stringify({ jwks: dev.jwks(), issuer, audience });
  const integration = `Bearer ${await dev.mintToken({ role: 'integration', subject: 'bench-pos' }, { ttlSeconds: 3600 })}`;
  const associate = `Bearer ${await dev.mintToken(
    { role: 'associate', subject: 'bench-a-par-1', associateId: 'A-PAR-1', storeIds: ['PAR-01'] },
    { ttlSeconds: 3600 },
  )}`;
  const services = child('services.mjs', { BENCH_AUTH: auth });
  const gateways = {};
  const supergraphFile = path.join(tmpdir(), `maison-freshness-supergraph-${process.pid}.graphql`);
  let db;
  let rawConsumer;
  let rawProducer;
  const results = [];
  try {
    const { urls, databaseUrl, topicPrefix } = await services.first;
    db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const subgraphUrls = Object.fromEntries(
      Object.entries(urls).map(([name, url]) => [name, `${url}/graphql`]),
    );
    writeFileSync(supergraphFile, composeSupergraph(await fetchSubgraphs(subgraphUrls)));
    for (const engine of ['hive', 'apollo']) {
      gateways[engine] = child('gateway.mjs', {
        NODE_ENV: 'production',
        BENCH_AUTH: auth,
        BENCH_ENGINE: engine,
        BENCH_SUPERGRAPH: supergraphFile,
        BENCH_OPERATIONS: JSON.stringify(POLL_QUERIES),
      });
      gateways[engine].url = `${(await gateways[engine].first).url}/graphql`;
    }

    // Clients known to identity and to transactions' directory: one earlier sale each.
    const emails = Array.from({ length: CLIENTS }, (_, i) => `fresh.client.${i}@example.com`);
    for (let i = 0; i < CLIENTS; i += 500) {
      const res = await fetch(`${urls.transactions}/v1/transactions:batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: integration },
        body: JSON.stringify({
          records: emails
            .slice(i, i + 500)
            .map((e, j) => sale(e, `WARM/${i + j}`, '2026-06-02T11:00:00+02:00', i + j)),
        }),
      });
      if (res.status !== 202) throw new Error(`warm-up batch: ${res.status} ${await res.text()}`);
    }
    const registered = Date.now();
    let clients = [];
    for (;;) {
      const { rows } = await db.query(
        `SELECT source_transaction_id AS s, client_id FROM transactions.transactions
          WHERE source_transaction_id LIKE 'WARM/%' AND client_id IS NOT NULL`,
      );
      if (rows.length === CLIENTS) {
        clients = rows
          .map((r) => ({ i: Number(r.s.slice(5)), id: r.client_id }))
          .sort((a, b) => a.i - b.i)
          .map((c) => ({ id: c.id, email: emails[c.i] }));
        break;
      }
      if (Date.now() - registered > 300_000)
        throw new Error(`only ${rows.length} of ${CLIENTS} clients attributed`);
      await sleep(250);
    }
    console.log(`${CLIENTS} clients registered and attributed in ${Date.now() - registered} ms`);

    let offset = 0;
    const measure = async ({ engine, rate, count, label }) => {
      const gatewayUrl = gateways[engine].url;
      const pending = new Map(); // transactionId → sample
      const unseenInReadModel = new Map();
      const samples = [];
      const poll = { requests: 0, errors: 0, ms: 0 };
      let sending = true;
      let failure;
      const deadline = () => Date.now() + 60_000;
      let until = deadline();
      const poller = (async () => {
        while (sending || pending.size > 0) {
          if (Date.now() > until) {
            const inReadModel = [...pending.keys()].filter((id) => !unseenInReadModel.has(id));
            throw new Error(
              `${pending.size} sales never became visible through the gateway within 60 s ` +
                `(${inReadModel.length} of them are in the read model)`,
            );
          }
          if (pending.size === 0) {
            await sleep(1);
            continue;
          }
          const byClient = [...new Set([...pending.values()].map((p) => p.clientId))];
          const chunks = [];
          for (let i = 0; i < byClient.length; i += CHUNK)
            chunks.push(byClient.slice(i, i + CHUNK));
          await Promise.all(
            chunks.map(async (ids) => {
              const t = now();
              const res = await fetch(gatewayUrl, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: associate },
                body: JSON.stringify({
                  query: POLL_QUERIES[ids.length - 1],
                  variables: Object.fromEntries(ids.map((id, i) => [`c${i}`, id])),
                }),
              });
              const body = await res.json();
              const at = now();
              poll.requests++;
              poll.ms += at - t;
              if (res.status !== 200 || body.errors) {
                poll.errors++;
                if (poll.errors > 20) throw new Error(JSON.stringify(body).slice(0, 500));
                return;
              }
              ids.forEach((_, i) => {
                for (const edge of body.data?.[`c${i}`]?.transactions.edges ?? []) {
                  const p = pending.get(edge.node.id);
                  if (p === undefined) continue;
                  p.visible = at;
                  pending.delete(edge.node.id);
                  samples.push(p);
                }
              });
            }),
          );
        }
      })();
      // The read model itself, by SQL (diagnosis only: which part of the path the time is spent in).
      const probe = (async () => {
        while (sending || unseenInReadModel.size > 0) {
          if (Date.now() > until) return;
          if (unseenInReadModel.size === 0) {
            await sleep(1);
            continue;
          }
          const { rows } = await db.query(
            `SELECT transaction_id::text AS id FROM transactions.transactions
              WHERE transaction_id = ANY($1::uuid[]) AND client_id IS NOT NULL`,
            [[...unseenInReadModel.keys()]],
          );
          const at = now();
          for (const r of rows) {
            const p = unseenInReadModel.get(r.id);
            if (p) p.readModel = at;
            unseenInReadModel.delete(r.id);
          }
          await sleep(2);
        }
      })();
      const loadBefore = load1();
      let achieved;
      try {
        achieved = await fixedRate(count, rate, async (i) => {
          const client = clients[(offset + i) % clients.length];
          const submitted = now();
          const res = await fetch(`${urls.transactions}/v1/transactions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: integration },
            body: JSON.stringify(
              sale(client.email, `FRESH/${label}/${i}`, new Date().toISOString(), i),
            ),
          });
          const accepted = now();
          const body = await res.json();
          if (res.status !== 202) throw new Error(`POST: ${res.status} ${JSON.stringify(body)}`);
          const p = { id: body.transactionId, clientId: client.id, submitted, accepted };
          pending.set(p.id, p);
          unseenInReadModel.set(p.id, p);
        });
      } catch (error) {
        failure = error;
      } finally {
        sending = false;
        until = deadline();
      }
      offset += count;
      await Promise.all([poller, probe]);
      if (failure) throw failure;
      // When the ingest consumer decided each sale (the event's recordedAt).
      const { rows } = await db.query(
        `SELECT substr(stream_id, 14) AS id, recorded_at_text AS at FROM transactions_events.events
          WHERE type = 'TransactionRecorded' AND stream_id = ANY($1::text[])`,
        [samples.map((s) => `transactions-${s.id}`)],
      );
      const decided = new Map(rows.map((r) => [r.id, Date.parse(r.at)]));
      const d = (a, b) => samples.map((s) => Math.max(0, (b(s) ?? NaN) - (a(s) ?? NaN)));
      return {
        engine,
        rate,
        count,
        achievedRate: Math.round(achieved * 10) / 10,
        loadavg1: loadBefore,
        acceptedToVisibleMs: percentiles(
          d(
            (s) => s.accepted,
            (s) => s.visible,
          ),
        ),
        submittedToVisibleMs: percentiles(
          d(
            (s) => s.submitted,
            (s) => s.visible,
          ),
        ),
        requestMs: percentiles(
          d(
            (s) => s.submitted,
            (s) => s.accepted,
          ),
        ),
        breakdown: {
          acceptedToDecidedMs: percentiles(
            d(
              (s) => s.accepted,
              (s) => decided.get(s.id),
            ),
          ),
          decidedToReadModelMs: percentiles(
            d(
              (s) => decided.get(s.id),
              (s) => s.readModel,
            ),
          ),
          readModelToGatewayMs: percentiles(
            d(
              (s) => s.readModel,
              (s) => s.visible,
            ),
          ),
        },
        poller: {
          requests: poll.requests,
          errors: poll.errors,
          meanRequestMs: Math.round((poll.ms / Math.max(1, poll.requests)) * 10) / 10,
        },
      };
    };

    // The raw baseline: kafkajs produce (idempotent, acks all, as the platform's producer) → consume.
    const kafka = new Kafka({
      clientId: 'freshness-bench',
      brokers: testEndpoints().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const rawTopic = `${topicPrefix}freshness.raw`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: rawTopic, numPartitions: 2 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const seen = new Map();
    rawConsumer = kafka.consumer({ groupId: `${topicPrefix}freshness-raw`, maxWaitTimeInMs: 10 });
    await rawConsumer.connect();
    await rawConsumer.subscribe({ topics: [rawTopic], fromBeginning: true });
    await rawConsumer.run({
      eachMessage: async ({ message }) => {
        seen.set(message.headers?.['raw-id']?.toString(), now());
      },
    });
    rawProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await rawProducer.connect();
    const payload = JSON.stringify(sale(emails[0], 'RAW/0000000', new Date().toISOString(), 0));
    const rawHop = async (rate, count) => {
      const sent = new Map();
      await fixedRate(count, rate, async (i) => {
        const id = randomUUID();
        sent.set(id, now());
        await rawProducer.send({
          topic: rawTopic,
          acks: -1,
          messages: [{ key: `k-${i}`, value: payload, headers: { 'raw-id': id } }],
        });
      });
      const end = Date.now() + 60_000;
      while ([...sent.keys()].some((id) => !seen.has(id)) && Date.now() < end) await sleep(10);
      return percentiles([...sent].map(([id, t]) => (seen.get(id) ?? NaN) - t));
    };

    for (const engine of ['hive', 'apollo'])
      await measure({ engine, rate: 10, count: 30, label: `warmup-${engine}` });
    await rawHop(20, 40);
    for (const [n, rate] of rates.entries()) {
      const count = Math.max(100, Math.round(rate * DURATION));
      const engines = n % 2 === 0 ? ['hive', 'apollo'] : ['apollo', 'hive'];
      const byEngine = {};
      for (const engine of engines) {
        const r = await measure({ engine, rate, count, label: `${engine}-${rate}` });
        byEngine[engine] = r;
        const b = r.breakdown;
        console.log(
          `${engine} @${rate}/s × ${count} (achieved ${r.achievedRate}/s, load ${r.loadavg1}): 202 → visible p50 ${r.acceptedToVisibleMs.p50} p95 ${r.acceptedToVisibleMs.p95} p99 ${r.acceptedToVisibleMs.p99} max ${r.acceptedToVisibleMs.max} ms; ` +
            `submitted → visible p99 ${r.submittedToVisibleMs.p99}; POST p50 ${r.requestMs.p50} p99 ${r.requestMs.p99}; ` +
            `202 → decided p50 ${b.acceptedToDecidedMs.p50}/p99 ${b.acceptedToDecidedMs.p99}, decided → read model p50 ${b.decidedToReadModelMs.p50}/p99 ${b.decidedToReadModelMs.p99}, ` +
            `read model → gateway p50 ${b.readModelToGatewayMs.p50}/p99 ${b.readModelToGatewayMs.p99} ms; ` +
            `poller ${r.poller.requests} requests (mean ${r.poller.meanRequestMs} ms, errors ${r.poller.errors})`,
        );
      }
      const raw = await rawHop(rate, count);
      console.log(
        `raw Kafka hop @${rate}/s × ${count}: p50 ${raw.p50} p95 ${raw.p95} p99 ${raw.p99} max ${raw.max} ms`,
      );
      results.push({
        rate,
        count,
        hive: byEngine.hive,
        apollo: byEngine.apollo,
        rawKafkaHopMs: raw,
      });
    }
  } finally {
    await rawConsumer?.disconnect().catch(() => undefined);
    await rawProducer?.disconnect().catch(() => undefined);
    await db?.end().catch(() => undefined);
    for (const g of Object.values(gateways)) await g.stop();
    await services.stop();
    rmSync(supergraphFile, { force: true });
  }
  const top = results.at(-1);
  const ratio = (r) => Math.round((r.acceptedToVisibleMs.p99 / top.rawKafkaHopMs.p99) * 10) / 10;
  const met = (r) => (r.acceptedToVisibleMs.p99 <= TARGET_P99_MS ? 'met' : 'missed');
  return {
    summary:
      `freshness: POS 202 → gateway client view p99 ${top.hive.acceptedToVisibleMs.p99} ms (hive, p50 ${top.hive.acceptedToVisibleMs.p50}) / ` +
      `${top.apollo.acceptedToVisibleMs.p99} ms (apollo, p50 ${top.apollo.acceptedToVisibleMs.p50}) at ${top.rate} tx/s ` +
      `= ${ratio(top.hive)} × / ${ratio(top.apollo)} × raw Kafka produce→consume hop p99 (${top.rawKafkaHopMs.p99} ms); ` +
      `target p99 ≤ ${TARGET_P99_MS} ms at 1,000 tx/s: ${met(top.hive)} at ${top.rate} tx/s (hive)`,
    results: {
      rates,
      durationSeconds: DURATION,
      clients: CLIENTS,
      pollChunk: CHUNK,
      targetP99Ms: TARGET_P99_MS,
      runs: results,
    },
  };
}
