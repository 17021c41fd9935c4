// The gateway over real HTTP, on both engines: the five test subgraphs (@maison/runtime), the
// supergraph composed from their `_service { sdl }`, the Redis rate limiter on the test Redis.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestAuth, type TestAuth } from '@maison/auth/dev';
import { RedisRateLimiter } from '@maison/cache';
import { createLogger } from '@maison/service-kit';
import { isolatedRedis, type IsolatedRedis } from '@maison/testing';
import fc from 'fast-check';
import {
  composeSupergraph,
  fetchSubgraphs,
  operationHash,
  PersistedOperations,
  serveGateway,
  type GatewayOptions,
  type ServedGateway,
} from '../src/index.js';
import { CLIENT_VIEW_QUERY, startFixtureSubgraphs, type FixtureSubgraphs } from '../src/testing.js';

const COMMITTED = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'docs',
  'graphql',
  'supergraph.graphql',
);
const logger = createLogger({ service: 'gateway-test', level: 'silent' });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let auth: TestAuth;
let subgraphs: FixtureSubgraphs;
let supergraph: string;
let redis: IsolatedRedis;

beforeAll(async () => {
  auth = await createTestAuth();
  subgraphs = await startFixtureSubgraphs({ verifier: auth.verifier, logger, clients: 50 });
  supergraph = composeSupergraph(await fetchSubgraphs(subgraphs.urls));
  redis = await isolatedRedis('gateway');
});
afterAll(async () => {
  await subgraphs.close();
  await redis.cleanup();
});

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
}

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: GraphQLBody }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as GraphQLBody };
}

const associate = () =>
  auth.authorization({ role: 'associate', associateId: 'A-0', storeIds: ['PAR-01'] });
const codes = (b: GraphQLBody) => (b.errors ?? []).map((e) => e.extensions?.code);

/** Each engine, and Hive on both of its runtimes. */
const VARIANTS = [
  ['hive', 'router'],
  ['hive', 'stitching'],
  ['apollo', undefined],
] as const;

