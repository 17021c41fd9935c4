import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@maison/testing';
import fc from 'fast-check';
import { DEFAULT_RULES } from '../src/index.js';
import {
  ADMIN,
  COMPLIANCE,
  DUBAI_ASSOCIATE,
  INTEGRATION,
  PARIS_ASSOCIATE,
  startIdentity,
  type Identity,
} from './harness.js';

// REST and GraphQL over HTTP, on real PostgreSQL (in-process bus: no topic is involved here).

let id: Identity;
beforeAll(async () => {
  id = await startIdentity({ transport: 'memory' });
});
afterAll(() => id.close());

const identify = (
  identifiers: { type: string; value: string; scope?: string }[],
  options: { storeId?: string; as?: typeof INTEGRATION; key?: string; country?: string } = {},
) =>
  id.request('POST', '/v1/identify', {
    as: options.as ?? INTEGRATION,
    body: {
      identifiers,
      storeId: options.storeId ?? 'PAR-01',
      country: options.country ?? 'FR',
      sourceSystem: 'pos.cegid',
    },
    ...(options.key === undefined ? {} : { headers: { 'idempotency-key': options.key } }),
  });

/** Waits until the read model shows the client (the projection follows the store). */
async function visible(clientId: string) {
  await eventually(
    async () =>
      (await id.request('GET', `/v1/clients/${clientId}/identifiers`, { as: ADMIN })).status === 200
        ? true
        : undefined,
    { timeoutMs: 10_000, what: 'the client in the read model' },
  );
}

describe('POST /v1/identify', () => {
  it('registers a client, then resolves the same identifiers to it in any form', async () => {
    const first = await identify([
      { type: 'email', value: ' Camille.Martin@Example.com ' },
      { type: 'phone', value: '06 12 34 56 70' },
    ]);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ outcome: 'registered', registered: true });
    const clientId = first.body.clientId as string;
    const again = await identify([{ type: 'phone', value: '+33 6 12 34 56 70' }], {
      storeId: 'PAR-02',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'matched', clientId });
    const linked = await identify([
      { type: 'email', value: 'camille.martin@example.com' },
      { type: 'loyalty_id', value: 'mc 1234-5678' },
    ]);
    expect(linked.body).toMatchObject({ outcome: 'linked', clientId });
    const statuses = (linked.body.identifiers as { type: string; status: string }[]).map((i) => [
      i.type,
      i.status,
    ]);
    expect(statuses).toEqual(
      expect.arrayContaining([
        ['loyalty_id', 'linked'],
        ['email', 'held'],
      ]),
    );
  });

  it('answers the first result again for the same Idempotency-Key', async () => {
    const a = await identify([{ type: 'email', value: 'idem@example.com' }], {
      key: 'pos-17/000123',
    });
    const b = await identify([{ type: 'email', value: 'idem@example.com' }], {
      key: 'pos-17/000123',
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({
      replayed: true,
      clientId: a.body.clientId,
      outcome: 'registered',
    });
  });

  it('points at the field at fault and never echoes the value', async () => {
    const res = await identify([
      { type: 'email', value: 'ok@example.com' },
      { type: 'phone', value: 'call me 0612' },
    ]);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ pointer: '/identifiers/1/value' })]);
    expect(JSON.stringify(res.body)).not.toContain('0612');
    const scope = await identify([{ type: 'pos_customer', value: 'C1' }]);
    expect(scope.body.errors).toEqual([
      expect.objectContaining({ pointer: '/identifiers/0/scope' }),
    ]);
    const type = await identify([{ type: 'fax', value: '123' }]);
    expect(type.status).toBe(400);
  });

  it('never answers bad input with a 500', async () => {
    const authorization = await id.authorization(INTEGRATION);
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (body) => {
        const res = await fetch(`${id.url}/v1/identify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify(body),
        });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            type: fc.constantFrom('email', 'phone', 'loyalty_id', 'pos_customer', 'line_id'),
            value: fc.string({ minLength: 1, maxLength: 40 }),
            scope: fc.option(fc.string({ maxLength: 20 })),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        async (identifiers) => {
          const res = await fetch(`${id.url}/v1/identify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization },
            body: JSON.stringify({ identifiers, country: 'FR' }),
          });
          expect([200, 201, 400]).toContain(res.status);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('checks the caller: no token 401, compliance 403, an associate only for its own store', async () => {
    const body = { identifiers: [{ type: 'email', value: 'x@example.com' }], storeId: 'PAR-01' };
    expect((await id.request('POST', '/v1/identify', { body })).status).toBe(401);
    expect((await id.request('POST', '/v1/identify', { body, as: COMPLIANCE })).status).toBe(403);
    expect((await id.request('POST', '/v1/identify', { body, as: DUBAI_ASSOCIATE })).status).toBe(
      403,
    );
    expect((await id.request('POST', '/v1/identify', { body, as: PARIS_ASSOCIATE })).status).toBe(
      201,
    );
  });

  it('does not link placeholders typed at the till', async () => {
    const res = await identify([{ type: 'email', value: 'NoEmail@maison-aurele.com' }]);
    expect(res.body).toMatchObject({ outcome: 'unresolved', clientId: null });
    expect((res.body.identifiers as { status: string }[])[0]?.status).toBe('blocklisted');
  });
});

