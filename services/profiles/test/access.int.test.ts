// Who sees what, survivorship through the API, clienteling queries and bad input — on PostgreSQL
// with the in-process bus (fast wiring; the Kafka path is covered by acceptance.int.test.ts).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ASSIGN, MY_CLIENTS, NOTE, SEARCH, UPDATE } from './graphql.js';
import { attributed, eventually, startProfiles, testClock, type Profiles } from './harness.js';

const time = testClock('2026-06-15T12:00:00+02:00');
let p: Profiles;
let admin: string;
let parA1: string; // PAR-01, owns the shared client
let parA2: string; // PAR-01, not in the book
let lonA1: string; // LON-01, secondary owner of the shared client
let parManager: string;
let lonManager: string;

const NOTES = `query ($id: ID!, $v: ProfileNoteVisibility) { _entities(representations: [{ __typename: "Client", id: $id }]) {
  ... on Client { notes(visibility: $v) { text visibility storeId authorId } } } }`;
const RESTRICTED = `query ($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) {
  ... on Client { profile { displayName birthday { day month year } vipFlags } } } }`;
const PROVENANCE = `query ($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) {
  ... on Client { profile { provenance { field sourceKind rule reason } } clientBook { history { change associateId by } } } } }`;
const DISPLAY = `query ($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) {
  ... on Client { profile { displayName sizes { category value } name { latin { full } } } } } }`;

type Gql = Awaited<ReturnType<Profiles['gql']>>;
const codes = (r: Gql) => r.errors.map((e) => e.extensions.code);

beforeAll(async () => {
  p = await startProfiles({ transport: 'memory', clock: time.clock });
  admin = await p.auth({ role: 'admin' });
  parA1 = await p.auth({ role: 'associate', associateId: 'par-a1', storeIds: ['PAR-01'] });
  parA2 = await p.auth({ role: 'associate', associateId: 'par-a2', storeIds: ['PAR-01'] });
  lonA1 = await p.auth({ role: 'associate', associateId: 'lon-a1', storeIds: ['LON-01'] });
  parManager = await p.auth({ role: 'store_manager', storeIds: ['PAR-01'] });
  lonManager = await p.auth({ role: 'store_manager', storeIds: ['LON-01'] });
  // A client shared by two boutiques: primary in Paris, secondary in London.
  expect(
    codes(await p.gql(ASSIGN, { id: 'shared', associate: 'par-a1', store: 'PAR-01' }, admin)),
  ).toEqual([]);
  expect(
    codes(
      await p.gql(
        ASSIGN,
        { id: 'shared', associate: 'lon-a1', store: 'LON-01', role: 'SECONDARY' },
        admin,
      ),
    ),
  ).toEqual([]);
  expect(
    codes(
      await p.gql(
        UPDATE,
        {
          id: 'shared',
          input: {
            latinName: { full: 'Camille Laurent' },
            birthday: { day: 2, month: 7, year: 1988 },
            vipFlags: ['vic'],
          },
        },
        parA1,
      ),
    ),
  ).toEqual([]);
  // the read models follow the store within milliseconds
  await eventually(async () => {
    const r = await p.gql<{ _entities: [{ profile: { displayName: string | null } | null }] }>(
      DISPLAY,
      { id: 'shared' },
      admin,
    );
    return r.data?._entities[0].profile?.displayName ? true : undefined;
  });
}, 60_000);
afterAll(() => p.close());

