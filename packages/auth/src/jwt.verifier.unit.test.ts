import { beforeAll, describe, expect, it } from '@jest/globals';
import { toProblem, UnauthorizedError } from '@maison/service-kit';
import fc from 'fast-check';
import {
  base64url,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import {
  AuthenticationError,
  CLAIMS,
  createVerifier,
  requirePrincipal,
  type AuthFailureReason,
  type Principal,
  type TokenVerifier,
  type VerifierOptions,
} from './index.js';

const ISSUER = 'https://idp.example/';
const AUDIENCE = 'maison-api';
const NOW = new Date('2031-03-14T09:00:00Z');
const now = Math.floor(NOW.getTime() / 1000);

interface Signer {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

async function signer(alg: string, kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, publicKey };
}

let es256: Signer;
let rs256: Signer;
let es384: Signer;
let ps256: Signer;
/** Same kid as es256, different key: what an attacker who guesses a kid would do. */
let impostor: Signer;
let jwks: JSONWebKeySet;
let verifier: TokenVerifier;

const associateClaims = {
  sub: 'user-42',
  jti: 'tok-42',
  [CLAIMS.role]: 'associate',
  [CLAIMS.associateId]: 'A-42',
  [CLAIMS.storeIds]: ['PAR-01'],
};

function mint(
  by: Signer,
  options: {
    payload?: JWTPayload;
    drop?: readonly string[];
    header?: Record<string, unknown>;
    iat?: number;
    exp?: number;
    nbf?: number;
    iss?: string;
    aud?: string | string[];
  } = {},
): Promise<string> {
  const payload: JWTPayload = {
    ...associateClaims,
    iss: options.iss ?? ISSUER,
    aud: options.aud ?? AUDIENCE,
    iat: options.iat ?? now - 60,
    exp: options.exp ?? now + 3600,
    ...(options.nbf === undefined ? {} : { nbf: options.nbf }),
    ...options.payload,
  };
  for (const claim of options.drop ?? []) Reflect.deleteProperty(payload, claim);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: by.alg, kid: by.kid, ...options.header })
    .sign(by.privateKey);
}

function make(options: Partial<VerifierOptions> = {}): TokenVerifier {
  return createVerifier({
    keys: { kind: 'local', jwks },
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => NOW,
    ...options,
  });
}

async function reasonFor(
  token: string,
  using: TokenVerifier = verifier,
): Promise<AuthFailureReason> {
  try {
    await using.verify(token);
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    expect(error.message).not.toContain(token);
    for (const part of token.split('.').filter((p) => p.length > 8)) {
      expect(error.message).not.toContain(part);
    }
    return error.reason;
  }
  throw new Error('expected the token to be rejected');
}

function segment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

beforeAll(async () => {
  [es256, rs256, es384, ps256, impostor] = await Promise.all([
    signer('ES256', 'es-1'),
    signer('RS256', 'rs-1'),
    signer('ES384', 'es384-1'),
    signer('PS256', 'ps-1'),
    signer('ES256', 'es-1'),
  ]);
  const publish = async (s: Signer) => ({
    ...(await exportJWK(s.publicKey)),
    kid: s.kid,
    alg: s.alg,
    use: 'sig',
  });
  // The verifier's key set even publishes ES384 and PS256 keys: the algorithm allow-list, not the
  // absence of a key, is what must reject them.
  jwks = { keys: await Promise.all([es256, rs256, es384, ps256].map(publish)) };
  verifier = make();
});

describe('valid tokens', () => {
  it.each(['ES256', 'RS256'])('accepts %s and returns the principal', async (alg) => {
    const token = await mint(alg === 'ES256' ? es256 : rs256);
    await expect(verifier.verify(token)).resolves.toEqual({
      role: 'associate',
      subject: 'user-42',
      tokenId: 'tok-42',
      issuer: ISSUER,
      expiresAt: new Date((now + 3600) * 1000),
      associateId: 'A-42',
      storeIds: ['PAR-01'],
    });
  });

  it('accepts a token whose audience list includes this API', async () => {
    const token = await mint(es256, { aud: ['another-api', AUDIENCE] });
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'associate' });
  });

  it('accepts any of several trusted issuers', async () => {
    const token = await mint(es256, { iss: 'https://other-idp.example/' });
    const trustingBoth = make({ issuer: [ISSUER, 'https://other-idp.example/'] });
    await expect(trustingBoth.verify(token)).resolves.toMatchObject({ role: 'associate' });
  });

  it('tolerates a little clock skew on exp and nbf, not more', async () => {
    const justExpired = await mint(es256, { exp: now - 20 });
    const almostValid = await mint(es256, { nbf: now + 20 });
    await expect(verifier.verify(justExpired)).resolves.toBeDefined();
    await expect(verifier.verify(almostValid)).resolves.toBeDefined();
    const strict = make({ clockToleranceSeconds: 0 });
    expect(await reasonFor(justExpired, strict)).toBe('expired');
    expect(await reasonFor(almostValid, strict)).toBe('not_yet_valid');
  });
});

