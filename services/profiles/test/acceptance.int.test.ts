// Issue 6 acceptance on real Kafka and PostgreSQL: the service consumes its inputs from Kafka
// topics, publishes profiles.events.v1, and is queried over HTTP (GraphQL and REST).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientBookAssigned,
  TOPICS,
  newEventId,
  profileStream,
  type EventEnvelope,
} from '@maison/event-contracts';
import { openServiceEventStore } from '@maison/runtime';
import {
  ASSIGN,
  CLIENTS,
  MY_CLIENTS,
  NOTE,
  OCCASIONS,
  SEARCH,
  UPDATE,
  reps,
  type ClientJson,
} from './graphql.js';
import {
  collectTopic,
  eventually,
  identityEvents,
  startProfiles,
  testClock,
  type Profiles,
} from './harness.js';

const time = testClock('2026-03-01T12:00:00+01:00');
let p: Profiles;
let admin: string;
let parAssociate: string;

beforeAll(async () => {
  p = await startProfiles({ transport: 'kafka', clock: time.clock });
  admin = await p.auth({ role: 'admin' });
  parAssociate = await p.auth({ role: 'associate', associateId: 'par-a1', storeIds: ['PAR-01'] });
}, 60_000);
afterAll(() => p.close());

async function clients(...ids: string[]): Promise<ClientJson[]> {
  const r = await p.gql<{ _entities: ClientJson[] }>(CLIENTS, { reps: reps(...ids) }, admin);
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors));
  return r.data?._entities ?? [];
}

/** Ingests records and links their first e-mail to the client, as identity would. */
async function registerClient(
  clientId: string,
  email: string,
  record: Record<string, unknown>,
): Promise<void> {
  await p.ingest([{ customer: [{ type: 'email', value: email }], ...record }]);
  await p.publish('identity', [
    identityEvents.linked(clientId, { type: 'email', index: p.index('email', email) }),
  ]);
}