describe.each(VARIANTS)('the gateway on the %s engine (%s)', (engine, hiveRuntime) => {
  let gw: ServedGateway;
  const open = (overrides: Partial<GatewayOptions> = {}) =>
    serveGateway({
      engine,
      ...(hiveRuntime ? { hiveRuntime } : {}),
      supergraph,
      verifier: auth.verifier,
      logger,
      ...overrides,
    });

  beforeAll(async () => {
    gw = await open({
      rateLimiter: new RedisRateLimiter({
        client: redis.client,
        prefix: `${engine}-${String(hiveRuntime)}-main`,
        limit: 10_000,
        intervalMs: 60_000,
      }),
      limits: { maxDepth: 6 },
    });
  });
  afterAll(() => gw.close());

  it('answers the client view in one round trip as the associate of its store', async () => {
    // client-7 belongs to PAR-01 (7 mod 7 = 0) and associate A-0
    const res = await post(
      gw.url,
      { query: CLIENT_VIEW_QUERY, variables: { id: 'client-7' } },
      { authorization: await associate() },
    );
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const client = res.body.data?.client as Record<string, unknown[] | Record<string, unknown>>;
    expect(client.identities).toHaveLength(4);
    expect(client.consents).toHaveLength(8);
    expect((client.transactions as { nodes: unknown[] }).nodes).toHaveLength(20);
    expect(client.recommendations).toHaveLength(10);
    expect((client.spend as { tier: string }).tier).toBe('Gold');
    // the subgraph's row-level rule: another boutique's private note is not shown
    const notes = (client.profile as { notes: { storeId: string }[] }).notes;
    expect(notes.map((n) => n.storeId)).toEqual(['PAR-01', 'PAR-01', 'PAR-01', 'PAR-01']);
  });

  it('forwards the Authorization header, traceparent and request id to every subgraph it calls', async () => {
    const authorization = await associate();
    subgraphs.received.length = 0;
    const res = await post(
      gw.url,
      { query: CLIENT_VIEW_QUERY, variables: { id: 'client-14' } },
      { authorization, traceparent: TRACEPARENT, 'x-request-id': 'req-gw-1' },
    );
    expect(res.status).toBe(200);
    const called = new Set(subgraphs.received.map((r) => r.subgraph));
    expect([...called].sort()).toEqual([
      'consent',
      'identity',
      'profiles',
      'recommendations',
      'transactions',
    ]);
    for (const r of subgraphs.received) {
      expect(r.headers.authorization).toBe(authorization);
      expect(r.headers.traceparent).toBe(TRACEPARENT);
      expect(r.headers['x-request-id']).toBe('req-gw-1');
    }
    expect(res.headers.get('x-request-id')).toBe('req-gw-1');
  });

  it('lets each subgraph verify the caller itself', async () => {
    const res = await post(
      gw.url,
      { query: '{ viewer { subject role } }' },
      { authorization: await auth.authorization({ role: 'compliance', subject: 'auditor-9' }) },
    );
    expect(res.body.data).toEqual({ viewer: { subject: 'auditor-9', role: 'compliance' } });
  });

  it('answers 401 to anonymous callers and bad tokens, before any subgraph is called', async () => {
    subgraphs.received.length = 0;
    const anonymous = await post(gw.url, { query: '{ viewer { role } }' });
    expect(anonymous.status).toBe(401);
    expect(codes(anonymous.body)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const tampered = `${await associate()}x`;
    const bad = await post(gw.url, { query: '{ viewer { role } }' }, { authorization: tampered });
    expect(bad.status).toBe(401);
    expect(bad.body.errors?.[0]?.extensions?.reason).toBe('bad_signature');
    const expired = await auth.authorization(
      { role: 'admin' },
      { issuedAt: new Date(1_000_000), ttlSeconds: 60 },
    );
    expect(
      (await post(gw.url, { query: '{ viewer { role } }' }, { authorization: expired })).status,
    ).toBe(401);
    expect(subgraphs.received).toEqual([]);
    expect(JSON.stringify(bad.body)).not.toContain(tampered.slice(7, 40));
  });

  it('serves /healthz and /readyz (every subgraph reachable) without a token', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.stringify(await ready.json())).toContain('subgraph:identity');
    const openapi = await fetch(`${gw.url}/v1/openapi.yaml`);
    expect(await openapi.text()).toMatch(/^openapi: 3\.1\.0/);
  });

  it('shows compliance the consents and identities, and refuses it the rest field by field', async () => {
    const res = await post(
      gw.url,
      {
        query:
          '{ client(id: "client-3") { id identities { type } consents { purpose state } profile { givenName } spend { tier } } }',
      },
      { authorization: await auth.authorization({ role: 'compliance' }) },
    );
    expect(res.status).toBe(200);
    const client = res.body.data?.client as Record<string, unknown>;
    expect(client.consents).toHaveLength(8);
    expect(client.identities).toHaveLength(4);
    expect(client.profile).toBeNull();
    expect(res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['client.profile', 'FORBIDDEN'],
      ['client.spend', 'FORBIDDEN'],
    ]);
  });

  it('gives an integration token nothing, and an associate nothing outside its book or store', async () => {
    const integration = await post(
      gw.url,
      { query: CLIENT_VIEW_QUERY, variables: { id: 'client-7' } },
      { authorization: await auth.authorization({ role: 'integration' }) },
    );
    expect(integration.body.data?.client ?? null).toBeNull();
    const search = await post(
      gw.url,
      { query: '{ searchClients(query: "a") { totalCount } }' },
      { authorization: await auth.authorization({ role: 'integration' }) },
    );
    expect(search.body.data?.searchClients).toEqual({ totalCount: 0 });
    // client-8 belongs to LDN-01
    const other = await post(
      gw.url,
      { query: CLIENT_VIEW_QUERY, variables: { id: 'client-8' } },
      { authorization: await associate() },
    );
    expect(other.body.data?.client).toBeNull();
    const mine = await post(
      gw.url,
      { query: '{ searchClients(query: "a", first: 100) { nodes { id } } }' },
      { authorization: await associate() },
    );
    expect(
      (mine.body.data?.searchClients as { nodes: { id: string }[] }).nodes.map((n) => n.id),
    ).toEqual([
      'client-7',
      'client-14',
      'client-21',
      'client-28',
      'client-35',
      'client-42',
      'client-49',
    ]);
  });

  it('refuses too deep and too costly operations with 400 and a code', async () => {
    const authorization = await associate();
    const deep = await post(
      gw.url,
      {
        query:
          '{ searchClients(query: "a", first: 1) { nodes { transactions(last: 1) { nodes { lines { amount { currency } } } } } } }',
      },
      { authorization },
    );
    expect(deep.status).toBe(400);
    expect(codes(deep.body)).toEqual(['QUERY_TOO_DEEP']);
    expect(deep.body.errors?.[0]?.extensions).toMatchObject({ depth: 7, maxDepth: 6 });
  });

  it('refuses too costly operations and too many tokens', async () => {
    const authorization = await associate();
    const costly = await post(
      gw.url,
      {
        query:
          'query($n: Int) { searchClients(query: "a", first: $n) { nodes { transactions(last: 50) { nodes { id } } } } }',
        variables: { n: 100 },
      },
      { authorization },
    );
    expect(costly.status).toBe(400);
    expect(codes(costly.body)).toEqual(['QUERY_TOO_COMPLEX']);
    const aliases = Array.from({ length: 3000 }, (_, i) => `a${String(i)}: __typename`).join(' ');
    const large = await post(gw.url, { query: `{ ${aliases} }` }, { authorization });
    expect(large.status).toBe(400);
    expect(codes(large.body)).toEqual(['QUERY_TOO_LARGE']);
  });

  it('requires a preflight-forcing header on GET (CSRF) and serves GET queries with it', async () => {
    const authorization = await associate();
    const url = `${gw.url}/graphql?query=${encodeURIComponent('{ viewer { role } }')}`;
    const blocked = await fetch(url, { headers: { authorization } });
    expect(blocked.status).toBe(400);
    expect(codes((await blocked.json()) as GraphQLBody)).toEqual(['CSRF_PREVENTED']);
    const allowed = await fetch(url, { headers: { authorization, 'x-maison-csrf': '1' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ data: { viewer: { role: 'associate' } } });
    const form = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'text/plain' },
      body: '{"query":"{ viewer { role } }"}',
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
  });

  it('sends no header that names the software or its version', async () => {
    const res = await post(
      gw.url,
      { query: '{ viewer { role } }' },
      { authorization: await associate() },
    );
    expect(res.status).toBe(200);
    for (const h of ['x-powered-by', 'server', 'x-graphql-yoga-version'])
      expect(res.headers.get(h)).toBeNull();
    // personal, per-caller data: never stored by browsers or proxies
    expect(res.headers.get('cache-control')).toBe('no-store');
    const error = await post(gw.url, { query: '{ nope }' }, { authorization: await associate() });
    expect(error.headers.get('x-powered-by')).toBeNull();
    expect(JSON.stringify(error.body)).not.toMatch(/stack|node_modules/);
  });

  it('answers a GraphQL error, without internal addresses, when a subgraph is down', async () => {
    const down = await open({
      subgraphUrls: { profiles: 'http://127.0.0.1:9/graphql' },
      probeSubgraphs: false,
    });
    try {
      const res = await post(
        down.url,
        { query: '{ client(id: "client-7") { id profile { givenName } } }' },
        { authorization: await associate() },
      );
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:9\//);
      // the gateway itself is still fine
      const ok = await post(
        down.url,
        { query: '{ viewer { role } }' },
        { authorization: await associate() },
      );
      expect(ok.body).toEqual({ data: { viewer: { role: 'associate' } } });
    } finally {
      await down.close();
    }
  });

  (existsSync(COMMITTED) ? it : it.skip)(
    'serves the committed supergraph of the real services',
    async () => {
      const real = await open({
        supergraph: readFileSync(COMMITTED, 'utf8'),
        probeSubgraphs: false,
      });
      try {
        const res = await post(
          real.url,
          { query: '{ __type(name: "Client") { fields { name } } }' },
          { authorization: await associate() },
        );
        const fields = (res.body.data?.__type as { fields: { name: string }[] }).fields.map(
          (f) => f.name,
        );
        expect(fields).toEqual(expect.arrayContaining(['id', 'consents', 'transactions']));
      } finally {
        await real.close();
      }
    },
  );

  it('allows introspection in development', async () => {
    const res = await post(
      gw.url,
      { query: '{ __schema { queryType { name } } }' },
      { authorization: await associate() },
    );
    expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('property: whatever the body, never a 5xx', async () => {
    const authorization = await associate();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.record(
            {
              query: fc.oneof(
                fc.string(),
                fc.constantFrom(
                  '{ client(id: 1) { id } }',
                  'query($id: ID!) { client(id: $id) { id } }',
                  '{ searchClients(query: "x", first: -5) { totalCount } }',
                  'mutation { x }',
                  'subscription { y }',
                  'query($id: ID!) { client(id: $id) { id profile { notes(first: -1) { id } } } }',
                  '{ client(id: "client-7") { ... on Nope { id } } }',
                  'query A { viewer { role } } query A { viewer { role } }',
                  '{ searchClients(query: "x", first: 101) { totalCount } }',
                  'fragment F on Client { id ...F } { client(id: "client-7") { ...F } }',
                  '{ client(id: "client-7") { transactions(last: 2147483647) { totalCount } } }',
                  '{ client(id: "client-7") { id } } # trailing',
                  'mutation { __typename }',
                ),
              ),
              variables: fc.oneof(fc.json(), fc.object()),
              operationName: fc.oneof(fc.string(), fc.integer()),
            },
            { requiredKeys: [] },
          ),
        ),
        async (body) => {
          const res = await fetch(`${gw.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          });
          await res.arrayBuffer();
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });

  describe('per-caller rate limit in Redis', () => {
    let limited: ServedGateway;
    beforeAll(async () => {
      limited = await open({
        rateLimiter: new RedisRateLimiter({
          client: redis.client,
          prefix: `${engine}-${String(hiveRuntime)}-limited`,
          limit: 3,
          intervalMs: 60_000,
        }),
        probeSubgraphs: false,
      });
    });
    afterAll(() => limited.close());

    it('answers 429 with Retry-After once a caller has spent its allowance, others unaffected', async () => {
      const first = await auth.authorization({ role: 'admin', subject: 'caller-a' });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (await post(limited.url, { query: '{ viewer { role } }' }, { authorization: first }))
            .status,
        );
      expect(statuses).toEqual([200, 200, 200, 429]);
      const denied = await post(
        limited.url,
        { query: '{ viewer { role } }' },
        { authorization: first },
      );
      expect(denied.status).toBe(429);
      expect(Number(denied.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(codes(denied.body)).toEqual(['RATE_LIMITED']);
      // another token of the same subject shares the allowance; another subject does not
      expect(
        (
          await post(
            limited.url,
            { query: '{ viewer { role } }' },
            { authorization: await auth.authorization({ role: 'admin', subject: 'caller-a' }) },
          )
        ).status,
      ).toBe(429);
      expect(
        (
          await post(
            limited.url,
            { query: '{ viewer { role } }' },
            { authorization: await auth.authorization({ role: 'admin', subject: 'caller-b' }) },
          )
        ).status,
      ).toBe(200);
    });

    it('limits callers without a valid token by address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push(
          (
            await post(
              limited.url,
              { query: '{ viewer { role } }' },
              { authorization: 'Bearer nope' },
            )
          ).status,
        );
      expect(statuses).toEqual([401, 401, 401, 429]);
    });
  });

  describe('in production mode', () => {
    let prod: ServedGateway;
    const VIEWER = 'query Viewer { viewer { role } }';
    beforeAll(async () => {
      prod = await open({
        mode: 'production',
        persistedOperations: new PersistedOperations([CLIENT_VIEW_QUERY, VIEWER]),
        probeSubgraphs: false,
      });
    });
    afterAll(() => prod.close());

    it('runs allow-listed operations, by text or by hash alone (POST and GET)', async () => {
      const authorization = await associate();
      expect((await post(prod.url, { query: VIEWER }, { authorization })).body).toEqual({
        data: { viewer: { role: 'associate' } },
      });
      const byHash = await post(
        prod.url,
        {
          variables: { id: 'client-7' },
          extensions: {
            persistedQuery: { version: 1, sha256Hash: operationHash(CLIENT_VIEW_QUERY) },
          },
        },
        { authorization },
      );
      expect(byHash.status).toBe(200);
      expect((byHash.body.data?.client as { id: string }).id).toBe('client-7');
      const get = await fetch(
        `${prod.url}/graphql?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: operationHash(VIEWER) } }))}`,
        { headers: { authorization, 'x-maison-csrf': '1' } },
      );
      expect(await get.json()).toEqual({ data: { viewer: { role: 'associate' } } });
    });

    it('refuses anything else, unknown hashes, mismatched hashes and introspection', async () => {
      const authorization = await associate();
      const other = await post(prod.url, { query: '{ viewer { subject } }' }, { authorization });
      expect([other.status, codes(other.body)]).toEqual([400, ['PERSISTED_QUERY_NOT_IN_LIST']]);
      const unknown = await post(
        prod.url,
        { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } },
        { authorization },
      );
      expect([unknown.status, codes(unknown.body)]).toEqual([400, ['PERSISTED_QUERY_NOT_FOUND']]);
      const mismatch = await post(
        prod.url,
        {
          query: '{ viewer { subject } }',
          extensions: { persistedQuery: { version: 1, sha256Hash: operationHash(VIEWER) } },
        },
        { authorization },
      );
      expect([mismatch.status, codes(mismatch.body)]).toEqual([
        400,
        ['PERSISTED_QUERY_HASH_MISMATCH'],
      ]);
      const introspection = '{ __schema { types { name } } }';
      const withIntrospection = await open({
        mode: 'production',
        persistedOperations: new PersistedOperations([introspection]),
        probeSubgraphs: false,
      });
      try {
        const res = await post(withIntrospection.url, { query: introspection }, { authorization });
        expect([res.status, codes(res.body)]).toEqual([400, ['INTROSPECTION_DISABLED']]);
      } finally {
        await withIntrospection.close();
      }
    });

    it('will not start without an allow-list', async () => {
      await expect(open({ mode: 'production' })).rejects.toThrow(/allow-list/);
    });
  });
});