describe('authentication', () => {
  it('answers 401 for a bad token and UNAUTHENTICATED for anonymous callers', async () => {
    const bad = await p.gql(DISPLAY, { id: 'shared' }, 'Bearer not.a.jwt');
    expect(bad.status).toBe(401);
    expect(codes(bad)).toContain('UNAUTHENTICATED');
    expect(codes(await p.gql(DISPLAY, { id: 'shared' }))).toContain('UNAUTHENTICATED');
    const rest = await p.rest('GET', '/v1/clients/shared/profile');
    expect(rest.status).toBe(401);
    expect(rest.headers.get('www-authenticate')).toContain('Bearer');
    expect(rest.headers.get('content-type')).toContain('application/problem+json');
  });

  it('integration tokens ingest and read nothing; compliance reads no client file', async () => {
    const integration = await p.auth({ role: 'integration' });
    expect(codes(await p.gql(DISPLAY, { id: 'shared' }, integration))).toEqual(['FORBIDDEN']);
    expect((await p.rest('GET', '/v1/clients/shared/profile', undefined, integration)).status).toBe(
      403,
    );
    expect(codes(await p.gql(MY_CLIENTS, { first: 5 }, integration))).toEqual(['FORBIDDEN']);
    const compliance = await p.auth({ role: 'compliance' });
    expect(codes(await p.gql(SEARCH, { q: 'camille' }, compliance))).toEqual(['FORBIDDEN']);
    const ingest = await p.rest(
      'POST',
      '/v1/ingest/profiles',
      {
        sourceSystem: 'pos.cegid',
        sourceRecordId: 'C-REST-1',
        occurredAt: '2026-06-01T10:00:00+02:00',
        region: 'EU',
        storeId: 'PAR-01',
        customer: [{ type: 'email', value: 'rest@example.com' }],
        fields: {},
      },
      integration,
    );
    expect(ingest.status).toBe(202);
    expect(ingest.body.status).toBe('recorded');
    expect((await p.rest('POST', '/v1/ingest/profiles', { sourceSystem: 'x' }, parA1)).status).toBe(
      403,
    );
  });
});

describe('field and note visibility by role and store', () => {
  it('an associate outside the book reads standard fields but not restricted ones', async () => {
    const owner = await p.gql(RESTRICTED, { id: 'shared' }, parA1);
    expect(owner.errors).toEqual([]);
    expect(owner.data).toEqual({
      _entities: [
        {
          profile: {
            displayName: 'Camille Laurent',
            birthday: { day: 2, month: 7, year: 1988 },
            vipFlags: ['vic'],
          },
        },
      ],
    });
    const colleague = await p.gql<{
      _entities: [
        { profile: { displayName: string; birthday: { year: number | null } | null } | null },
      ];
    }>(RESTRICTED, { id: 'shared' }, parA2);
    expect(colleague.data?._entities[0].profile?.displayName).toBe('Camille Laurent');
    expect(colleague.errors.map((e) => [e.path?.join('.'), e.extensions.code])).toEqual(
      expect.arrayContaining([
        ['_entities.0.profile.birthday.year', 'FORBIDDEN'],
        ['_entities.0.profile.vipFlags', 'FORBIDDEN'],
      ]),
    );
    // another boutique's associate, not in the book: the client is out of scope
    const milan = await p.auth({ role: 'associate', associateId: 'mil-a1', storeIds: ['MIL-01'] });
    expect(codes(await p.gql(DISPLAY, { id: 'shared' }, milan))).toEqual(['FORBIDDEN']);
    const search = await p.gql<{ searchClients: { edges: unknown[] } }>(
      SEARCH,
      { q: 'camille' },
      milan,
    );
    expect(search.data?.searchClients.edges).toEqual([]);
    // provenance and ownership history are for managers
    expect(codes(await p.gql(PROVENANCE, { id: 'shared' }, parA1))).toEqual(
      expect.arrayContaining(['FORBIDDEN']),
    );
    const manager = await p.gql<{
      _entities: [
        {
          profile: { provenance: { field: string; rule: string }[] };
          clientBook: { history: unknown[] };
        },
      ];
    }>(PROVENANCE, { id: 'shared' }, parManager);
    expect(manager.errors).toEqual([]);
    expect(manager.data?._entities[0].profile.provenance).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'vipFlags', rule: 'survivorship.first-value' }),
      ]),
    );
    expect(manager.data?._entities[0].clientBook.history).toHaveLength(2);
  });

  it("an associate never sees another store's private or store notes", async () => {
    const note = (text: string, visibility: string, token: string) =>
      p.gql(NOTE, { id: 'shared', text, visibility }, token);
    expect(
      codes(await note('Paris private: prefers the salon upstairs.', 'PRIVATE', parA1)),
    ).toEqual([]);
    expect(
      codes(await note('Paris store: fitting booked for the wedding.', 'STORE', parA1)),
    ).toEqual([]);
    expect(codes(await note('Brand: collector of the Aurèle line.', 'BRAND', parA1))).toEqual([]);
    expect(codes(await note('London store: visits in July.', 'STORE', lonA1))).toEqual([]);
    const texts = async (token: string, v?: string) => {
      const r = await p.gql<{ _entities: [{ notes: { text: string }[] }] }>(
        NOTES,
        { id: 'shared', ...(v ? { v } : {}) },
        token,
      );
      expect(r.errors).toEqual([]);
      return (r.data?._entities[0].notes ?? []).map((n) => n.text.split(':')[0]).sort();
    };
    // a private note is its author's only: not even an admin reads it through the API
    await eventually(async () => ((await texts(admin)).length === 3 ? true : undefined), {
      what: 'the notes',
    });
    expect(await texts(admin)).toEqual(['Brand', 'London store', 'Paris store']);
    expect(await texts(parA1)).toEqual(['Brand', 'Paris private', 'Paris store']);
    expect(await texts(parA2)).toEqual(['Brand', 'Paris store']);
    expect(await texts(lonA1)).toEqual(['Brand', 'London store']);
    expect(await texts(parManager)).toEqual(['Brand', 'Paris store']);
    expect(await texts(lonManager)).toEqual(['Brand', 'London store']);
    expect(await texts(parA2, 'STORE')).toEqual(['Paris store']);
    // an associate cannot write a note as another store
    const r = await p.gql(
      `mutation { addProfileNote(clientId: "shared", text: "x", visibility: STORE, storeId: "LON-01") { id } }`,
      {},
      parA1,
    );
    expect(codes(r)).toEqual(['FORBIDDEN']);
  });
});

