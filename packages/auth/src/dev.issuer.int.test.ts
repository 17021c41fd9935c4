// The development issuer on a real HTTP port, and verifiers that fetch its keys over HTTP exactly as
// services fetch an identity provider's JWKS.
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp, createLogger, loadConfig } from '@maison/service-kit';
import type { RequestHandler, Router } from 'express';
import { base64url, decodeJwt, SignJWT, type JWK } from 'jose';
import { logSink, serve, type Serving } from '../test/serve.js';
import { createDevIssuer, type DevIssuer } from './dev.js';
import {
  authConfig,
  AuthenticationError,
  CLAIMS,
  createVerifier,
  verifierFromConfig,
  type AuthFailureReason,
  type TokenVerifier,
} from './index.js';

const AUDIENCE = 'maison-api';

/** An app whose routes can be swapped after it listens (the issuer must know its own URL). */
async function mutableServer(): Promise<Serving & { use(router: Router): void }> {
  let current: Router | undefined;
  const delegate: RequestHandler = (req, res, next) => {
    if (current === undefined) next();
    else current(req, res, next);
  };
  const logs = logSink();
  const app = createApp({
    logger: createLogger({ service: 'dev-issuer-test', level: 'warn', destination: logs.sink }),
    routes: (a) => a.use(delegate),
  });
  const serving = await serve(app);
  return {
    ...serving,
    use: (router) => {
      current = router;
    },
  };
}

async function reasonFor(verifier: TokenVerifier, token: string): Promise<AuthFailureReason> {
  const outcome = await verifier.verify(token).catch((error: unknown) => error);
  if (!(outcome instanceof AuthenticationError)) {
    throw new Error(`expected an AuthenticationError, got ${String(outcome)}`);
  }
  expect(outcome.message).not.toContain(token);
  return outcome.reason;
}

