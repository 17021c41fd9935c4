// Bearer-token verification: signature against a JWKS, then issuer, audience and time, then our
// claims. Every failure becomes an `AuthenticationError` with a reason, so a bad or hostile token
// is a 401 and never a 500, and no message ever repeats the token or the library's description.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { AuthenticationError, type AuthFailureReason } from './auth.errors.js';
import { CLAIMS, principalFromClaims } from './claims.schema.js';
import type { Principal } from './principal.js';

/** Asymmetric only: with an HMAC algorithm a published public key would become a signing secret. */
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256'] as const;
export type AcceptedAlgorithm = (typeof ACCEPTED_ALGORITHMS)[number];

export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
// Larger than any token we issue or accept from an IdP; bounds the work done on garbage input.
const MAX_TOKEN_LENGTH = 8192;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*) *$/i;

export type KeySource =
  | {
      readonly kind: 'remote';
      /** The issuer's JWKS document, e.g. `https://idp.example/.well-known/jwks.json`. */
      readonly url: string | URL;
      /** How long fetched keys are trusted before a refetch (default 10 min). */
      readonly cacheMaxAgeMs?: number;
      /** Least time between refetches triggered by an unknown `kid` (default 30 s). */
      readonly cooldownMs?: number;
      /** Fetch timeout (default 5 s). */
      readonly timeoutMs?: number;
      /** Permit plain http to a non-loopback host (a compose network); never in production. */
      readonly allowInsecureHttp?: boolean;
    }
  | { readonly kind: 'local'; readonly jwks: JSONWebKeySet };

export interface VerifierOptions {
  readonly keys: KeySource;
  /** Accepted `iss` value(s). */
  readonly issuer: string | readonly string[];
  /** Accepted `aud` value(s): this API's identifier. */
  readonly audience: string | readonly string[];
  /** Leeway for `exp`/`nbf` against clock skew between issuer and service (default 30 s). */
  readonly clockToleranceSeconds?: number;
  /** When set, tokens must carry this `urn:maison:tenant`. */
  readonly tenant?: string;
  /** When set, the JOSE header `typ` must equal it (e.g. `at+jwt`, RFC 9068). */
  readonly tokenType?: string;
  /** The clock (tests). */
  readonly now?: () => Date;
}

/** Fetch-style (`Headers`, Apollo's `HeaderMap`) or Node-style (`IncomingHttpHeaders`) headers. */
export type HeadersLike =
  | { readonly get: (name: string) => string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface TokenVerifier {
  /** Verifies a compact JWT and returns the caller; throws `AuthenticationError`. */
  verify(token: string): Promise<Principal>;
  /** Verifies an `Authorization` header value (`Bearer <jwt>`); absent → `missing_token`. */
  verifyAuthorization(header: string | undefined): Promise<Principal>;
  /**
   * For GraphQL context functions: `undefined` without an Authorization header (let resolvers
   * decide with `requirePrincipal`), the principal for a valid token, `AuthenticationError` for an
   * invalid one — a token that is presented and wrong is rejected, never downgraded to anonymous.
   */
  principalFromHeaders(headers: HeadersLike): Promise<Principal | undefined>;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Marks a failure to obtain keys (network, HTTP status, bad document), as opposed to a bad token. */
class KeySetUnavailable extends Error {}

function keyResolver(source: KeySource): JWTVerifyGetKey {
  switch (source.kind) {
    case 'local':
      return createLocalJWKSet(source.jwks);
    case 'remote': {
      const url = new URL(source.url);
      const secure =
        url.protocol === 'https:' ||
        (url.protocol === 'http:' &&
          (LOOPBACK_HOSTS.has(url.hostname) || source.allowInsecureHttp === true));
      if (!secure) {
        throw new Error(`The JWKS must be fetched over https (got ${url.protocol}//${url.host}).`);
      }
      const remote = createRemoteJWKSet(url, {
        ...(source.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: source.cacheMaxAgeMs }),
        ...(source.cooldownMs === undefined ? {} : { cooldownDuration: source.cooldownMs }),
        ...(source.timeoutMs === undefined ? {} : { timeoutDuration: source.timeoutMs }),
      });
      return async (header, token) => {
        try {
          return await remote(header, token);
        } catch (error) {
          if (
            error instanceof errors.JWKSNoMatchingKey ||
            error instanceof errors.JWKSMultipleMatchingKeys
          ) {
            throw error;
          }
          throw new KeySetUnavailable('JWKS unavailable', { cause: error });
        }
      };
    }
    default: {
      const unreachable: never = source;
      return unreachable;
    }
  }
}

function claimFailure(error: errors.JWTClaimValidationFailed): AuthenticationError {
  const claim = error.claim;
  if (error.reason === 'missing') return new AuthenticationError('missing_claim', { claim });
  const byClaim: Readonly<Record<string, AuthFailureReason>> = {
    iss: 'wrong_issuer',
    aud: 'wrong_audience',
    nbf: 'not_yet_valid',
    typ: 'wrong_type',
  };
  return new AuthenticationError(byClaim[claim] ?? 'invalid_claim', { claim });
}

/** Maps anything jose (or key fetching) throws to a reasoned 401. */
function asAuthenticationError(error: unknown): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  if (error instanceof KeySetUnavailable) return new AuthenticationError('jwks_unavailable');
  if (error instanceof errors.JWTExpired) return new AuthenticationError('expired');
  if (error instanceof errors.JWTClaimValidationFailed) return claimFailure(error);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthenticationError('unsupported_algorithm');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError('bad_signature');
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new AuthenticationError('unknown_key');
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new AuthenticationError('malformed_token');
  }
  // Anything else (a key that does not fit the algorithm, a library surprise) is still the
  // token's problem as far as the caller is concerned: reject it without detail.
  return new AuthenticationError('invalid_token');
}