describe('rejected tokens, each with its reason', () => {
  it.each<[string, () => Promise<string>, AuthFailureReason]>([
    ['expired', () => mint(es256, { iat: now - 7200, exp: now - 3600 }), 'expired'],
    ['not valid yet', () => mint(es256, { nbf: now + 600 }), 'not_yet_valid'],
    ['from another issuer', () => mint(es256, { iss: 'https://evil.example/' }), 'wrong_issuer'],
    ['without an issuer', () => mint(es256, { drop: ['iss'] }), 'missing_claim'],
    ['for another audience', () => mint(es256, { aud: 'another-api' }), 'wrong_audience'],
    ['without an audience', () => mint(es256, { drop: ['aud'] }), 'missing_claim'],
    ['without an expiry', () => mint(es256, { drop: ['exp'] }), 'missing_claim'],
    ['without a token id', () => mint(es256, { drop: ['jti'] }), 'missing_claim'],
    ['without a subject', () => mint(es256, { drop: ['sub'] }), 'missing_claim'],
    ['without a role', () => mint(es256, { drop: [CLAIMS.role] }), 'missing_claim'],
    [
      'with an unknown role',
      () => mint(es256, { payload: { [CLAIMS.role]: 'root' } }),
      'invalid_claim',
    ],
    ['signed by a key with a known kid', () => mint(impostor), 'bad_signature'],
    [
      'signed by an unpublished key',
      () => mint(impostor, { header: { kid: 'nobody' } }),
      'unknown_key',
    ],
    ['signed with ES384', () => mint(es384), 'unsupported_algorithm'],
    ['signed with PS256', () => mint(ps256), 'unsupported_algorithm'],
    [
      'with payload tampered after signing',
      async () => {
        const [header, , signature] = (await mint(es256)).split('.');
        const payload = segment({
          ...associateClaims,
          [CLAIMS.role]: 'admin',
          iss: ISSUER,
          aud: AUDIENCE,
          exp: now + 3600,
        });
        return `${header}.${payload}.${signature}`;
      },
      'bad_signature',
    ],
    [
      'with header alg rewritten to none and no signature',
      async () => {
        const [, payload] = (await mint(es256)).split('.');
        return `${segment({ alg: 'none', typ: 'JWT' })}.${payload}.`;
      },
      'unsupported_algorithm',
    ],
    [
      'HS256-signed with the public key as the HMAC secret',
      async () => {
        const pem = await exportSPKI(rs256.publicKey);
        return new SignJWT({ ...associateClaims, iss: ISSUER, aud: AUDIENCE, exp: now + 3600 })
          .setProtectedHeader({ alg: 'HS256', kid: rs256.kid })
          .sign(new TextEncoder().encode(pem));
      },
      'unsupported_algorithm',
    ],
    ['that is not a JWT', () => Promise.resolve('not-a.jwt.at-all'), 'malformed_token'],
    ['that is absurdly long', () => Promise.resolve(`a.${'b'.repeat(9000)}.c`), 'malformed_token'],
  ])('rejects a token %s', async (_name, token, reason) => {
    expect(await reasonFor(await token())).toBe(reason);
  });

  it('checks the token type when asked to', async () => {
    const typed = make({ tokenType: 'at+jwt' });
    expect(await reasonFor(await mint(es256), typed)).toBe('wrong_type');
    const token = await mint(es256, { header: { typ: 'at+jwt' } });
    await expect(typed.verify(token)).resolves.toBeDefined();
  });

  it('checks the tenant when configured with one', async () => {
    const tenanted = make({ tenant: 'maison-demo' });
    expect(await reasonFor(await mint(es256), tenanted)).toBe('missing_claim');
    const other = await mint(es256, { payload: { [CLAIMS.tenant]: 'other-brand' } });
    expect(await reasonFor(other, tenanted)).toBe('wrong_tenant');
    const ours = await mint(es256, { payload: { [CLAIMS.tenant]: 'maison-demo' } });
    await expect(tenanted.verify(ours)).resolves.toMatchObject({ tenant: 'maison-demo' });
  });

  it('maps every failure to a 401 problem, with GraphQL extensions and an RFC 6750 challenge', async () => {
    const error: unknown = await verifier
      .verify(await mint(es256, { exp: now - 3600 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(toProblem(error)).toEqual({
      unexpected: false,
      problem: {
        type: 'urn:maison:problem:unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'The token has expired.',
      },
    });
    const { extensions } = error as AuthenticationError;
    expect(extensions.code).toBe('UNAUTHENTICATED');
    expect(extensions.reason).toBe('expired');
    expect(extensions.http.status).toBe(401);
    expect(extensions.http.headers).toBeInstanceOf(Map);
    expect(extensions.http.headers.get('www-authenticate')).toBe(
      'Bearer realm="maison", error="invalid_token", error_description="The token has expired."',
    );
  });

  it('answers any garbage or any corruption of a valid token with an AuthenticationError', async () => {
    const valid = await mint(es256);
    const original = await verifier.verify(valid);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.tuple(fc.nat(valid.length - 1), fc.nat(alphabet.length - 1)).map(([at, c]) => {
            return valid.slice(0, at) + alphabet.charAt(c) + valid.slice(at + 1);
          }),
        ),
        async (token) => {
          const outcome: Principal | AuthenticationError = await verifier
            .verify(token)
            .catch((error: unknown) => {
              if (error instanceof AuthenticationError) return error;
              throw error;
            });
          // Rewriting a character to itself, or a base64url padding bit, may leave it valid.
          if (!(outcome instanceof AuthenticationError)) expect(outcome).toEqual(original);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Authorization headers', () => {
  it('accepts the Bearer scheme in any case', async () => {
    const token = await mint(es256);
    await expect(verifier.verifyAuthorization(`Bearer ${token}`)).resolves.toBeDefined();
    await expect(verifier.verifyAuthorization(`bearer ${token}`)).resolves.toBeDefined();
  });

  it.each<[string, string | undefined, AuthFailureReason]>([
    ['absent', undefined, 'missing_token'],
    ['empty', '  ', 'missing_token'],
    ['another scheme', 'Basic dXNlcjpwYXNz', 'malformed_token'],
    ['a scheme without a token', 'Bearer', 'malformed_token'],
    ['a token that is not a JWS', 'Bearer abc', 'malformed_token'],
  ])('rejects a header that is %s', async (_name, header, reason) => {
    await expect(verifier.verifyAuthorization(header)).rejects.toMatchObject({ reason });
  });

  it('reads Node, fetch and Apollo HeaderMap style headers', async () => {
    const authorization = `Bearer ${await mint(es256)}`;
    const expected = { role: 'associate', subject: 'user-42' };
    await expect(verifier.principalFromHeaders({ authorization })).resolves.toMatchObject(expected);
    await expect(
      verifier.principalFromHeaders({ Authorization: authorization }),
    ).resolves.toMatchObject(expected);
    await expect(
      verifier.principalFromHeaders(new Headers({ authorization })),
    ).resolves.toMatchObject(expected);
    await expect(
      verifier.principalFromHeaders(new Map([['authorization', authorization]])),
    ).resolves.toMatchObject(expected);
  });

  it('is anonymous without a header, and never for a bad one', async () => {
    await expect(verifier.principalFromHeaders({ host: 'api' })).resolves.toBeUndefined();
    await expect(verifier.principalFromHeaders(new Headers())).resolves.toBeUndefined();
    await expect(
      verifier.principalFromHeaders({ authorization: 'Bearer x.y.z' }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    const token = await mint(es256);
    await expect(
      verifier.principalFromHeaders({ authorization: [`Bearer ${token}`, `Bearer ${token}`] }),
    ).rejects.toMatchObject({ reason: 'malformed_token' });
  });

  it('requirePrincipal turns an anonymous caller into a 401', () => {
    expect(() => requirePrincipal(undefined)).toThrow(AuthenticationError);
  });
});

describe('key sources', () => {
  it('refuses to fetch keys over plain http from a remote host', () => {
    expect(() =>
      createVerifier({
        keys: { kind: 'remote', url: 'http://idp.example/.well-known/jwks.json' },
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).toThrow(/https/);
  });

  it('allows https, loopback http, and explicitly insecure http', () => {
    for (const keys of [
      { kind: 'remote', url: 'https://idp.example/.well-known/jwks.json' },
      { kind: 'remote', url: 'http://127.0.0.1:4000/.well-known/jwks.json' },
      { kind: 'remote', url: 'http://localhost:4000/.well-known/jwks.json' },
      { kind: 'remote', url: 'http://issuer:4000/jwks.json', allowInsecureHttp: true },
    ] as const) {
      expect(() => createVerifier({ keys, issuer: ISSUER, audience: AUDIENCE })).not.toThrow();
    }
  });
});