describe('identifiers are masked per role', () => {
  let clientId: string;
  beforeAll(async () => {
    const res = await identify([
      { type: 'email', value: 'layla.h@example.com' },
      { type: 'loyalty_id', value: 'LX-7777' },
    ]);
    clientId = res.body.clientId as string;
    await visible(clientId);
  });

  it('gives values to callers who may read the client, masks to other readers, nothing to integration', async () => {
    const full = await id.request('GET', `/v1/clients/${clientId}/identifiers`, {
      as: PARIS_ASSOCIATE,
    });
    expect(full.status).toBe(200);
    const values = (
      full.body.identifiers as { type: string; value?: string; masked: string }[]
    ).map((i) => [i.type, i.value, i.masked]);
    expect(values).toEqual(
      expect.arrayContaining([
        ['email', 'layla.h@example.com', 'l•••@example.com'],
        ['loyalty_id', 'LX7777', '••••'],
      ]),
    );
    const masked = await id.request('GET', `/v1/clients/${clientId}/identifiers`, {
      as: DUBAI_ASSOCIATE,
    });
    expect(masked.status).toBe(200);
    expect(JSON.stringify(masked.body)).not.toContain('layla.h@example.com');
    expect((masked.body.identifiers as { masked: string }[]).map((i) => i.masked)).toContain(
      'l•••@example.com',
    );
    const audit = await id.request('GET', `/v1/clients/${clientId}/identifiers`, {
      as: COMPLIANCE,
    });
    expect(JSON.stringify(audit.body)).not.toContain('layla.h@example.com');
    expect(
      (await id.request('GET', `/v1/clients/${clientId}/identifiers`, { as: INTEGRATION })).status,
    ).toBe(403);
    expect((await id.request('GET', `/v1/clients/nobody/identifiers`, { as: ADMIN })).status).toBe(
      404,
    );
  });

  it('does the same in the subgraph, field by field', async () => {
    const query = `query ($id: ID!) { client(id: $id) { id identifiers { type value masked rule { id version } } } }`;
    const full = await id.graphql(query, { id: clientId }, PARIS_ASSOCIATE);
    expect(full.body.data?.client).toMatchObject({
      id: clientId,
      identifiers: expect.arrayContaining([
        {
          type: 'EMAIL',
          value: 'layla.h@example.com',
          masked: 'l•••@example.com',
          rule: { id: 'identity.link.auto', version: DEFAULT_RULES.version },
        },
      ]) as unknown,
    });
    const masked = await id.graphql(query, { id: clientId }, DUBAI_ASSOCIATE);
    const ids = (masked.body.data?.client as { identifiers: { value: string | null }[] })
      .identifiers;
    expect(ids.every((i) => i.value === null)).toBe(true);
    const integration = await id.graphql(query, { id: clientId }, INTEGRATION);
    expect(integration.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(integration.body.data?.client ?? null).toBeNull();
    const anonymous = await id.graphql(query, { id: clientId });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('finds a client by identifier, normalised like the edges do', async () => {
    const q = `query ($type: IdentityIdentifierType!, $value: String!, $scope: String) {
      clientByIdentifier(type: $type, value: $value, scope: $scope) { id } }`;
    const hit = await id.graphql(
      q,
      { type: 'EMAIL', value: '  LAYLA.H@example.com' },
      PARIS_ASSOCIATE,
    );
    expect(hit.body.data?.clientByIdentifier).toEqual({ id: clientId });
    const miss = await id.graphql(
      q,
      { type: 'EMAIL', value: 'nobody@example.com' },
      PARIS_ASSOCIATE,
    );
    expect(miss.body.data?.clientByIdentifier).toBeNull();
    const bad = await id.graphql(q, { type: 'POS_CUSTOMER', value: 'C1' }, PARIS_ASSOCIATE);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.status).toBeLessThan(500);
  });
});

describe('stewards merge and unmerge; merged ids resolve to the survivor', () => {
  it('merges, answers merged ids with the survivor everywhere, and unmerges exactly', async () => {
    const a = (
      await identify([
        { type: 'loyalty_id', value: 'LX-1001' },
        { type: 'email', value: 'nadia.a@example.com' },
      ])
    ).body.clientId as string;
    const b = (
      await identify(
        [
          { type: 'ecom_customer', value: '88123', scope: 'shopify:maison-eu.myshopify.com' },
          { type: 'phone', value: '+971 50 123 4567' },
        ],
        { storeId: 'DXB-01', country: 'AE' },
      )
    ).body.clientId as string;
    await visible(a);
    await visible(b);
    const refused = await id.request('POST', '/v1/merges', {
      as: PARIS_ASSOCIATE,
      body: { survivorId: a, mergedId: b, reason: 'ticket CRM-42' },
    });
    expect(refused.status).toBe(403);
    const badReason = await id.request('POST', '/v1/merges', {
      as: ADMIN,
      body: { survivorId: a, mergedId: b, reason: 'nadia.a@example.com' },
    });
    expect(badReason.status).toBe(400);
    const merged = await id.request('POST', '/v1/merges', {
      as: ADMIN,
      body: { survivorId: a, mergedId: b, reason: 'ticket CRM-42' },
    });
    expect(merged.status).toBe(201);
    const mergeId = merged.body.mergeId as string;
    const again = await id.request('POST', '/v1/merges', {
      as: ADMIN,
      body: { survivorId: a, mergedId: b, reason: 'ticket CRM-42' },
    });
    expect(again.status).toBe(409);

    await eventually(
      async () => {
        const res = await id.request('GET', `/v1/clients/${b}/identifiers`, { as: ADMIN });
        return res.body.clientId === a && (res.body.identifiers as unknown[]).length === 4
          ? true
          : undefined;
      },
      { timeoutMs: 10_000, what: 'the merge in the read model' },
    );
    const q = `query ($id: ID!) { client(id: $id) { id mergedIds identityHistory { kind rule { id } explanation actor } } }`;
    const viaMerged = await id.graphql(q, { id: b }, ADMIN);
    expect(viaMerged.body.data?.client).toMatchObject({ id: a, mergedIds: [b] });
    const history = (
      viaMerged.body.data?.client as { identityHistory: { kind: string; rule: unknown }[] }
    ).identityHistory;
    expect(history[0]).toMatchObject({ kind: 'MERGED', rule: null });
    expect(history.map((h) => h.kind)).toEqual(
      expect.arrayContaining(['REGISTERED', 'LINKED', 'MERGED']),
    );
    const entity = await id.graphql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Client { id } } }`,
      { r: [{ __typename: 'Client', id: b }] },
      ADMIN,
    );
    expect(entity.body.data?._entities).toEqual([{ id: a }]);
    const itself = await id.graphql(
      `query ($id: ID!) { client(id: $id, followMerges: false) { id mergedInto { id } } }`,
      { id: b },
      ADMIN,
    );
    expect(itself.body.data?.client).toEqual({ id: b, mergedInto: { id: a } });

    const unmerged = await id.request('POST', `/v1/merges/${mergeId}/unmerge`, {
      as: ADMIN,
      body: { reason: 'two people, ticket CRM-43' },
    });
    expect(unmerged.status).toBe(200);
    expect(unmerged.body).toMatchObject({ restoredClientId: b });
    await eventually(
      async () => {
        const res = await id.request('GET', `/v1/clients/${b}/identifiers`, { as: ADMIN });
        return res.body.clientId === b && (res.body.identifiers as unknown[]).length === 2
          ? true
          : undefined;
      },
      { timeoutMs: 10_000, what: 'the unmerge in the read model' },
    );
    const aIds = await id.request('GET', `/v1/clients/${a}/identifiers`, { as: ADMIN });
    expect((aIds.body.identifiers as { type: string }[]).map((i) => i.type).sort()).toEqual([
      'email',
      'loyalty_id',
    ]);
    expect(
      (
        await id.request('POST', `/v1/merges/${mergeId}/unmerge`, {
          as: ADMIN,
          body: { reason: 'again, ticket CRM-44' },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await id.request('POST', '/v1/merges/not-a-uuid/unmerge', {
          as: ADMIN,
          body: { reason: 'x ticket' },
        })
      ).status,
    ).toBe(400);
  });

  it('unlinks an identifier for a steward', async () => {
    const res = await identify([
      { type: 'email', value: 'shared.desk@example.com' },
      { type: 'loyalty_id', value: 'LX-2020' },
    ]);
    const clientId = res.body.clientId as string;
    const email = (res.body.identifiers as { type: string; index: string }[]).find(
      (i) => i.type === 'email',
    );
    await visible(clientId);
    const unlink = await id.request(
      'DELETE',
      `/v1/clients/${clientId}/identifiers/${email?.index ?? ''}`,
      { as: ADMIN },
    );
    expect(unlink.status).toBe(200);
    const again = await id.request(
      'DELETE',
      `/v1/clients/${clientId}/identifiers/${email?.index ?? ''}`,
      { as: ADMIN },
    );
    expect(again.status).toBe(404);
    expect(
      (await id.request('DELETE', `/v1/clients/${clientId}/identifiers/short`, { as: ADMIN }))
        .status,
    ).toBe(400);
  });
});

describe('rule simulation for stewards', () => {
  it('dry-runs a candidate rule set over the recorded history and reports the merges it would undo', async () => {
    const a = await identify([{ type: 'loyalty_id', value: 'LX-3001' }]);
    await identify([{ type: 'email', value: 'sim.one@example.com' }]);
    const bridge = await identify([
      { type: 'loyalty_id', value: 'LX-3001' },
      { type: 'email', value: 'sim.one@example.com' },
    ]);
    expect(bridge.body.outcome).toBe('merged');
    const candidate = {
      ...DEFAULT_RULES,
      version: 'candidate-no-email-merges',
      types: { ...DEFAULT_RULES.types, email: { ...DEFAULT_RULES.types.email, merge: false } },
    };
    const count = async () =>
      Number(
        (
          await id.env.database.query<{ n: string }>(
            'SELECT count(*)::text AS n FROM identity_events.events',
          )
        )[0]?.n,
      );
    const before = await count();
    expect(
      (
        await id.request('POST', '/v1/rules/simulate', {
          as: PARIS_ASSOCIATE,
          body: { ruleSet: candidate },
        })
      ).status,
    ).toBe(403);
    const bad = await id.request('POST', '/v1/rules/simulate', {
      as: ADMIN,
      body: {
        ruleSet: {
          ...candidate,
          sharedThreshold: 0,
          blocklist: [{ id: 'x', type: 'email', match: 'pattern', value: '(', reason: 'r' }],
        },
      },
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
      '/ruleSet/blocklist/0/value',
      '/ruleSet/sharedThreshold',
    ]);
    // The history is what the store's global order shows (committed, and older than any
    // transaction still running on the server): the latest records may take a moment to show.
    const res = await eventually(
      async () => {
        const r = await id.request('POST', '/v1/rules/simulate', {
          as: ADMIN,
          body: { ruleSet: candidate },
        });
        return (r.body.mergesUndone as unknown[] | undefined)?.length ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'the bridge record in the replayed history' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      active: { version: DEFAULT_RULES.version },
      candidate: { version: 'candidate-no-email-merges' },
    });
    expect(res.body.mergesUndone).toEqual(
      expect.arrayContaining([expect.objectContaining({ clientId: a.body.clientId, into: 2 })]),
    );
    expect(res.body.mergesAdded).toEqual([]);
    expect(await count()).toBe(before);
    const rules = await id.request('GET', '/v1/rules', { as: ADMIN });
    expect(rules.body).toMatchObject({ id: DEFAULT_RULES.id, version: DEFAULT_RULES.version });
  });
});

describe('the documents it serves', () => {
  it('serves its OpenAPI 3.1 document as JSON and YAML', async () => {
    const json = await id.request('GET', '/v1/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ openapi: '3.1.0' });
    expect(Object.keys(json.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/identify', '/v1/merges', '/v1/rules/simulate']),
    );
    const yaml = await fetch(`${id.url}/v1/openapi.yaml`);
    expect(yaml.headers.get('content-type')).toContain('yaml');
  });

  it('serves the federation SDL with the Client entity', async () => {
    const res = await id.graphql('{ _service { sdl } }', {});
    const sdl = (res.body.data?._service as { sdl: string }).sdl;
    expect(sdl).toContain('type Client @key(fields: "id")');
    expect(sdl).toContain('clientByIdentifier');
  });
});