describe('merge then unmerge restores both profiles field by field', () => {
  const mergeId = newEventId();
  it('merges under survivorship and unmerges exactly', async () => {
    await registerClient('c-layla', 'layla.haddad@example.com', {
      sourceSystem: 'pos.cegid',
      sourceRecordId: 'PAR-C-1001',
      occurredAt: '2026-01-10T10:00:00+01:00',
      region: 'EU',
      storeId: 'PAR-01',
      fields: {
        name: { latin: { given: 'Layla', family: 'Haddad' } },
        sizes: { shoes: '39' },
        languages: ['ar', 'fr'],
      },
    });
    await registerClient('c-leila', 'leila.h@example.com', {
      sourceSystem: 'shopify',
      sourceRecordId: 'gid://shopify/Customer/77',
      occurredAt: '2026-02-01T10:00:00+00:00',
      region: 'EU',
      storeId: null,
      fields: {
        name: { latin: { given: 'Leila', family: 'Haddad' }, native: { full: 'ليلى حداد' } },
        sizes: { shoes: '39.5' },
        preferences: { colours: ['noir', 'or'] },
      },
    });
    await eventually(
      async () =>
        (await clients('c-layla', 'c-leila')).every((c) => c.profile?.displayName)
          ? true
          : undefined,
      {
        what: 'both profiles',
        timeoutMs: 30_000,
      },
    );
    // Hands-on work on both clients before the merge.
    expect(
      (await p.gql(ASSIGN, { id: 'c-layla', associate: 'par-a1', store: 'PAR-01' }, admin)).errors,
    ).toEqual([]);
    expect(
      (await p.gql(ASSIGN, { id: 'c-leila', associate: 'dxb-a1', store: 'DXB-01' }, admin)).errors,
    ).toEqual([]);
    expect(
      (
        await p.gql(
          UPDATE,
          {
            id: 'c-layla',
            input: { salutation: 'Mme', sizes: [{ category: 'ring', value: '52' }] },
          },
          parAssociate,
        )
      ).errors,
    ).toEqual([]);
    expect(
      (
        await p.gql(
          NOTE,
          { id: 'c-layla', text: 'Loves the Aurèle line.', visibility: 'STORE' },
          parAssociate,
        )
      ).errors,
    ).toEqual([]);
    expect(
      (
        await p.gql(
          NOTE,
          { id: 'c-leila', text: 'Gift wrapping, always.', visibility: 'BRAND' },
          admin,
        )
      ).errors,
    ).toEqual([]);
    const before = await eventually(async () => {
      const cs = await clients('c-layla', 'c-leila');
      return cs.every((c) => c.notes.length === 1) && cs[0]?.profile?.salutation === 'Mme'
        ? cs
        : undefined;
    });

    await p.publish('identity', [
      identityEvents.merged(
        'c-layla',
        ['c-leila'],
        [{ type: 'email', index: p.index('email', 'leila.h@example.com') }],
        mergeId,
      ),
    ]);
    const [merged, viaAlias] = await eventually(
      async () => {
        const cs = await clients('c-layla', 'c-leila');
        const native = (cs[0]?.profile?.name as { native: unknown } | undefined)?.native;
        return cs[0]?.clientBook?.secondary.length === 1 && cs[0].notes.length === 2 && native
          ? cs
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the merged profile' },
    );
    const profile = merged?.profile as Record<string, unknown>;
    // the POS name outranks the web shop's; the newer shoe size wins (most recent); colours come in
    expect(profile.name).toEqual({
      latin: { given: 'Layla', family: 'Haddad', full: null },
      native: { full: 'ليلى حداد', given: null, family: null },
    });
    expect(profile.sizes).toEqual([
      { category: 'ring', value: '52' },
      { category: 'shoes', value: '39.5' },
    ]);
    expect((profile.preferences as { colours: string[] }).colours).toEqual(['noir', 'or']);
    expect(profile.provenance).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'sizes.shoes',
          source: 'shopify',
          sourceKind: 'ECOMMERCE',
          rule: 'survivorship.most-recent',
        }),
      ]),
    );
    expect(merged?.clientBook).toEqual({
      primary: { associateId: 'par-a1', storeId: 'PAR-01' },
      secondary: [{ associateId: 'dxb-a1', storeId: 'DXB-01' }],
      stores: [],
    });
    // the merged id resolves to the survivor
    expect(viaAlias?.profile?.clientId).toBe('c-layla');
    const search = await p.gql<{ searchClients: { edges: { node: { id: string } }[] } }>(
      SEARCH,
      { q: 'haddad' },
      admin,
    );
    expect(search.data?.searchClients.edges.map((e) => e.node.id)).toEqual(['c-layla']);

    await p.publish('identity', [
      identityEvents.unmerged(
        'c-layla',
        'c-leila',
        [{ type: 'email', index: p.index('email', 'leila.h@example.com') }],
        mergeId,
      ),
    ]);
    const after = await eventually(
      async () => {
        const cs = await clients('c-layla', 'c-leila');
        return cs[1]?.profile?.clientId === 'c-leila' && cs[0]?.clientBook?.secondary.length === 0
          ? cs
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the unmerged profiles' },
    );
    expect(after).toEqual(before);
  }, 90_000);
});

