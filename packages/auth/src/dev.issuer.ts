// A development identity provider for the demo and for tests: one ES256 key (generated, or kept in
// a folder so tokens survive restarts), its JWKS, and short-lived tokens for the demo roles. It
// mints whatever role it is asked for, so it refuses to exist in production.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REGIONS } from '@maison/event-contracts';
import { parseInput, ValidationError } from '@maison/service-kit';
import express, { type Router } from 'express';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { z } from 'zod';
import { AuthenticationError } from './auth.errors.js';
import {
  claimsFor,
  fieldOfClaim,
  principalFromClaims,
  type PrincipalClaims,
} from './claims.schema.js';
import type { KeySource } from './jwt.verifier.js';
import { ROLES, type Role } from './principal.js';

export const DEV_TOKEN_TTL_SECONDS = 3600;
const MAX_TTL_SECONDS = 24 * 3600;
const KEY_FILE = 'dev-issuer.es256.jwk.json';
/** RFC 9068 media type of JWT access tokens. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** What `POST /dev/token` accepts: a role and, where the role needs them, its scope. */
export interface DevTokenRequest {
  readonly role: Role;
  readonly subject?: string;
  readonly storeIds?: readonly string[];
  readonly region?: (typeof REGIONS)[number];
  readonly associateId?: string;
  readonly tenant?: string;
}

/** Scope filled in when a request leaves it out (the demo data's stores and associates). */
export type DevTokenDefaults = Partial<Record<Role, Omit<DevTokenRequest, 'role'>>>;

/** Knobs for tests that need tokens which are wrong in one precise way. */
export interface MintOverrides {
  readonly issuedAt?: Date;
  readonly notBefore?: Date;
  readonly ttlSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly tokenId?: string;
}

export interface DevIssuerOptions {
  /** The `iss` of its tokens, conventionally the URL it is served at. */
  readonly issuer: string;
  /** The `aud` of its tokens: what the services' verifiers expect. */
  readonly audience: string;
  /** Keep the key here (created on first start, mode 0600); without it the key lives in memory. */
  readonly keyDir?: string;
  /** Token lifetime (default one hour, at most a day). */
  readonly ttlSeconds?: number;
  readonly defaults?: DevTokenDefaults;
  /** The environment whose NODE_ENV is checked (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
}

export interface DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly keyId: string;
  /** The public key set, as served at `/.well-known/jwks.json`. */
  jwks(): JSONWebKeySet;
  /** The same keys as a verifier key source, for verifying in-process without HTTP. */
  keySource(): KeySource;
  /** Signs a token for the request (after applying defaults); `ValidationError` if incomplete. */
  mintToken(request: DevTokenRequest, overrides?: MintOverrides): Promise<string>;
  /** `GET /.well-known/jwks.json` and `POST /dev/token`. */
  router(): Router;
}

const requestSchema = z.strictObject({
  role: z.enum(ROLES),
  subject: z.string().min(1).optional(),
  storeIds: z.array(z.string()).optional(),
  region: z.enum(REGIONS).optional(),
  associateId: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
});

const privateJwkSchema = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

type PrivateJwk = z.output<typeof privateJwkSchema>;

async function signingKeyFrom(privateJwk: PrivateJwk): Promise<SigningKey> {
  const { kty, crv, x, y } = privateJwk;
  const kid = await calculateJwkThumbprint({ kty, crv, x, y });
  const privateKey = await importJWK(privateJwk, 'ES256');
  if (privateKey instanceof Uint8Array) throw new Error('Expected an EC private key.');
  return { privateKey, publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' } };
}

async function generatePrivateJwk(): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return privateJwkSchema.parse(await exportJWK(privateKey));
}

// Duck-typed: under some runners (jest's VM realms) fs errors are not `instanceof Error` here.
function errnoCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

async function loadOrCreateKey(keyDir: string | undefined): Promise<SigningKey> {
  if (keyDir === undefined) return signingKeyFrom(await generatePrivateJwk());
  const file = path.join(keyDir, KEY_FILE);
  try {
    return await signingKeyFrom(privateJwkSchema.parse(JSON.parse(await readFile(file, 'utf8'))));
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') {
      throw new Error(`The development issuer key in ${file} is unreadable.`, { cause: error });
    }
  }
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  const created = await generatePrivateJwk();
  try {
    // 'wx': if another process created the key meanwhile, use theirs rather than overwrite it.
    await writeFile(file, `${JSON.stringify(created)}\n`, { mode: 0o600, flag: 'wx' });
    return await signingKeyFrom(created);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') {
      return signingKeyFrom(privateJwkSchema.parse(JSON.parse(await readFile(file, 'utf8'))));
    }
    throw error;
  }
}

