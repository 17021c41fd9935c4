// The REST edge over real HTTP, inside service-kit's app: 401/403 problem+json, RFC 6750 challenges,
// endpoint gates and row-level checks, and no token in responses or logs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp, createLogger } from '@maison/service-kit';
import { logSink, serve, type Serving } from '../test/serve.js';
import { createTestAuth, type TestAuth } from './dev.js';
import {
  authenticate,
  authorize,
  requirePermission,
  requirePrincipal,
  type ResourceScope,
} from './index.js';

// A client homed at the Paris boutique, in associate A-1's book.
const CLIENTS: Readonly<Record<string, ResourceScope>> = {
  'c-paris': { region: 'EU', storeIds: ['PAR-01'], associateIds: ['A-1'] },
  'c-dubai': { region: 'ME', storeIds: ['DXB-01'], associateIds: ['A-8'] },
};

const logs = logSink();
let auth: TestAuth;
let server: Serving;

beforeAll(async () => {
  auth = await createTestAuth();
  const { verifier } = auth;
  const app = createApp({
    logger: createLogger({ service: 'auth-test', level: 'debug', destination: logs.sink }),
    routes(app) {
      app.get('/clients/:id', authenticate({ verifier }), (req, res) => {
        const principal = requirePrincipal(req.principal);
        const id = String(req.params.id);
        authorize(principal, 'client:read', CLIENTS[id] ?? {});
        res.json({ id, readBy: principal.subject });
      });
      app.post(
        '/ingest/pos',
        authenticate({ verifier }),
        requirePermission('ingest:write'),
        (_req, res) => {
          res.status(202).json({ accepted: true });
        },
      );
      app.get('/catalogue', authenticate({ verifier, optional: true }), (req, res) => {
        res.json({ caller: req.principal?.role ?? 'anonymous' });
      });
    },
  });
  server = await serve(app);
});
afterAll(() => server.close());

async function call(path: string, authorization?: string, method = 'GET') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: authorization === undefined ? {} : { authorization },
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    challenge: response.headers.get('www-authenticate'),
    text: await response.text(),
  };
}

const associate = { role: 'associate', associateId: 'A-1', storeIds: ['PAR-01'] } as const;

describe('authenticate', () => {
  it('lets a valid token through and exposes the principal', async () => {
    const response = await call('/clients/c-paris', await auth.authorization(associate));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ id: 'c-paris', readBy: 'dev-associate' });
  });

  it('answers a request without a token with a 401 problem and a Bearer challenge', async () => {
    const response = await call('/clients/c-paris');
    expect(response.status).toBe(401);
    expect(response.type).toMatch(/^application\/problem\+json/);
    expect(response.challenge).toBe('Bearer realm="maison"');
    expect(JSON.parse(response.text)).toMatchObject({
      type: 'urn:maison:problem:unauthorized',
      status: 401,
      detail: 'A bearer token is required.',
      instance: '/clients/c-paris',
    });
  });

  it('answers an expired token with a 401 invalid_token, repeating nothing of it', async () => {
    const authorization = await auth.authorization(associate, {
      issuedAt: new Date(Date.now() - 2 * 3600_000),
    });
    const response = await call('/clients/c-paris', authorization);
    expect(response.status).toBe(401);
    expect(response.challenge).toBe(
      'Bearer realm="maison", error="invalid_token", error_description="The token has expired."',
    );
    const token = authorization.slice('Bearer '.length);
    for (const part of token.split('.')) expect(response.text).not.toContain(part);
    for (const part of token.split('.')) expect(logs.text()).not.toContain(part);
  });

  it('answers a garbage header with a 401, never a 500', async () => {
    for (const header of [
      'Bearer',
      'Basic Zm9vOmJhcg==',
      'Bearer a.b.c',
      `Bearer ${'x'.repeat(9000)}`,
    ]) {
      expect((await call('/clients/c-paris', header)).status).toBe(401);
    }
  });

  it('lets anonymous callers through optional authentication, but not bad tokens', async () => {
    expect(JSON.parse((await call('/catalogue')).text)).toEqual({ caller: 'anonymous' });
    const authorization = await auth.authorization({ role: 'compliance' });
    expect(JSON.parse((await call('/catalogue', authorization)).text)).toEqual({
      caller: 'compliance',
    });
    expect((await call('/catalogue', 'Bearer x.y.z')).status).toBe(401);
  });
});

describe('authorization at the edge', () => {
  it("answers 403 problem+json for a client outside the associate's scope", async () => {
    const response = await call('/clients/c-dubai', await auth.authorization(associate));
    expect(response.status).toBe(403);
    expect(JSON.parse(response.text)).toMatchObject({
      type: 'urn:maison:problem:forbidden',
      detail: 'The associate role may not client:read this resource.',
    });
  });

  it('never lets an integration token read a client, and lets it ingest', async () => {
    const integration = await auth.authorization({ role: 'integration' });
    expect((await call('/clients/c-paris', integration)).status).toBe(403);
    expect((await call('/ingest/pos', integration, 'POST')).status).toBe(202);
  });

  it('keeps every other role off the ingestion endpoints', async () => {
    for (const request of [
      associate,
      { role: 'store_manager', storeIds: ['PAR-01'] },
      { role: 'regional_manager', region: 'EU' },
      { role: 'compliance' },
    ] as const) {
      expect((await call('/ingest/pos', await auth.authorization(request), 'POST')).status).toBe(
        403,
      );
    }
    expect(
      (await call('/ingest/pos', await auth.authorization({ role: 'admin' }), 'POST')).status,
    ).toBe(202);
  });
});
