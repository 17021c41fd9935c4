// Profiles: the clienteling book query and the bulk reassignment, on real PostgreSQL, each against a
// raw baseline in the same run.
//
// 1. Book query: an associate's book of N named clients (seeded as events, projected by the
//    service). Our path: `myClients(first: 50, search)` over HTTP GraphQL with a real bearer token
//    (verification, scope filter in SQL, name search, paging, Client entities), sequential, p50/p99.
//    Baseline: the same page as one raw `pg` query on the read model (no HTTP, no auth, no GraphQL).
// 2. Bulk reassignment: one `POST /v1/client-book/reassignments` moving the N clients of a departing
//    associate; timed from the request until every client shows in the successor's book (worker:
//    decider per client; projector: set-based pages). Baseline: the same number of single-event
//    appends to the same store (one per client stream, same concurrency), the floor of any
//    event-sourced per-client reassignment.
import {
  ClientBookAssigned,
  ProfileUpdated,
  newEventId,
  profileStream,
} from '@maison/event-contracts';
import { openServiceEventStore, serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import { createProfilesService } from '@maison/profiles';

const GIVEN = [
  'Fang',
  'Layla',
  'Min-jun',
  'Hanako',
  'Alyona',
  'Françoise',
  'Noura',
  'Camille',
  'Chloé',
  'Mohammed',
];
const FAMILY = [
  'Wang',
  'Haddad',
  'Kim',
  'Yamada',
  'Sokolova',
  'Dupré',
  'Al Falasi',
  'Laurent',
  'Moreau',
  'Al-Ahmad',
];
const NATIVE = [
  '王芳',
  'ليلى حداد',
  '김민준',
  '山田花子',
  'Алёна Соколова',
  'Françoise Dupré',
  'نورة',
  'Camille Laurent',
  'Chloé Moreau',
  'محمد',
];

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const ms = (x) => Number(x.toFixed(2));

function envelope(type, clientId, data) {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId: profileStream(clientId),
    subjectId: clientId,
    occurredAt: '2026-01-01T10:00:00+01:00',
    recordedAt: '2026-01-01T09:00:00Z',
    region: 'EU',
    source: { system: 'profiles', actor: 'bench' },
    correlationId: id,
    causationId: null,
    data,
  };
}

async function parallel(items, lanes, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i], i);
    }),
  );
}

