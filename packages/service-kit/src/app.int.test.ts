import { ConcurrencyError } from '@maison/event-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { listen, logSink, type Listening } from '../test/listen.js';
import {
  ConflictError,
  createApp,
  createLogger,
  ForbiddenError,
  NotFoundError,
  parseInput,
  Readiness,
  UnauthorizedError,
  ValidationError,
} from './index.js';

const CANARY_EMAIL = 'canary.http@example-maison.com';
const CANARY_PHONE = '+81 90 1234 5678';
const CANARY_TOKEN = 'canary-token-91bd';

const clientSchema = z.object({ email: z.email(), phone: z.string().min(6) });

const logs = logSink();
let server: Listening;

beforeAll(async () => {
  const logger = createLogger({ service: 'app-test', level: 'debug', destination: logs.sink });
  const readiness = new Readiness({ timeoutMs: 200 }).register({
    name: 'redis',
    check: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
  });
  const app = createApp({
    logger,
    readiness,
    bodyLimit: '1kb',
    routes(app) {
      app.post('/clients', (req, res) => {
        const client = parseInput(clientSchema, req.body);
        res.status(201).json({ id: 'c-1', email: client.email });
      });
      app.post('/signed', (req, res) => {
        res.json({ raw: req.rawBody?.toString('base64') ?? null });
      });
      app.get('/clients/:id', (req) => {
        throw new NotFoundError(`Client ${req.params.id} does not exist.`);
      });
      app.post('/clients/:id/identifiers', () => {
        throw new ConflictError('This identifier already belongs to another client.');
      });
      app.put('/clients/:id/profile', async () => {
        await Promise.resolve();
        throw new ConcurrencyError('profile-c1', 4, 6);
      });
      app.delete('/clients/:id', () => {
        throw new ForbiddenError('Only compliance officers may erase a client.');
      });
      app.get('/me', () => {
        throw new UnauthorizedError('A bearer token is required.');
      });
      app.post('/tiers', () => {
        throw new ValidationError(
          'A tier cannot be downgraded manually.',
          [{ pointer: '/tier', detail: 'downgrade' }],
          {
            status: 422,
          },
        );
      });
      app.get('/boom', () => {
        throw new Error('pool exhausted on db-primary.internal:5432');
      });
      app.get('/boom-async', async () => {
        await Promise.resolve();
        throw new TypeError("Cannot read properties of undefined (reading 'tier')");
      });
    },
  });
  server = await listen(app);
});

