// The GraphQL edge, in process: an Apollo Server whose context function calls principalFromHeaders
// and whose resolvers authorize field by field, as a subgraph must (never trusting the gateway).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { createTestAuth, type DevTokenRequest, type TestAuth } from './dev.js';
import {
  authorize,
  requirePrincipal,
  type Principal,
  type ResourceScope,
  type TokenVerifier,
} from './index.js';

interface Context {
  readonly principal: Principal | undefined;
}

interface ClientRow {
  readonly id: string;
  readonly scope: ResourceScope;
  readonly notes: readonly { readonly text: string; readonly scope: ResourceScope }[];
}

const CLIENTS: Readonly<Record<string, ClientRow>> = {
  'c-1': {
    id: 'c-1',
    scope: { region: 'EU', storeIds: ['PAR-01', 'LON-01'], associateIds: ['A-1'] },
    notes: [
      { text: 'Paris note', scope: { region: 'EU', storeIds: ['PAR-01'] } },
      { text: 'London private note', scope: { region: 'EU', storeIds: ['LON-01'] } },
    ],
  },
};

const typeDefs = `#graphql
  type Note { text: String! }
  type Client {
    id: ID!
    tier: String
    notes: [Note]
    consentHistory: [String!]
  }
  type Query { client(id: ID!): Client, whoami: String! }
`;

const resolvers = {
  Query: {
    whoami: (_: unknown, __: unknown, { principal }: Context) => requirePrincipal(principal).role,
    client: (_: unknown, { id }: { id: string }, { principal }: Context) => {
      requirePrincipal(principal);
      return CLIENTS[id] ?? null;
    },
  },
  Client: {
    tier: (client: ClientRow, _: unknown, { principal }: Context) => {
      authorize(requirePrincipal(principal), 'client:read', client.scope);
      return 'Platinum';
    },
    // Row-level inside a field: each note is judged by its own store, so the associate of one
    // boutique never sees another boutique's private notes about a shared client.
    notes: (client: ClientRow, _: unknown, { principal }: Context) => {
      const caller = requirePrincipal(principal);
      authorize(caller, 'client:read', client.scope);
      return client.notes.map((note) => {
        try {
          authorize(caller, 'client:read', note.scope);
          return note;
        } catch (error) {
          return error as Error;
        }
      });
    },
    consentHistory: (client: ClientRow, _: unknown, { principal }: Context) => {
      authorize(requirePrincipal(principal), 'consent:audit', client.scope);
      return ['2024-01-02T10:00:00+01:00 email granted'];
    },
  },
};

let auth: TestAuth;
let server: ApolloServer<Context>;

beforeAll(async () => {
  auth = await createTestAuth();
  server = new ApolloServer<Context>({
    typeDefs,
    resolvers,
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
});
afterAll(() => server.stop());

interface GraphQLResponse {
  status: number;
  challenge: string | undefined;
  body: {
    data?: unknown;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  };
}

async function query(
  verifier: TokenVerifier,
  source: string,
  authorization?: string,
): Promise<GraphQLResponse> {
  const headers = new HeaderMap([['content-type', 'application/json']]);
  if (authorization !== undefined) headers.set('authorization', authorization);
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body: { query: source } },
    // What a subgraph's context function does: the token the gateway forwarded, verified again.
    context: async () => ({ principal: await verifier.principalFromHeaders(headers) }),
  });
  if (response.body.kind !== 'complete') throw new Error('expected a complete response');
  return {
    // Apollo leaves the status unset for a normal response; integrations send 200.
    status: response.status ?? 200,
    challenge: response.headers.get('www-authenticate'),
    body: JSON.parse(response.body.string) as GraphQLResponse['body'],
  };
}

const as = (request: DevTokenRequest) => auth.authorization(request);
const associate = { role: 'associate', associateId: 'A-9', storeIds: ['PAR-01'] } as const;

describe('principalFromHeaders in an Apollo Server context', () => {
  it('answers an invalid token with HTTP 401 and UNAUTHENTICATED, not a 500', async () => {
    const expired = await auth.authorization(associate, {
      issuedAt: new Date(Date.now() - 2 * 3600_000),
    });
    const response = await query(auth.verifier, '{ whoami }', expired);
    expect(response.status).toBe(401);
    expect(response.challenge).toMatch(/^Bearer realm="maison", error="invalid_token"/);
    expect(response.body.errors).toEqual([
      {
        message: 'Context creation failed: The token has expired.',
        extensions: { code: 'UNAUTHENTICATED', reason: 'expired' },
      },
    ]);
  });

  it('answers an anonymous call to a protected field with 401 UNAUTHENTICATED', async () => {
    const response = await query(auth.verifier, '{ whoami }');
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'missing_token',
    });
  });

  it('gives resolvers the verified principal', async () => {
    const response = await query(auth.verifier, '{ whoami }', await as({ role: 'compliance' }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { whoami: 'compliance' } });
  });
});

describe('field-level authorization in a subgraph', () => {
  const clientQuery = '{ client(id: "c-1") { id tier notes { text } consentHistory } }';

  function forbiddenPaths(response: GraphQLResponse): string[] {
    return (response.body.errors ?? [])
      .filter((e) => e.extensions?.code === 'FORBIDDEN')
      .map((e) => (e.path ?? []).join('.'));
  }

  it("shows an associate their store's data and hides another store's private note", async () => {
    const response = await query(auth.verifier, clientQuery, await as(associate));
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      client: {
        id: 'c-1',
        tier: 'Platinum',
        notes: [{ text: 'Paris note' }, null],
        consentHistory: null,
      },
    });
    expect(forbiddenPaths(response)).toEqual(['client.notes.1', 'client.consentHistory']);
  });

  it('shows compliance the consent history and nothing of the client file', async () => {
    const response = await query(auth.verifier, clientQuery, await as({ role: 'compliance' }));
    expect(response.body.data).toEqual({
      client: { id: 'c-1', tier: null, notes: null, consentHistory: [expect.any(String)] },
    });
    expect(forbiddenPaths(response)).toEqual(['client.tier', 'client.notes']);
  });

  it('lets an integration token read nothing', async () => {
    const response = await query(auth.verifier, clientQuery, await as({ role: 'integration' }));
    expect(response.body.data).toEqual({
      client: { id: 'c-1', tier: null, notes: null, consentHistory: null },
    });
    expect(forbiddenPaths(response)).toEqual([
      'client.tier',
      'client.notes',
      'client.consentHistory',
    ]);
  });

  it('shows a regional manager of the region everything but the consent audit', async () => {
    const response = await query(
      auth.verifier,
      clientQuery,
      await as({ role: 'regional_manager', region: 'EU' }),
    );
    expect(response.body.data).toEqual({
      client: {
        id: 'c-1',
        tier: 'Platinum',
        notes: [{ text: 'Paris note' }, { text: 'London private note' }],
        consentHistory: null,
      },
    });
  });
});