async function waitFor(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function oneSize(size) {
  const env = await createTestEnvironment({ transport: 'memory', logLevel: 'error' });
  const ctx = env.contextFor('profiles');
  const module = await createProfilesService(ctx);
  await module.start();
  const served = await serveModule(module, ctx);
  const seed = await openServiceEventStore(ctx);
  try {
    const run = newEventId().slice(0, 8);
    const ids = Array.from(
      { length: size },
      (_, i) => `bench-${run}-${String(i).padStart(6, '0')}`,
    );
    const seedStart = process.hrtime.bigint();
    await parallel(ids, 16, async (clientId, i) => {
      await seed.store.append(profileStream(clientId), [
        envelope(ClientBookAssigned.type, clientId, {
          clientId,
          role: 'primary',
          associateId: 'par-leaving',
          storeId: 'PAR-01',
          previousAssociateId: null,
          assignedBy: 'bench',
          policy: null,
          since: '2026-01-01T10:00:00+01:00',
        }),
        envelope(ProfileUpdated.type, clientId, {
          clientId,
          changes: [
            {
              field: 'name.latin',
              value: { given: GIVEN[i % 10], family: `${FAMILY[(i * 7) % 10]}${String(i % 97)}` },
              source: 'pos.cegid',
              policy: { id: 'survivorship.first-value', version: '2026-03' },
              reason: 'bench',
              sourceKind: 'pos',
            },
            {
              field: 'name.native',
              value: { full: NATIVE[i % 10] },
              source: 'pos.cegid',
              policy: { id: 'survivorship.first-value', version: '2026-03' },
              reason: 'bench',
              sourceKind: 'pos',
            },
          ],
        }),
      ]);
    });
    const seedAppendSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
    await waitFor(
      async () => {
        const rows = await env.database.query(
          "SELECT count(*)::int AS n FROM profiles.book_assignments WHERE associate_id = 'par-leaving'",
        );
        return rows[0].n === size;
      },
      300_000,
      'the seed projected',
    );
    const seedProjectedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;

    // 1. Book query.
    const auth = await env.auth.authorization({
      role: 'associate',
      associateId: 'par-leaving',
      storeIds: ['PAR-01'],
    });
    const query = `query ($first: Int, $search: String) { myClients(first: $first, search: $search) {
      edges { node { id profile { displayName } } } pageInfo { hasNextPage endCursor } } }`;
    const searches = [undefined, 'wang', 'hadd', '芳', 'min-jun', 'соколова'];
    const ours = [];
    const rounds = 200;
    for (let i = 0; i < rounds; i++) {
      const search = searches[i % searches.length];
      const t = process.hrtime.bigint();
      const res = await fetch(`${served.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ query, variables: { first: 50, ...(search ? { search } : {}) } }),
      });
      const body = await res.json();
      if (!body.data?.myClients) throw new Error(JSON.stringify(body.errors));
      ours.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const raw = [];
    for (let i = 0; i < rounds; i++) {
      const t = process.hrtime.bigint();
      await env.database.query(
        `SELECT p.client_id, p.display_name FROM profiles.profiles p
          WHERE EXISTS (SELECT 1 FROM profiles.book_assignments b WHERE b.client_id = p.client_id AND b.associate_id = $1)
          ORDER BY p.sort_key, p.client_id LIMIT 51`,
        ['par-leaving'],
      );
      raw.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    // 2. Bulk reassignment.
    const manager = await env.auth.authorization({ role: 'store_manager', storeIds: ['PAR-01'] });
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${served.url}/v1/client-book/reassignments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: manager },
      body: JSON.stringify({
        fromAssociateId: 'par-leaving',
        toAssociateId: 'par-successor',
        toStoreId: 'PAR-01',
        reason: 'bench',
      }),
    });
    if (res.status !== 202) throw new Error(`reassignment answered ${res.status}`);
    const { id } = await res.json();
    await waitFor(
      async () => {
        const r = await fetch(`${served.url}/v1/client-book/reassignments/${id}`, {
          headers: { authorization: manager },
        });
        return (await r.json()).status === 'completed';
      },
      600_000,
      'the reassignment',
    );
    const completedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await waitFor(
      async () => {
        const rows = await env.database.query(
          "SELECT count(*)::int AS n FROM profiles.book_assignments WHERE associate_id = 'par-successor'",
        );
        return rows[0].n === size;
      },
      600_000,
      'the successor book',
    );
    const reassignSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const baselineIds = ids.map((c) => `${c}-raw`);
    const tb = process.hrtime.bigint();
    await parallel(baselineIds, 8, async (clientId) => {
      await seed.store.append(profileStream(clientId), [
        envelope(ClientBookAssigned.type, clientId, {
          clientId,
          role: 'primary',
          associateId: 'par-successor',
          storeId: 'PAR-01',
          previousAssociateId: 'par-leaving',
          assignedBy: 'bench',
          policy: { id: 'client-book.reassignment', version: '1' },
          since: '2026-01-01T10:00:00+01:00',
        }),
      ]);
    });
    const baselineSeconds = Number(process.hrtime.bigint() - tb) / 1e9;

    return {
      size,
      seedEvents: size * 2,
      seedAppendSeconds: ms(seedAppendSeconds),
      seedProjectedSeconds: ms(seedProjectedSeconds),
      projectionLagAfterLastAppendSeconds: ms(seedProjectedSeconds - seedAppendSeconds),
      bookQuery: {
        rounds,
        graphqlP50Ms: ms(percentile(ours, 50)),
        graphqlP99Ms: ms(percentile(ours, 99)),
        rawP50Ms: ms(percentile(raw, 50)),
        rawP99Ms: ms(percentile(raw, 99)),
        p50Ratio: ms(percentile(raw, 50) / percentile(ours, 50)),
      },
      reassignment: {
        clients: size,
        completedSeconds: ms(completedSeconds),
        inBookSeconds: ms(reassignSeconds),
        clientsPerSecond: Math.round(size / reassignSeconds),
        rawAppendsPerSecond: Math.round(size / baselineSeconds),
        ratio: ms(baselineSeconds / reassignSeconds),
      },
    };
  } finally {
    await seed.raw.close().catch(() => undefined);
    await served.close();
    await module.stop();
    await env.cleanup();
  }
}

export async function run({ sizes } = {}) {
  const results = [];
  for (const size of sizes ?? [1_000, 10_000]) {
    const r = await oneSize(size);
    results.push(r);
    console.log(
      `size ${size}: book page p50 ${r.bookQuery.graphqlP50Ms} ms / p99 ${r.bookQuery.graphqlP99Ms} ms over GraphQL vs raw SQL p50 ${r.bookQuery.rawP50Ms} ms; ` +
        `reassignment of ${size} clients in ${r.reassignment.inBookSeconds} s (${r.reassignment.clientsPerSecond}/s) vs raw appends ${r.reassignment.rawAppendsPerSecond}/s (${r.reassignment.ratio}×); ` +
        `seed of ${r.seedEvents} events appended in ${r.seedAppendSeconds} s, projected ${r.projectionLagAfterLastAppendSeconds} s after the last append`,
    );
  }
  const last = results.at(-1);
  return {
    results,
    summary:
      `profiles: reassigning ${last.size} clients in one request took ${last.reassignment.inBookSeconds} s = ${last.reassignment.ratio} × raw single-event appends (${last.reassignment.rawAppendsPerSecond}/s); ` +
      `book page p50 ${last.bookQuery.graphqlP50Ms} ms over GraphQL vs ${last.bookQuery.rawP50Ms} ms raw SQL`,
  };
}