describe('upcoming occasions across time zones and leap years', () => {
  it("counts the client's calendar day: Tokyo and Paris birthdays seen from Paris, 29 February in 2027 and 2028", async () => {
    const tyo = await p.auth({ role: 'associate', associateId: 'occ-a1', storeIds: ['PAR-01'] });
    const born = (id: string, day: number, month: number, timeZone: string, year?: number) =>
      p.gql(
        UPDATE,
        {
          id,
          input: {
            birthday: { day, month, ...(year ? { year } : {}) },
            timeZone,
            latinName: { full: id },
          },
        },
        admin,
      );
    for (const id of [
      'o-tokyo-29',
      'o-paris-29',
      'o-tokyo-28',
      'o-tokyo-27',
      'o-paris-27',
      'o-tokyo-mar6',
    ])
      expect(
        (await p.gql(ASSIGN, { id, associate: 'occ-a1', store: 'PAR-01' }, admin)).errors,
      ).toEqual([]);
    expect((await born('o-tokyo-29', 29, 2, 'Asia/Tokyo', 2000)).errors).toEqual([]);
    expect((await born('o-paris-29', 29, 2, 'Europe/Paris')).errors).toEqual([]);
    expect((await born('o-tokyo-28', 28, 2, 'Asia/Tokyo')).errors).toEqual([]);
    expect((await born('o-tokyo-27', 27, 2, 'Asia/Tokyo')).errors).toEqual([]);
    expect((await born('o-paris-27', 27, 2, 'Europe/Paris')).errors).toEqual([]);
    expect((await born('o-tokyo-mar6', 6, 3, 'Asia/Tokyo')).errors).toEqual([]);

    // 27 February 2027, 22:30 in Paris = 28 February, 06:30 in Tokyo (2027 is not a leap year).
    time.set('2027-02-27T22:30:00+01:00');
    interface O {
      client: { id: string };
      date: string;
      startsAt: string;
      daysUntil: number;
      years: number | null;
      movedFromLeapDay: boolean;
    }
    const list = await eventually(
      async () => {
        const r = await p.gql<{ upcomingOccasions: O[] }>(OCCASIONS, { days: 7 }, tyo);
        return r.data?.upcomingOccasions.length === 5 ? r.data.upcomingOccasions : undefined;
      },
      { what: 'five occasions' },
    );
    expect(
      list.map((o) => [o.client.id, o.date, o.daysUntil, o.startsAt, o.movedFromLeapDay]),
    ).toEqual([
      // sorted by when the day starts: Tokyo's 28 Feb began at 16:00 Paris time on the 27th
      ['o-paris-27', '2027-02-27', 0, '2027-02-27T00:00:00+01:00', false],
      ['o-tokyo-28', '2027-02-28', 0, '2027-02-28T00:00:00+09:00', false],
      ['o-tokyo-29', '2027-02-28', 0, '2027-02-28T00:00:00+09:00', true],
      ['o-paris-29', '2027-02-28', 1, '2027-02-28T00:00:00+01:00', true],
      ['o-tokyo-mar6', '2027-03-06', 6, '2027-03-06T00:00:00+09:00', false],
    ]);
    // the Tokyo client born 27 February already had this year's birthday on their calendar
    expect(list.find((o) => o.client.id === 'o-tokyo-27')).toBeUndefined();
    expect(list.find((o) => o.client.id === 'o-tokyo-29')?.years).toBe(27);

    // In a leap year the day itself.
    time.set('2028-02-28T12:00:00+01:00');
    const leap = await p.gql<{ upcomingOccasions: O[] }>(OCCASIONS, { days: 2 }, tyo);
    expect(
      leap.data?.upcomingOccasions
        .filter((o) => o.client.id.endsWith('-29'))
        .map((o) => [o.client.id, o.date, o.movedFromLeapDay]),
    ).toEqual([
      ['o-tokyo-29', '2028-02-29', false],
      ['o-paris-29', '2028-02-29', false],
    ]);
    time.set('2026-03-01T12:00:00+01:00');
  }, 60_000);
});

