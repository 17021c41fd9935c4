import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@maison/service-kit';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createDevIssuer, createTestAuth, DEV_TOKEN_TTL_SECONDS } from './dev.js';
import { AuthenticationError, CLAIMS, createVerifier } from './index.js';

const ISSUER = 'http://localhost:4000';
const AUDIENCE = 'maison-api';

describe('createDevIssuer', () => {
  it('refuses to run when NODE_ENV=production', async () => {
    await expect(
      createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, env: { NODE_ENV: 'production' } }),
    ).rejects.toThrow(/refuses to run with NODE_ENV=production/);
  });

  it('checks process.env by default', async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(createDevIssuer({ issuer: ISSUER, audience: AUDIENCE })).rejects.toThrow(
        /production/,
      );
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('rejects a lifetime that is not short', async () => {
    await expect(
      createDevIssuer({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 7 * 24 * 3600 }),
    ).rejects.toThrow(/ttlSeconds/);
  });

  it('mints one-hour ES256 access tokens its own key set verifies', async () => {
    const dev = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const token = await dev.mintToken({ role: 'store_manager', storeIds: ['PAR-01'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: dev.keyId, typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims.exp! - claims.iat!).toBe(DEV_TOKEN_TTL_SECONDS);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'dev-store-manager',
      [CLAIMS.role]: 'store_manager',
      [CLAIMS.storeIds]: ['PAR-01'],
    });
    const verifier = createVerifier({
      keys: dev.keySource(),
      issuer: ISSUER,
      audience: AUDIENCE,
      tokenType: 'at+jwt',
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({
      role: 'store_manager',
      storeIds: ['PAR-01'],
    });
  });

  it('publishes only the public half of its key', async () => {
    const dev = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const [key, ...others] = dev.jwks().keys;
    expect(others).toEqual([]);
    expect(key).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: dev.keyId,
      alg: 'ES256',
      use: 'sig',
    });
  });

  it('fills in the demo defaults for a role, and lets the request override them', async () => {
    const dev = await createDevIssuer({
      issuer: ISSUER,
      audience: AUDIENCE,
      defaults: { associate: { associateId: 'A-1', storeIds: ['PAR-01'] } },
    });
    expect(decodeJwt(await dev.mintToken({ role: 'associate' }))).toMatchObject({
      [CLAIMS.associateId]: 'A-1',
      [CLAIMS.storeIds]: ['PAR-01'],
    });
    expect(
      decodeJwt(await dev.mintToken({ role: 'associate', storeIds: ['DXB-01'] })),
    ).toMatchObject({ [CLAIMS.associateId]: 'A-1', [CLAIMS.storeIds]: ['DXB-01'] });
  });

  it.each([
    [{ role: 'associate', storeIds: ['PAR-01'] }, '/associateId'],
    [{ role: 'store_manager' }, '/storeIds'],
    [{ role: 'regional_manager' }, '/region'],
    [{ role: 'admin', subject: 'claire@example.com' }, '/subject'],
  ] as const)('refuses to mint %j (pointer %s)', async (request, pointer) => {
    const dev = await createDevIssuer({ issuer: ISSUER, audience: AUDIENCE });
    const error = await dev.mintToken(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors).toEqual([{ pointer, detail: expect.any(String) }]);
  });
});

describe('createTestAuth', () => {
  it('gives service tests a verifier and tokens for any role', async () => {
    const auth = await createTestAuth();
    const header = await auth.authorization({ role: 'regional_manager', region: 'JP' });
    await expect(auth.verifier.verifyAuthorization(header)).resolves.toMatchObject({
      role: 'regional_manager',
      region: 'JP',
    });
  });

  it("trusts only its own keys: another fixture's token is rejected", async () => {
    const [ours, theirs] = await Promise.all([createTestAuth(), createTestAuth()]);
    const error = await ours.verifier
      .verify(await theirs.token({ role: 'admin' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).reason).toBe('unknown_key');
  });

  it('mints expired tokens on request, which its verifier rejects', async () => {
    const auth = await createTestAuth();
    const token = await auth.token(
      { role: 'compliance' },
      { issuedAt: new Date(Date.now() - 2 * 3600_000) },
    );
    await expect(auth.verifier.verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });
});