describe('survivorship through the API', () => {
  it('a newer POS record changes sizes (most recent) but not the associate-entered name; a steward value is locked', async () => {
    const integration = await p.auth({ role: 'integration' });
    const email = 'surv@example.com';
    const post = (occurredAt: string, fields: Record<string, unknown>, sourceRecordId = 'S-1') =>
      p.rest(
        'POST',
        '/v1/ingest/profiles',
        {
          sourceSystem: 'pos.cegid',
          sourceRecordId,
          occurredAt,
          region: 'EU',
          storeId: 'PAR-01',
          customer: [{ type: 'email', value: email }],
          fields,
        },
        integration,
      );
    expect(
      codes(await p.gql(ASSIGN, { id: 'surv', associate: 'par-a1', store: 'PAR-01' }, admin)),
    ).toEqual([]);
    expect(
      codes(
        await p.gql(
          UPDATE,
          {
            id: 'surv',
            input: {
              latinName: { full: 'Inès Moreau' },
              sizes: [{ category: 'shoes', value: '38' }],
            },
          },
          parA1,
        ),
      ),
    ).toEqual([]);
    await p.publish('identity', [
      (await import('./harness.js')).identityEvents.linked('surv', {
        type: 'email',
        index: p.index('email', email),
      }),
    ]);
    time.set('2026-06-20T12:00:00+02:00');
    expect(
      (
        await post('2026-06-20T11:00:00+02:00', {
          name: { latin: { full: 'I. MOREAU' } },
          sizes: { shoes: '38.5' },
        })
      ).status,
    ).toBe(202);
    const after = await eventually(async () => {
      const r = await p.gql<{
        _entities: [{ profile: { sizes: { value: string }[]; name: { latin: { full: string } } } }];
      }>(DISPLAY, { id: 'surv' }, parA1);
      return r.data?._entities[0].profile.sizes[0]?.value === '38.5'
        ? r.data._entities[0].profile
        : undefined;
    });
    expect(after.name.latin.full).toBe('Inès Moreau');
    // a steward (admin) sets the ring size: no source may overwrite it
    expect(
      codes(
        await p.gql(
          UPDATE,
          { id: 'surv', input: { sizes: [{ category: 'ring', value: '51' }] } },
          admin,
        ),
      ),
    ).toEqual([]);
    expect((await post('2026-06-21T11:00:00+02:00', { sizes: { ring: '54' } }, 'S-2')).status).toBe(
      202,
    );
    const locked = await p.gql(
      UPDATE,
      { id: 'surv', input: { sizes: [{ category: 'ring', value: '50' }] } },
      parA1,
    );
    expect(codes(locked)).toEqual(['CONFLICT']);
    expect(locked.errors[0]?.message).toContain('steward');
    await eventually(async () => {
      const r = await p.rest('GET', '/v1/clients/surv/profile', undefined, parManager);
      const ring = (r.body.provenance as { field: string; sourceKind: string }[] | undefined)?.find(
        (f) => f.field === 'sizes.ring',
      );
      return ring?.sourceKind === 'steward' ? true : undefined;
    });
    const rest = await p.rest('GET', '/v1/clients/surv/profile', undefined, parA1);
    expect(
      (rest.body.sizes as { category: string; value: string }[]).find((s) => s.category === 'ring')
        ?.value,
    ).toBe('51');
    expect(rest.body.hidden).toEqual(['provenance']);
  });
});