async function postToken(url: string, body: unknown) {
  const response = await fetch(`${url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('development issuer over HTTP', () => {
  let server: Awaited<ReturnType<typeof mutableServer>>;
  let keyDir: string;
  let dev: DevIssuer;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    keyDir = await mkdtemp(path.join(tmpdir(), 'maison-auth-'));
    server = await mutableServer();
    dev = await createDevIssuer({ issuer: server.url, audience: AUDIENCE, keyDir });
    server.use(dev.router());
    verifier = createVerifier({
      keys: { kind: 'remote', url: `${server.url}/.well-known/jwks.json` },
      issuer: server.url,
      audience: AUDIENCE,
      tokenType: 'at+jwt',
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('serves its public key set, cacheable, without private parameters', async () => {
    const response = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const jwks = (await response.json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([dev.keyId]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it.each([
    [{ role: 'associate', associateId: 'A-7', storeIds: ['PAR-01'] }],
    [{ role: 'store_manager', storeIds: ['DXB-01', 'DXB-02'] }],
    [{ role: 'regional_manager', region: 'CN' }],
    [{ role: 'compliance' }],
    [{ role: 'integration', subject: 'pos-cegid-paris' }],
    [{ role: 'admin' }],
  ] as const)('mints a token for %j that verifies through the remote JWKS', async (request) => {
    const { status, body, cacheControl } = await postToken(server.url, request);
    expect(status).toBe(200);
    expect(cacheControl).toBe('no-store');
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const principal = await verifier.verify(body.access_token as string);
    expect(principal).toMatchObject(request);
    expect(principal.issuer).toBe(server.url);
  });

  it('answers an incomplete or unknown request with a 400 problem pointing at the field', async () => {
    const missing = await postToken(server.url, { role: 'store_manager' });
    expect(missing.status).toBe(400);
    expect(missing.type).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({
      type: 'urn:maison:problem:validation',
      errors: [{ pointer: '/storeIds', detail: 'is required for this role' }],
    });
    const unknown = await postToken(server.url, { role: 'root' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ pointer: '/role', detail: expect.any(String) }]);
    const extra = await postToken(server.url, { role: 'admin', scope: 'everything' });
    expect(extra.status).toBe(400);
  });

  describe('rejects, with the right reason', () => {
    const admin = { role: 'admin' } as const;

    it('an expired token', async () => {
      const token = await dev.mintToken(admin, { issuedAt: new Date(Date.now() - 2 * 3600_000) });
      expect(await reasonFor(verifier, token)).toBe('expired');
    });

    it('a token of another issuer, signed with the right key', async () => {
      const token = await dev.mintToken(admin, { issuer: 'https://evil.example' });
      expect(await reasonFor(verifier, token)).toBe('wrong_issuer');
    });

    it('a token for another audience', async () => {
      const token = await dev.mintToken(admin, { audience: 'another-api' });
      expect(await reasonFor(verifier, token)).toBe('wrong_audience');
    });

    it('a token whose claims were tampered with', async () => {
      const token = await dev.mintToken({
        role: 'associate',
        associateId: 'A-7',
        storeIds: ['PAR-01'],
      });
      const [header, , signature] = token.split('.');
      const claims = decodeJwt(token);
      const forged = base64url.encode(JSON.stringify({ ...claims, [CLAIMS.role]: 'admin' }));
      expect(await reasonFor(verifier, `${header}.${forged}.${signature}`)).toBe('bad_signature');
    });

    it('an unsigned token (alg: none)', async () => {
      const claims = decodeJwt(await dev.mintToken(admin));
      const header = base64url.encode(JSON.stringify({ alg: 'none', kid: dev.keyId }));
      const token = `${header}.${base64url.encode(JSON.stringify(claims))}.`;
      expect(await reasonFor(verifier, token)).toBe('unsupported_algorithm');
    });

    it('an HS256 token keyed with the published public key', async () => {
      const [jwk] = dev.jwks().keys;
      const pem = createPublicKey({ key: jwk!, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      const claims = decodeJwt(await dev.mintToken(admin));
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: dev.keyId, typ: 'at+jwt' })
        .sign(new TextEncoder().encode(pem));
      expect(await reasonFor(verifier, token)).toBe('unsupported_algorithm');
    });

    it('a token from another issuer instance with its own key', async () => {
      const stranger = await createDevIssuer({ issuer: server.url, audience: AUDIENCE });
      expect(await reasonFor(verifier, await stranger.mintToken(admin))).toBe('unknown_key');
    });
  });

  it('is what a service configured through authConfig trusts', async () => {
    const fromConfig = verifierFromConfig(
      loadConfig(authConfig, {
        AUTH_ISSUER: `https://idp.example/, ${server.url}`,
        AUTH_AUDIENCE: `other-api,${AUDIENCE}`,
        AUTH_JWKS_URL: `${server.url}/.well-known/jwks.json`,
      }),
    );
    await expect(fromConfig.verify(await dev.mintToken({ role: 'admin' }))).resolves.toEqual(
      expect.objectContaining({ role: 'admin' }),
    );
    const token = await dev.mintToken({ role: 'admin' }, { audience: 'third-api' });
    expect(await reasonFor(fromConfig, token)).toBe('wrong_audience');
  });

  it('keeps its key in the folder (owner-only) and reuses it after a restart', async () => {
    const file = path.join(keyDir, 'dev-issuer.es256.jwk.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const restarted = await createDevIssuer({ issuer: server.url, audience: AUDIENCE, keyDir });
    expect(restarted.keyId).toBe(dev.keyId);
    await expect(verifier.verify(await restarted.mintToken({ role: 'admin' }))).resolves.toEqual(
      expect.objectContaining({ role: 'admin' }),
    );
  });
});

describe('remote key sets', () => {
  it('picks up a rotated key by refetching the JWKS for an unknown kid', async () => {
    const server = await mutableServer();
    try {
      const first = await createDevIssuer({ issuer: server.url, audience: AUDIENCE });
      server.use(first.router());
      const verifier = createVerifier({
        keys: { kind: 'remote', url: `${server.url}/.well-known/jwks.json`, cooldownMs: 0 },
        issuer: server.url,
        audience: AUDIENCE,
      });
      await verifier.verify(await first.mintToken({ role: 'admin' }));
      const rotated = await createDevIssuer({ issuer: server.url, audience: AUDIENCE });
      server.use(rotated.router());
      await expect(verifier.verify(await rotated.mintToken({ role: 'admin' }))).resolves.toEqual(
        expect.objectContaining({ role: 'admin' }),
      );
    } finally {
      await server.close();
    }
  });

  it('answers 401 jwks_unavailable when the key set cannot be fetched', async () => {
    const server = await mutableServer();
    const dev = await createDevIssuer({ issuer: server.url, audience: AUDIENCE });
    const token = await dev.mintToken({ role: 'admin' });
    const at = (url: string) =>
      createVerifier({
        keys: { kind: 'remote', url, timeoutMs: 1000 },
        issuer: server.url,
        audience: AUDIENCE,
      });
    // Nothing mounted: the JWKS URL answers a problem+json 404.
    expect(await reasonFor(at(`${server.url}/.well-known/jwks.json`), token)).toBe(
      'jwks_unavailable',
    );
    const closedUrl = `${server.url}/.well-known/jwks.json`;
    await server.close();
    expect(await reasonFor(at(closedUrl), token)).toBe('jwks_unavailable');
  });
});