afterAll(async () => {
  await server.close();
});

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    requestId: response.headers.get('x-request-id'),
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    text,
  };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('request ids', () => {
  it('generates one when the caller sends none', async () => {
    const { requestId } = await call('/healthz');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a sane incoming id and replaces an unsafe one', async () => {
    expect((await call('/healthz', { headers: { 'x-request-id': 'pos-7.a_b:c' } })).requestId).toBe(
      'pos-7.a_b:c',
    );
    for (const unsafe of ['has spaces in it', 'x'.repeat(129), '<script>']) {
      const { requestId } = await call('/healthz', { headers: { 'x-request-id': unsafe } });
      expect(requestId).not.toBe(unsafe);
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('problem+json', () => {
  it('answers invalid JSON with 400 without quoting the body', async () => {
    const res = await call('/clients', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json-1' },
      body: `{"email": "${CANARY_EMAIL}", `,
    });
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'urn:maison:problem:malformed-body',
      title: 'Malformed request body',
      status: 400,
      detail: 'The request body is not valid JSON.',
      instance: '/clients',
      requestId: 'bad-json-1',
    });
  });

  it('answers a body over the limit with 413', async () => {
    const res = await call('/clients', json({ email: 'a@b.co', phone: 'x'.repeat(2_000) }));
    expect(res.status).toBe(413);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: 'urn:maison:problem:payload-too-large',
      status: 413,
      instance: '/clients',
    });
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await call('/clients', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({
      type: 'urn:maison:problem:unsupported-media-type',
      status: 415,
    });
    expect(res.body?.detail).toContain('"text/plain"');
  });

  it('answers an unknown route with 404', async () => {
    const res = await call('/no/such/route?email=x', { headers: { 'x-request-id': 'r-404' } });
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for GET /no/such/route.',
      instance: '/no/such/route',
      requestId: 'r-404',
    });
  });

  it.each([
    ['GET', '/clients/c-9', 404, 'not-found', 'Client c-9 does not exist.'],
    [
      'POST',
      '/clients/c-9/identifiers',
      409,
      'conflict',
      'This identifier already belongs to another client.',
    ],
    [
      'PUT',
      '/clients/c-9/profile',
      409,
      'concurrency',
      'The resource changed since it was read; reload it and retry.',
    ],
    ['DELETE', '/clients/c-9', 403, 'forbidden', 'Only compliance officers may erase a client.'],
    ['GET', '/me', 401, 'unauthorized', 'A bearer token is required.'],
    ['POST', '/tiers', 422, 'validation', 'A tier cannot be downgraded manually.'],
  ])('maps a thrown typed error (%s %s) to %i', async (method, path, status, kind, detail) => {
    const res = await call(path, { method });
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      type: `urn:maison:problem:${kind}`,
      status,
      detail,
      instance: path,
    });
    expect(res.body?.title).toEqual(expect.any(String));
    expect(res.body?.requestId).toBe(res.requestId);
  });

  it('reports field errors of an invalid body', async () => {
    const res = await call('/clients', json({ email: 'not-an-email' }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'urn:maison:problem:validation', status: 400 });
    expect((res.body?.errors as { pointer: string }[]).map((e) => e.pointer)).toEqual([
      '/email',
      '/phone',
    ]);
  });

  it.each(['/boom', '/boom-async'])(
    'turns an unexpected error (%s) into a bare 500 and logs it',
    async (path) => {
      const res = await call(path);
      expect(res.status).toBe(500);
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.body).toEqual({
        type: 'urn:maison:problem:internal',
        title: 'Internal server error',
        status: 500,
        detail: 'An unexpected error occurred. Quote the request id when reporting it.',
        instance: path,
        requestId: res.requestId,
      });
      expect(res.text).not.toMatch(/db-primary|tier|at .*\.ts/);

      const logged = logs
        .records()
        .find((r) => r.requestId === res.requestId && r.level === 'error');
      expect(logged?.msg).toBe('unexpected error while handling a request');
      expect((logged?.err as { stack?: string } | undefined)?.stack).toMatch(/Error/);
    },
  );
});

describe('raw body', () => {
  it('keeps the exact bytes of a JSON body for signature checks', async () => {
    const raw = '{ "b": 1,\n  "a": "é" }';
    const res = await call('/signed', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body?.raw as string, 'base64').toString('utf8')).toBe(raw);
  });
});

describe('health endpoints', () => {
  it('/healthz is alive without checking dependencies', async () => {
    const res = await call('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz reports each dependency and answers 503 when one is down', async () => {
    const res = await call('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      status: 'unready',
      checks: {
        redis: {
          status: 'down',
          latencyMs: expect.any(Number),
          error: 'connect ECONNREFUSED 127.0.0.1:6379',
        },
      },
    });
  });
});

describe('request logging', () => {
  it('logs method, path and status but never bodies, query strings or credentials', async () => {
    const res = await call(`/clients?email=${encodeURIComponent(CANARY_EMAIL)}`, {
      ...json(
        { email: CANARY_EMAIL, phone: CANARY_PHONE },
        {
          authorization: `Bearer ${CANARY_TOKEN}`,
          cookie: `sid=${CANARY_TOKEN}`,
          'x-request-id': 'log-1',
        },
      ),
    });
    expect(res.status).toBe(201);

    const text = logs.text();
    for (const canary of [CANARY_EMAIL, 'canary.http', CANARY_PHONE, CANARY_TOKEN])
      expect(text).not.toContain(canary);
    expect(logs.records().find((r) => r.requestId === 'log-1')).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'POST',
      path: '/clients',
      status: 201,
      durationMs: expect.any(Number),
    });
  });
});