describe('clienteling queries', () => {
  it('lists lapsed clients and clients visiting from another region, from attributed transactions', async () => {
    time.set('2026-06-15T12:00:00+02:00');
    for (const [id, store] of [
      ['lapsed-1', 'PAR-01'],
      ['recent-1', 'PAR-01'],
    ] as const)
      expect(codes(await p.gql(ASSIGN, { id, associate: 'par-a1', store }, admin))).toEqual([]);
    await p.publish('transactions', [
      attributed({
        clientId: 'lapsed-1',
        occurredAt: '2025-10-01T15:00:00+02:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-a1',
        amountMinor: 120000,
      }),
      attributed({
        clientId: 'recent-1',
        occurredAt: '2026-06-10T15:00:00+02:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-a1',
        amountMinor: 90000,
      }),
      // a Dubai client buying in Paris, and a Tokyo client buying in London
      attributed({
        clientId: 'visitor-dxb',
        occurredAt: '2026-06-12T15:00:00+02:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-a2',
        amountMinor: 300000,
      }),
      attributed({
        clientId: 'visitor-tyo',
        occurredAt: '2026-06-12T12:00:00+01:00',
        storeId: 'LON-01',
        region: 'UK',
        associateId: 'lon-a1',
        amountMinor: 500000,
      }),
    ]);
    expect(
      codes(
        await p.gql(
          UPDATE,
          {
            id: 'visitor-dxb',
            input: { homeStoreId: 'DXB-01', latinName: { full: 'Noura Al Falasi' } },
          },
          admin,
        ),
      ),
    ).toEqual([]);
    expect(
      codes(await p.gql(UPDATE, { id: 'visitor-tyo', input: { homeRegion: 'JP' } }, admin)),
    ).toEqual([]);
    const lapsed = await eventually(async () => {
      const r = await p.rest('GET', '/v1/clienteling/lapsed?days=180', undefined, parA1);
      const list = r.body.clients as { clientId: string }[] | undefined;
      return list?.some((c) => c.clientId === 'lapsed-1') ? list : undefined;
    });
    expect(lapsed.map((c) => c.clientId)).toEqual(['lapsed-1']);
    expect(lapsed[0]).toMatchObject({ lastStoreId: 'PAR-01', daysSinceLastPurchase: 256 });
    const visiting = await eventually(async () => {
      const r = await p.rest('GET', '/v1/clienteling/visiting?days=30', undefined, parA2);
      const list = r.body.clients as { clientId: string }[] | undefined;
      return list?.length === 1 ? list : undefined;
    });
    expect(visiting).toEqual([
      {
        clientId: 'visitor-dxb',
        homeRegion: 'ME',
        visitedRegion: 'EU',
        storeId: 'PAR-01',
        lastVisitAt: '2026-06-12T15:00:00+02:00',
      },
    ]);
    // the visit puts the client in the store's scope: the associate who served them can read them
    const profile = await p.gql<{ _entities: [{ profile: { displayName: string } }] }>(
      DISPLAY,
      { id: 'visitor-dxb' },
      parA2,
    );
    expect(profile.data?._entities[0].profile.displayName).toBe('Noura Al Falasi');
    // the Tokyo client's home region and London sale reach the read model on their own pace
    const london = await eventually(async () => {
      const r = await p.rest('GET', '/v1/clienteling/visiting?days=30', undefined, lonManager);
      const list = r.body.clients as { clientId: string }[] | undefined;
      return list?.length ? list : undefined;
    });
    expect(london.map((c) => c.clientId)).toEqual(['visitor-tyo']);
  });

  it('pages an associate book by name, and refuses a forged cursor', async () => {
    for (const [i, name] of ['Zoé Abel', 'Yann Bardot', 'Xavier Colin'].entries()) {
      const id = `page-${String(i)}`;
      expect(
        codes(await p.gql(ASSIGN, { id, associate: 'page-a1', store: 'PAR-01' }, admin)),
      ).toEqual([]);
      expect(
        codes(
          await p.gql(
            UPDATE,
            { id, input: { latinName: { given: name.split(' ')[0], family: name.split(' ')[1] } } },
            admin,
          ),
        ),
      ).toEqual([]);
    }
    const me = await p.auth({ role: 'associate', associateId: 'page-a1', storeIds: ['PAR-01'] });
    interface Page {
      myClients: {
        edges: { cursor: string; node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }
    await eventually(async () =>
      (await p.gql<Page>(MY_CLIENTS, { first: 5, search: 'colin' }, me)).data?.myClients.edges
        .length === 1
        ? true
        : undefined,
    );
    const first = await p.gql<Page>(MY_CLIENTS, { first: 2 }, me);
    // sorted by family name: Abel, Bardot, Colin
    expect(first.data?.myClients.edges.map((e) => e.node.id)).toEqual(['page-0', 'page-1']);
    expect(first.data?.myClients.pageInfo.hasNextPage).toBe(true);
    const second = await p.gql<Page>(
      MY_CLIENTS,
      { first: 2, after: first.data?.myClients.pageInfo.endCursor },
      me,
    );
    expect(second.data?.myClients.edges.map((e) => e.node.id)).toEqual(['page-2']);
    expect(second.data?.myClients.pageInfo.hasNextPage).toBe(false);
    expect(codes(await p.gql(MY_CLIENTS, { first: 2, after: '%%%' }, me))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(codes(await p.gql(MY_CLIENTS, { first: 1000 }, me))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('bad input', () => {
  it('never yields a 500: REST bodies, query strings and GraphQL variables', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ['PATCH', '/v1/clients/shared/profile'],
          ['POST', '/v1/clients/shared/notes'],
          ['POST', '/v1/clients/shared/client-book/assignments'],
          ['POST', '/v1/client-book/reassignments'],
          ['POST', '/v1/ingest/profiles'],
        ),
        fc.oneof(fc.anything(), fc.record({ fields: fc.dictionary(fc.string(), fc.anything()) })),
        async ([method, path], body) => {
          const r = await p.rest(method, path, body, admin);
          expect(r.status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.anything(), fc.integer(), async (search, input, first) => {
        const a = await p.gql(UPDATE, { id: search.slice(0, 250) || 'x', input }, admin);
        const b = await p.gql(MY_CLIENTS, { first, search }, parA1);
        for (const r of [a, b]) {
          expect(r.status).toBeLessThan(500);
          expect(codes(r)).not.toContain('INTERNAL_SERVER_ERROR');
        }
      }),
      { numRuns: 60 },
    );
    const bad = await p.rest(
      'PATCH',
      '/v1/clients/shared/profile',
      { fields: { birthday: { day: 31, month: 2 }, shoeSize: 1 } },
      admin,
    );
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
      '/fields/birthday',
      '/fields/shoeSize',
    ]);
    expect((await p.rest('GET', '/v1/clients/nobody/profile', undefined, admin)).status).toBe(404);
    expect((await p.rest('GET', '/v1/clienteling/occasions?days=0', undefined, parA1)).status).toBe(
      400,
    );
  });

  it('serves its OpenAPI description', async () => {
    const json = await p.rest('GET', '/v1/openapi.json', undefined, parA1);
    expect(json.status).toBe(200);
    expect(json.body.openapi).toBe('3.1.0');
  });
});
