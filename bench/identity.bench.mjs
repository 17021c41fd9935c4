// Identity: identify throughput and the backfill resolution rate, against raw PostgreSQL upserts
// of the same identifier → client rows, in the same run, on a fresh database that is dropped after.
//
// - identify (REST): `POST /v1/identify` over HTTP with 16 callers in parallel — new clients (every
//   call a new e-mail: claim, registration, link, record, per-client key) and known clients (the
//   same calls again: read, match, record). Baseline: the same number of calls as raw `pg`
//   `INSERT … ON CONFLICT DO NOTHING RETURNING` (+ `SELECT` on conflict) of an index → client row,
//   16 connections.
// - backfill: N historical records (sales and customer records of a synthetic house: ~N/4
//   clients, 1–3 identifiers per record, families sharing e-mails, shop-floor placeholders, a
//   shared desk address) resolved through identity's decision path (`IdentityService.resolve`,
//   what the Kafka consumers call) with 16 records in flight. Baseline: each record's identifiers
//   upserted raw (one multi-row `INSERT … ON CONFLICT` per record, 16 connections) — no rules, no
//   merges, no events, no encryption.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { createIdentityService } from '@maison/identity';
import { normaliseReferences, serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import { maskIdentifier, normaliseIdentifier } from '@maison/identifiers';

const CONCURRENCY = 16;
const IDENTIFY_CALLS = 2_000;

/** Deterministic PRNG (mulberry32): the same house every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A synthetic house's history: records of ~size/4 clients, mostly the best clients again. */
function house(size) {
  const random = prng(20261201);
  const clients = Math.max(1, Math.floor(size / 4));
  const scopes = ['cegid:fr', 'xstore:uk', 'lightspeed:ae'];
  const identity = (c) => {
    const refs = [{ type: 'email', value: `client${c}@example.com` }];
    if (c % 5 < 3) refs.push({ type: 'phone', value: `+336${String(10_000_000 + c).slice(-8)}` });
    if (c % 5 < 2) refs.push({ type: 'loyalty_id', value: `LX${String(c).padStart(8, '0')}` });
    if (c % 2 === 0) refs.push({ type: 'pos_customer', value: `C${c}`, scope: scopes[c % 3] });
    return refs;
  };
  const records = [];
  for (let i = 0; i < size; i++) {
    // 80/20: a fifth of the clients make most of the records
    const c =
      random() < 0.8
        ? Math.floor(random() * Math.max(1, clients / 5))
        : Math.floor(random() * clients);
    const all = identity(c);
    const take = 1 + Math.floor(random() * Math.min(3, all.length));
    const start = Math.floor(random() * all.length);
    const refs = Array.from({ length: take }, (_, k) => all[(start + k) % all.length]);
    const roll = random();
    if (roll < 0.02) refs.push({ type: 'email', value: 'noemail@maison-aurele.com' });
    else if (roll < 0.03) refs.push({ type: 'email', value: 'desk.paris@example.com' });
    else if (roll < 0.04)
      refs.push({ type: 'email', value: `family${Math.floor(c / 2)}@example.com` });
    records.push({ refs, storeId: `ST-${String(c % 40).padStart(2, '0')}` });
  }
  return records;
}

function references(privacy, raw) {
  const normalised = normaliseReferences(privacy, raw, 'FR');
  if (!normalised.ok) throw new Error(`bad synthetic identifier ${normalised.issue.reason}`);
  return normalised.references.map((r) => {
    const n = normaliseIdentifier({ type: r.type, value: r.value, scope: r.scope });
    return { ...r, masked: n.ok ? maskIdentifier(n.identifier) : '••••' };
  });
}

/** A line on stderr every 5% of a long run (rate so far and load), so an hour-long run shows it is alive. */
function progressLine(what) {
  const start = process.hrtime.bigint();
  let done = 0;
  return (total) => {
    done++;
    const step = Math.max(1, Math.floor(total / 20));
    if (total < 50_000 || done % step !== 0) return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const load = os.loadavg()[0].toFixed(1);
    process.stderr.write(
      `${what}: ${done}/${total} in ${seconds.toFixed(0)} s (${Math.round(done / seconds)}/s, load ${load})\n`,
    );
  };
}

/** Runs `count` tasks with `concurrency` in flight; returns seconds. */
async function pooled(count, concurrency, task) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await task(i);
      }
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function rawTable(url, name) {
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS bench_raw`);
  await pool.query(`DROP TABLE IF EXISTS bench_raw.${name}`);
  await pool.query(
    `CREATE TABLE bench_raw.${name} (identifier_index text PRIMARY KEY, client_id uuid NOT NULL)`,
  );
  return pool;
}

export async function run({ sizes } = {}) {
  const env = await createTestEnvironment({ transport: 'memory', logLevel: 'error' });
  const results = [];
  const ctx = env.contextFor('identity');
  const module = await createIdentityService(ctx);
  await module.start();
  const served = await serveModule(module, ctx);
  const url = env.database.pool?.options?.connectionString;
  try {
    // ---- identify over REST ----------------------------------------------------------------
    const authorization = await env.auth.authorization({ role: 'integration' });
    const call = (i) =>
      fetch(`${served.url}/v1/identify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({
          identifiers: [{ type: 'email', value: `bench.${i}@example.com` }],
          storeId: `ST-${i % 40}`,
          sourceSystem: 'bench',
        }),
      }).then(async (res) => {
        if (res.status >= 300) throw new Error(`identify answered ${res.status}`);
        await res.arrayBuffer();
      });
    const newSeconds = await pooled(IDENTIFY_CALLS, CONCURRENCY, call);
    const knownSeconds = await pooled(IDENTIFY_CALLS, CONCURRENCY, call);
    const indexes = Array.from(
      { length: IDENTIFY_CALLS },
      (_, i) =>
        references(env.privacy, [{ type: 'email', value: `bench.${i}@example.com` }])[0].index,
    );
    const raw = await rawTable(url, 'identify');
    const rawCall = async (i) => {
      const inserted = await raw.query(
        `INSERT INTO bench_raw.identify (identifier_index, client_id) VALUES ($1, $2)
         ON CONFLICT (identifier_index) DO NOTHING RETURNING client_id`,
        [indexes[i], randomUUID()],
      );
      if (inserted.rowCount === 0)
        await raw.query(`SELECT client_id FROM bench_raw.identify WHERE identifier_index = $1`, [
          indexes[i],
        ]);
    };
    const rawNewSeconds = await pooled(IDENTIFY_CALLS, CONCURRENCY, rawCall);
    const rawKnownSeconds = await pooled(IDENTIFY_CALLS, CONCURRENCY, rawCall);
    const identify = {
      calls: IDENTIFY_CALLS,
      concurrency: CONCURRENCY,
      newPerSecond: Math.round(IDENTIFY_CALLS / newSeconds),
      knownPerSecond: Math.round(IDENTIFY_CALLS / knownSeconds),
      rawNewPerSecond: Math.round(IDENTIFY_CALLS / rawNewSeconds),
      rawKnownPerSecond: Math.round(IDENTIFY_CALLS / rawKnownSeconds),
    };
    identify.newRatio = Number((rawNewSeconds / newSeconds).toFixed(3));
    identify.knownRatio = Number((rawKnownSeconds / knownSeconds).toFixed(3));
    results.push({ kind: 'identify', ...identify });
    console.log(
      `identify: new clients ${identify.newPerSecond}/s (raw ${identify.rawNewPerSecond}/s, ${identify.newRatio}×); ` +
        `known ${identify.knownPerSecond}/s (raw ${identify.rawKnownPerSecond}/s, ${identify.knownRatio}×)`,
    );
    await raw.end();

    // ---- backfill --------------------------------------------------------------------------
    for (const size of sizes ?? [100_000]) {
      const records = house(size);
      const prepared = records.map((r) => references(env.privacy, r.refs));
      const run = randomUUID().slice(0, 8);
      const progress = progressLine(`backfill ${size}`);
      const outcomes = {};
      const seconds = await pooled(size, CONCURRENCY, async (i) => {
        const result = await module.identity.resolve(
          {
            trigger: `bench:${run}:${i}`,
            references: prepared[i],
            sourceSystem: 'pos.cegid',
            storeId: records[i].storeId,
            region: 'EU',
            occurredAt: '2025-06-01T10:00:00+02:00',
          },
          { actor: 'backfill', correlationId: `bench-${run}`, causationId: null },
        );
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        progress(size);
      });
      const rawPool = await rawTable(url, `backfill_${size}`);
      const clientOf = new Map();
      const rawSeconds = await pooled(size, CONCURRENCY, async (i) => {
        const refs = prepared[i];
        const client = clientOf.get(refs[0].index) ?? randomUUID();
        const values = refs.map((_, k) => `($${k * 2 + 1}, $${k * 2 + 2})`).join(', ');
        await rawPool.query(
          `INSERT INTO bench_raw.backfill_${size} (identifier_index, client_id) VALUES ${values}
           ON CONFLICT (identifier_index) DO NOTHING`,
          refs.flatMap((r) => [r.index, client]),
        );
        for (const r of refs) clientOf.set(r.index, client);
      });
      await rawPool.end();
      const r = {
        kind: 'backfill',
        size,
        concurrency: CONCURRENCY,
        recordsPerSecond: Math.round(size / seconds),
        seconds: Number(seconds.toFixed(1)),
        rawRecordsPerSecond: Math.round(size / rawSeconds),
        ratio: Number((rawSeconds / seconds).toFixed(3)),
        outcomes,
      };
      results.push(r);
      console.log(
        `backfill ${size}: ${r.recordsPerSecond} records/s in ${r.seconds} s (raw upserts ${r.rawRecordsPerSecond}/s, ${r.ratio}×); ${JSON.stringify(outcomes)}`,
      );
    }
  } finally {
    await served.close();
    await module.stop();
    await env.cleanup();
  }
  const id = results.find((r) => r.kind === 'identify');
  const last = results.filter((r) => r.kind === 'backfill').at(-1);
  return {
    summary:
      `identity: identify ${id.newPerSecond} new/s, ${id.knownPerSecond} known/s over REST ` +
      `= ${id.newRatio}/${id.knownRatio} × raw pg upsert (${id.rawNewPerSecond}/${id.rawKnownPerSecond}/s); ` +
      (last
        ? `backfill ${last.size}: ${last.recordsPerSecond} records/s = ${last.ratio} × raw upserts (${last.rawRecordsPerSecond}/s)`
        : 'no backfill'),
    results,
  };
}
