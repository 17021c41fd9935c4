// Authentication and authorization failures as service-kit's typed errors, so the HTTP edge maps
// them to 401/403 problem+json like every other error. They also carry GraphQL `extensions`:
// Apollo Server copies an original error's extensions into the GraphQLError it wraps it in, so a
// context function or resolver that throws these answers UNAUTHENTICATED (HTTP 401) / FORBIDDEN
// without this package depending on graphql.
import { ForbiddenError, UnauthorizedError } from '@maison/service-kit';
import type { Role } from './principal.js';

/** Why a request was not authenticated. Every one of them is a 401, never a 500. */
export const AUTH_FAILURE_REASONS = [
  'missing_token',
  'malformed_token',
  'unsupported_algorithm',
  'unknown_key',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'wrong_type',
  'wrong_tenant',
  'missing_claim',
  'invalid_claim',
  'jwks_unavailable',
  'invalid_token',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

function describe(reason: AuthFailureReason, claim: string | undefined): string {
  switch (reason) {
    case 'missing_token':
      return 'A bearer token is required.';
    case 'malformed_token':
      return 'The Authorization header does not hold a well-formed bearer JWT.';
    case 'unsupported_algorithm':
      return 'The token is not signed with an accepted algorithm (RS256 or ES256).';
    case 'unknown_key':
      return 'The token is signed with a key the issuer does not publish.';
    case 'bad_signature':
      return 'The token signature is invalid.';
    case 'expired':
      return 'The token has expired.';
    case 'not_yet_valid':
      return 'The token is not valid yet.';
    case 'wrong_issuer':
      return 'The token was issued by an untrusted issuer.';
    case 'wrong_audience':
      return 'The token is not meant for this audience.';
    case 'wrong_type':
      return 'The token is not an access token of the expected type.';
    case 'wrong_tenant':
      return 'The token was issued for another tenant.';
    case 'missing_claim':
      return `The token lacks the required claim ${claim ?? '(unknown)'}.`;
    case 'invalid_claim':
      return `The token claim ${claim ?? '(unknown)'} is invalid.`;
    case 'jwks_unavailable':
      return 'The signing keys could not be obtained; retry later.';
    case 'invalid_token':
      return 'The token is invalid.';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/** RFC 6750 §3: the challenge a 401 carries (no error code when no token was presented). */
function challenge(reason: AuthFailureReason, message: string): string {
  if (reason === 'missing_token') return 'Bearer realm="maison"';
  return `Bearer realm="maison", error="invalid_token", error_description="${message.replaceAll(/["\\]/g, '')}"`;
}

export interface AuthenticationErrorExtensions {
  readonly code: 'UNAUTHENTICATED';
  readonly reason: AuthFailureReason;
  readonly http: { readonly status: 401; readonly headers: Map<string, string> };
}

/**
 * The caller is not authenticated. Messages name the reason and at most a claim name: never the
 * token, its claim values or the underlying library message (which may quote either).
 */
export class AuthenticationError extends UnauthorizedError {
  readonly reason: AuthFailureReason;
  /** The claim at fault, for `missing_claim` / `invalid_claim` / `wrong_*`. */
  readonly claim: string | undefined;
  /** Value for the `WWW-Authenticate` response header. */
  readonly challenge: string;
  readonly extensions: AuthenticationErrorExtensions;

  constructor(reason: AuthFailureReason, options: { claim?: string } = {}) {
    const message = describe(reason, options.claim);
    super(message);
    this.reason = reason;
    this.claim = options.claim;
    this.challenge = challenge(reason, message);
    this.extensions = {
      code: 'UNAUTHENTICATED',
      reason,
      http: { status: 401, headers: new Map([['www-authenticate', this.challenge]]) },
    };
  }
}

export interface AccessDeniedErrorExtensions {
  readonly code: 'FORBIDDEN';
}

/**
 * Authenticated, but this role or scope does not allow it. The message names the role and what was
 * asked for, never the resource's data. No `http` extension: in GraphQL a denied field is a field
 * error in a 200 response, the rest of the query still answers.
 */
export class AccessDeniedError extends ForbiddenError {
  readonly role: Role;
  readonly extensions: AccessDeniedErrorExtensions = { code: 'FORBIDDEN' };

  constructor(role: Role, what: string) {
    super(`The ${role} role may not ${what}.`);
    this.role = role;
  }
}