function withDefaults(request: DevTokenRequest, defaults: DevTokenDefaults): PrincipalClaims {
  const fallback = defaults[request.role] ?? {};
  const pick = <K extends keyof Omit<DevTokenRequest, 'role'>>(key: K) =>
    request[key] ?? fallback[key];
  const storeIds = pick('storeIds');
  const region = pick('region');
  const associateId = pick('associateId');
  const tenant = pick('tenant');
  return {
    role: request.role,
    subject: pick('subject') ?? `dev-${request.role.replaceAll('_', '-')}`,
    ...(storeIds === undefined ? {} : { storeIds }),
    ...(region === undefined ? {} : { region }),
    ...(associateId === undefined ? {} : { associateId }),
    ...(tenant === undefined ? {} : { tenant }),
  };
}

/** A claim the verifiers would reject becomes a 400 pointing at the request field. */
function invalidRequest(error: AuthenticationError): ValidationError {
  const field = error.claim === undefined ? undefined : fieldOfClaim(error.claim);
  const detail = error.reason === 'missing_claim' ? 'is required for this role' : 'is invalid';
  return new ValidationError(
    'The token request is incomplete or invalid for its role.',
    field === undefined ? [] : [{ pointer: `/${field}`, detail }],
  );
}

export async function createDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const env = options.env ?? process.env;
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'The development token issuer refuses to run with NODE_ENV=production: it mints tokens for any role.',
    );
  }
  const ttlSeconds = options.ttlSeconds ?? DEV_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new Error(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}.`);
  }
  const now = options.now ?? (() => new Date());
  const key = await loadOrCreateKey(options.keyDir);
  const keyId = key.publicJwk.kid ?? '';
  const jwks: JSONWebKeySet = { keys: [key.publicJwk] };

  async function mintToken(
    request: DevTokenRequest,
    overrides: MintOverrides = {},
  ): Promise<string> {
    const issuedAt = Math.floor((overrides.issuedAt ?? now()).getTime() / 1000);
    const expiresAt = issuedAt + (overrides.ttlSeconds ?? ttlSeconds);
    const issuer = overrides.issuer ?? options.issuer;
    const audience = overrides.audience ?? options.audience;
    const tokenId = overrides.tokenId ?? randomUUID();
    const claims = claimsFor(withDefaults(request, options.defaults ?? {}));
    try {
      // The verifiers' own claim rules, so the issuer never mints a token they would refuse.
      principalFromClaims({ ...claims, jti: tokenId, iss: issuer, exp: expiresAt });
    } catch (error) {
      if (error instanceof AuthenticationError) throw invalidRequest(error);
      throw error;
    }
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: keyId, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(issuer)
      .setAudience(typeof audience === 'string' ? audience : [...audience])
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(tokenId);
    if (overrides.notBefore !== undefined) {
      jwt.setNotBefore(Math.floor(overrides.notBefore.getTime() / 1000));
    }
    return jwt.sign(key.privateKey);
  }

  function router(): Router {
    const routes = express.Router();
    routes.get('/.well-known/jwks.json', (_req, res) => {
      res.set('cache-control', 'public, max-age=300').json(jwks);
    });
    routes.post('/dev/token', express.json({ limit: '4kb' }), async (req, res) => {
      const body = parseInput(requestSchema, req.body ?? {});
      const request: DevTokenRequest = {
        role: body.role,
        ...(body.subject === undefined ? {} : { subject: body.subject }),
        ...(body.storeIds === undefined ? {} : { storeIds: body.storeIds }),
        ...(body.region === undefined ? {} : { region: body.region }),
        ...(body.associateId === undefined ? {} : { associateId: body.associateId }),
        ...(body.tenant === undefined ? {} : { tenant: body.tenant }),
      };
      const token = await mintToken(request);
      // RFC 6749 §5.1: token responses are never cached.
      res.set('cache-control', 'no-store').json({
        access_token: token,
        token_type: 'Bearer',
        expires_in: ttlSeconds,
      });
    });
    return routes;
  }

  return {
    issuer: options.issuer,
    audience: options.audience,
    keyId,
    jwks: () => structuredClone(jwks),
    keySource: () => ({ kind: 'local', jwks: structuredClone(jwks) }),
    mintToken,
    router,
  };
}
