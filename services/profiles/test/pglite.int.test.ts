// The same service on PGlite (the embedded mode of `npm start`): the SQL of search, paging, the
// set-based projection, record attribution locks, reassignments and clienteling queries must run
// there unchanged — no extension, the same results.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ASSIGN, MY_CLIENTS, OCCASIONS, SEARCH, UPDATE } from './graphql.js';
import {
  attributed,
  eventually,
  identityEvents,
  startProfiles,
  testClock,
  type Profiles,
} from './harness.js';

const time = testClock('2026-03-09T22:30:00+01:00');
let p: Profiles;
let admin: string;

beforeAll(async () => {
  p = await startProfiles({ transport: 'memory', database: 'pglite', clock: time.clock });
  admin = await p.auth({ role: 'admin' });
}, 60_000);
afterAll(() => p.close());

describe('on PGlite', () => {
  it('finds names in six scripts by native and Latin forms', async () => {
    const integration = await p.auth({ role: 'integration' });
    const names = [
      ['g-zh', { family: '王', given: '芳' }, { full: 'Wang Fang' }, ['芳', 'wangfang']],
      ['g-ar', { full: 'مُحَمَّد' }, { full: 'Mohammed' }, ['محمد', 'MOHAMMED']],
      ['g-ko', { full: '김민준' }, { full: 'Kim Min-jun' }, ['민준', 'min-jun']],
      ['g-ja', { family: '山田', given: '花子' }, { full: 'Yamada Hanako' }, ['花子', 'yamada']],
      ['g-ru', { full: 'Алёна Соколова' }, { full: 'Alyona Sokolova' }, ['алена', 'sokolova']],
      ['g-fr', { full: 'Noe\u0308l Bénard' }, { full: 'Noel Benard' }, ['noël', 'BENARD']],
    ] as const;
    for (const [id, native, latin] of names) {
      const res = await p.rest(
        'POST',
        '/v1/ingest/profiles',
        {
          sourceSystem: 'import.crm',
          sourceRecordId: id,
          occurredAt: '2026-01-01T00:00:00Z',
          region: 'EU',
          storeId: 'PAR-01',
          customer: [{ type: 'loyalty_id', value: `LX-${id}` }],
          fields: { name: { native, latin } },
        },
        integration,
      );
      expect(res.status).toBe(202);
      await p.publish('identity', [
        identityEvents.linked(id, { type: 'loyalty_id', index: p.index('loyalty_id', `LX-${id}`) }),
      ]);
    }
    await eventually(
      async () => {
        const r = await p.gql<{ searchClients: { edges: unknown[] } }>(
          SEARCH,
          { q: 'sokolova' },
          admin,
        );
        return r.data?.searchClients.edges.length === 1 ? true : undefined;
      },
      { timeoutMs: 20_000, what: 'the profiles' },
    );
    for (const [id, , , queries] of names)
      for (const q of queries) {
        const r = await p.gql<{ searchClients: { edges: { node: { id: string } }[] } }>(
          SEARCH,
          { q },
          admin,
        );
        expect([q, r.data?.searchClients.edges.map((e) => e.node.id)]).toEqual([q, [id]]);
      }
    const r = await p.gql<{
      searchClients: { edges: { node: { profile: { name: { native: { full: string } } } } }[] };
    }>(SEARCH, { q: 'noel' }, admin);
    // stored as written, in NFC
    expect(r.data?.searchClients.edges[0]?.node.profile.name.native.full).toBe(
      'Noël Bénard'.normalize('NFC'),
    );
  }, 60_000);

  it('reassigns a book and answers the clienteling queries', async () => {
    for (const i of [1, 2, 3]) {
      expect(
        (
          await p.gql(
            ASSIGN,
            { id: `b-${String(i)}`, associate: 'par-old', store: 'PAR-01' },
            admin,
          )
        ).errors,
      ).toEqual([]);
      expect(
        (
          await p.gql(
            UPDATE,
            {
              id: `b-${String(i)}`,
              input: { birthday: { day: 10, month: 3 }, timeZone: 'Asia/Tokyo' },
            },
            admin,
          )
        ).errors,
      ).toEqual([]);
    }
    const manager = await p.auth({ role: 'store_manager', storeIds: ['PAR-01'] });
    const res = await p.rest(
      'POST',
      '/v1/client-book/reassignments',
      { fromAssociateId: 'par-old', toAssociateId: 'par-new', toStoreId: 'PAR-01', reason: 'left' },
      manager,
    );
    expect(res.status).toBe(202);
    const done = await eventually(
      async () => {
        const r = await p.rest(
          'GET',
          `/v1/client-book/reassignments/${String(res.body.id)}`,
          undefined,
          manager,
        );
        return r.body.status === 'completed' ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: 'the reassignment' },
    );
    expect(done).toMatchObject({ total: 3, moved: 3 });
    const successor = await p.auth({
      role: 'associate',
      associateId: 'par-new',
      storeIds: ['PAR-01'],
    });
    await eventually(async () => {
      const r = await p.gql<{ myClients: { edges: unknown[] } }>(
        MY_CLIENTS,
        { first: 10 },
        successor,
      );
      return r.data?.myClients.edges.length === 3 ? true : undefined;
    });
    // 9 March 22:30 in Paris is 10 March in Tokyo: the birthdays are today on the clients' calendar
    const occasions = await p.gql<{ upcomingOccasions: { daysUntil: number; date: string }[] }>(
      OCCASIONS,
      { days: 1 },
      successor,
    );
    expect(occasions.data?.upcomingOccasions.map((o) => [o.date, o.daysUntil])).toEqual([
      ['2026-03-10', 0],
      ['2026-03-10', 0],
      ['2026-03-10', 0],
    ]);
    await p.publish('transactions', [
      attributed({
        clientId: 'b-1',
        occurredAt: '2025-01-05T12:00:00+01:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-old',
        amountMinor: 5000,
      }),
      attributed({
        clientId: 'b-2',
        occurredAt: '2026-03-01T12:00:00+09:00',
        storeId: 'TYO-01',
        region: 'JP',
        associateId: 'tyo-a1',
        amountMinor: 5000,
      }),
    ]);
    const lapsed = await eventually(async () => {
      const r = await p.rest('GET', '/v1/clienteling/lapsed?days=90', undefined, successor);
      return (r.body.clients as unknown[]).length === 1
        ? (r.body.clients as { clientId: string }[])
        : undefined;
    });
    expect(lapsed.map((c) => c.clientId)).toEqual(['b-1']);
    const tokyo = await p.auth({ role: 'store_manager', storeIds: ['TYO-01'] });
    const visiting = await p.rest('GET', '/v1/clienteling/visiting?days=30', undefined, tokyo);
    // b-2 has no home region or store: it lives in this deployment's region (EU)
    expect(visiting.body.clients).toEqual([
      {
        clientId: 'b-2',
        homeRegion: 'EU',
        visitedRegion: 'JP',
        storeId: 'TYO-01',
        lastVisitAt: '2026-03-01T12:00:00+09:00',
      },
    ]);
  }, 60_000);
});