describe('reassigning 10,000 clients from a departing associate', () => {
  const N = 10_000;
  it('is one request, completes, and is audited per client', async () => {
    const published = await collectTopic(p, TOPICS.profilesEvents.name);
    // Given: 10,000 clients in lon-leaving's book (9,000 primary, 1,000 secondary).
    const seed = await openServiceEventStore(p.ctx);
    const ids = Array.from({ length: N }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
    const assigned = (clientId: string, i: number): EventEnvelope => {
      const id = newEventId();
      const secondary = i % 10 === 9;
      return {
        id,
        type: ClientBookAssigned.type,
        schemaVersion: 1,
        streamId: profileStream(clientId),
        subjectId: clientId,
        occurredAt: '2025-06-01T10:00:00+01:00',
        recordedAt: '2025-06-01T09:00:00Z',
        region: 'UK',
        source: { system: 'profiles', actor: 'lon-manager' },
        correlationId: id,
        causationId: null,
        data: {
          clientId,
          role: secondary ? 'secondary' : 'primary',
          associateId: 'lon-leaving',
          storeId: 'LON-01',
          previousAssociateId: null,
          assignedBy: 'lon-manager',
          policy: null,
          since: '2025-06-01T10:00:00+01:00',
        },
      };
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < N; i = next++) {
          const clientId = ids[i] ?? '';
          await seed.store.append(profileStream(clientId), [assigned(clientId, i)]);
        }
      }),
    );
    const manager = await p.auth({ role: 'store_manager', storeIds: ['LON-01'] });
    const tSeed = Date.now();
    const leaving = await p.auth({
      role: 'associate',
      associateId: 'lon-leaving',
      storeIds: ['LON-02'],
    });
    if (process.env.DEBUG_TEST) {
      await eventually(
        async () => {
          const r = await p.rest('GET', '/v1/clienteling/my-clients?first=1', undefined, leaving);
          return (r.body.clients as unknown[]).length > 0 ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
      process.stderr.write(`first visible +${String(Date.now() - tSeed)}\n`);
    }

    const t0 = Date.now();
    const log = (m: string) => {
      if (process.env.DEBUG_TEST) process.stderr.write(`${m} +${String(Date.now() - t0)}ms\n`);
    };
    log('seeded');
    // When: one request.
    const res = await p.rest(
      'POST',
      '/v1/client-book/reassignments',
      {
        fromAssociateId: 'lon-leaving',
        toAssociateId: 'lon-a2',
        toStoreId: 'LON-01',
        reason: 'lon-leaving left the house',
      },
      manager,
    );
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    expect(res.headers.get('location')).toBe(`/v1/client-book/reassignments/${id}`);

    // Then: it completes…
    const done = await eventually(
      async () => {
        const r = await p.rest('GET', `/v1/client-book/reassignments/${id}`, undefined, manager);
        return r.body.status === 'completed' ? r.body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'the reassignment' },
    );
    log('completed');
    expect(done).toMatchObject({
      total: N,
      moved: N,
      skipped: 0,
      fromAssociateId: 'lon-leaving',
      toAssociateId: 'lon-a2',
    });

    // …every client is in the new book and none in the old…
    const leaver = await p.auth({
      role: 'associate',
      associateId: 'lon-leaving',
      storeIds: ['LON-02'],
    });
    const successor = await p.auth({
      role: 'associate',
      associateId: 'lon-a2',
      storeIds: ['LON-01'],
    });
    await eventually(
      async () => {
        const r = await p.gql<{ myClients: { edges: unknown[] } }>(
          MY_CLIENTS,
          { first: 5 },
          leaver,
        );
        return r.data?.myClients.edges.length === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'the old book emptied' },
    );
    const book = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const r: {
        data: {
          myClients: {
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        } | null;
      } = await p.gql(MY_CLIENTS, { first: 100, after }, successor).then((x) => x as never);
      for (const e of r.data?.myClients.edges ?? []) book.add(e.node.id);
      if (!r.data?.myClients.pageInfo.hasNextPage) break;
      after = r.data.myClients.pageInfo.endCursor;
    }
    log('paged');
    expect(book.size).toBe(N);

    // …and audited: one ClientBookAssigned per client on profiles.events.v1, citing the request.
    const mineOf = () =>
      published.messages.filter(
        (m) =>
          m.event.type === 'ClientBookAssigned' &&
          (m.event.data as { reassignmentId?: string }).reassignmentId === id,
      );
    const audit = await eventually(
      () => {
        const mine = mineOf();
        return mine.length >= N &&
          published.messages.some((m) => m.event.type === 'ClientBookReassignmentCompleted')
          ? mine
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the audit trail on Kafka' },
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)} (${String(published.messages.length)} messages, ${String(mineOf().length)} of this reassignment)`,
      );
    });
    log(`audit ${String(published.messages.length)}`);
    await published.stop();
    expect(new Set(audit.map((m) => m.event.subjectId)).size).toBe(N);
    const primary = audit.find((m) => m.event.subjectId === 'bulk-00000');
    expect(primary?.key).toBe('bulk-00000');
    expect(primary?.event.data).toMatchObject({
      role: 'primary',
      associateId: 'lon-a2',
      previousAssociateId: 'lon-leaving',
      assignedBy: done.requestedBy,
      policy: { id: 'client-book.reassignment', version: '1' },
      reason: 'lon-leaving left the house',
    });
    const history = await p.rest(
      'GET',
      '/v1/clients/bulk-00009/client-book/history',
      undefined,
      manager,
    );
    expect(
      (
        history.body.history as {
          change: string;
          associateId: string;
          reassignmentId: string | null;
        }[]
      ).map((h) => [h.change, h.associateId, h.reassignmentId]),
    ).toEqual([
      ['assigned', 'lon-a2', id],
      ['unassigned', 'lon-leaving', id],
      ['assigned', 'lon-leaving', null],
    ]);
  }, 240_000);
});

describe('names in every script', () => {
  const names = [
    {
      id: 'n-zh',
      native: { family: '王', given: '芳' },
      latin: { family: 'Wang', given: 'Fang' },
      finds: ['王芳', '芳', 'wang fang', 'WANG'],
    },
    {
      id: 'n-ar',
      native: { full: 'مُحَمَّد الأحمد' },
      latin: { full: 'Mohammed Al-Ahmad' },
      finds: ['محمد', 'الاحمد', 'mohammed', 'al-ahmad'],
    },
    {
      id: 'n-ko',
      native: { family: '김', given: '민준' },
      latin: { family: 'Kim', given: 'Min-jun' },
      finds: ['김민준', '민준', 'minjun', 'kim min'],
    },
    {
      id: 'n-ja',
      native: { family: '山田', given: '花子' },
      latin: { family: 'Yamada', given: 'Hanako' },
      finds: ['山田花子', '花子', 'ｙａｍａｄａ', 'hanako'],
    },
    {
      id: 'n-ru',
      native: { family: 'Соколова', given: 'Алёна' },
      latin: { family: 'Sokolova', given: 'Alyona' },
      finds: ['алена', 'Алёна', 'соколова', 'sokolova'],
    },
    {
      id: 'n-fr',
      native: { full: 'Françoise Dupré' },
      latin: { full: 'Francoise Dupre' },
      finds: ['françoise', 'francoise', 'Dupre\u0301', 'DUPRÉ'],
    },
  ];

  it('round-trip through Kafka ingest and are found in native and transliterated forms', async () => {
    for (const [i, n] of names.entries())
      await registerClient(n.id, `${n.id}@example.com`, {
        sourceSystem: 'loyalty.aurele',
        sourceRecordId: `L-${String(i)}`,
        occurredAt: '2026-02-20T10:00:00+01:00',
        region: 'EU',
        storeId: 'PAR-01',
        fields: { name: { native: n.native, latin: n.latin } },
      });
    const all = await eventually(
      async () => {
        const cs = await clients(...names.map((n) => n.id));
        return cs.every((c) => c.profile?.displayName) ? cs : undefined;
      },
      { timeoutMs: 30_000, what: 'the named profiles' },
    );
    for (const [i, n] of names.entries()) {
      const name = all[i]?.profile?.name as {
        native: Record<string, string | null>;
        latin: Record<string, string | null>;
      };
      const nulls = { given: null, family: null, full: null };
      expect(name).toEqual({ native: { ...nulls, ...n.native }, latin: { ...nulls, ...n.latin } });
      for (const q of n.finds) {
        const r = await p.gql<{ searchClients: { edges: { node: { id: string } }[] } }>(
          SEARCH,
          { q },
          parAssociate,
        );
        expect([q, r.data?.searchClients.edges.map((e) => e.node.id)]).toEqual([q, [n.id]]);
      }
    }
  }, 60_000);
});