function authorizationOf(headers: HeadersLike): string | undefined {
  if ('get' in headers && typeof headers.get === 'function') {
    return headers.get('authorization') ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((name) => name.toLowerCase() === 'authorization');
  const value = key === undefined ? undefined : record[key];
  if (value === undefined || typeof value === 'string') return value;
  // Two Authorization headers are ambiguous: reject rather than pick one.
  if (value.length === 1) return value[0];
  throw new AuthenticationError('malformed_token');
}

export function createVerifier(options: VerifierOptions): TokenVerifier {
  const getKey = keyResolver(options.keys);
  const issuer = typeof options.issuer === 'string' ? options.issuer : [...options.issuer];
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;

  async function verify(token: string): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthenticationError('malformed_token');
    let payload: Readonly<Record<string, unknown>>;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms: [...ACCEPTED_ALGORITHMS],
        issuer,
        audience,
        clockTolerance,
        requiredClaims: ['exp', 'sub', 'jti'],
        ...(options.tokenType === undefined ? {} : { typ: options.tokenType }),
        ...(options.now === undefined ? {} : { currentDate: options.now() }),
      }));
    } catch (error) {
      throw asAuthenticationError(error);
    }
    const principal = principalFromClaims(payload);
    if (options.tenant !== undefined) {
      if (principal.tenant === undefined) {
        throw new AuthenticationError('missing_claim', { claim: CLAIMS.tenant });
      }
      if (principal.tenant !== options.tenant) {
        throw new AuthenticationError('wrong_tenant', { claim: CLAIMS.tenant });
      }
    }
    return principal;
  }

  async function verifyAuthorization(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') {
      throw new AuthenticationError('missing_token');
    }
    if (header.length > MAX_TOKEN_LENGTH + 16) throw new AuthenticationError('malformed_token');
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw new AuthenticationError('malformed_token');
    return verify(token);
  }

  return {
    verify,
    verifyAuthorization,
    async principalFromHeaders(headers) {
      const header = authorizationOf(headers);
      if (header === undefined || header.trim() === '') return undefined;
      return verifyAuthorization(header);
    },
  };
}

/** For resolvers and handlers behind optional authentication: the principal, or a 401. */
export function requirePrincipal(principal: Principal | undefined): Principal {
  if (principal === undefined) throw new AuthenticationError('missing_token');
  return principal;
}
