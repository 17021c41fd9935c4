// The REST edge: authenticate once per request, then gate endpoints by permission. Failures are
// thrown as typed errors, so service-kit's problem handler answers 401/403 problem+json.
import type { RequestHandler } from 'express';
import { authorize, type Permission } from './access.policy.js';
import { AuthenticationError } from './auth.errors.js';
import type { TokenVerifier } from './jwt.verifier.js';
import type { Principal } from './principal.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The authenticated caller, set by `authenticate` (absent on anonymous optional requests). */
    principal?: Principal;
  }
}

export interface AuthenticateOptions {
  readonly verifier: TokenVerifier;
  /**
   * Let requests without an Authorization header through anonymously (`req.principal` unset). A
   * header that is present but invalid is still a 401.
   */
  readonly optional?: boolean;
}

export function authenticate(options: AuthenticateOptions): RequestHandler {
  return async (req, res, next) => {
    try {
      const principal = await options.verifier.principalFromHeaders(req.headers);
      if (principal === undefined && options.optional !== true) {
        throw new AuthenticationError('missing_token');
      }
      if (principal === undefined) delete req.principal;
      else req.principal = principal;
      next();
    } catch (error) {
      // RFC 6750: a 401 tells the client which scheme to use and, for a bad token, why.
      if (error instanceof AuthenticationError) res.setHeader('www-authenticate', error.challenge);
      throw error;
    }
  };
}

/**
 * Endpoint-level gate, after `authenticate`: the caller must hold the permission for at least some
 * resources (row-level checks stay in the handler, with `authorize(principal, permission, scope)`).
 */
export function requirePermission(permission: Permission): RequestHandler {
  return (req, res, next) => {
    const principal = req.principal;
    if (principal === undefined) {
      const error = new AuthenticationError('missing_token');
      res.setHeader('www-authenticate', error.challenge);
      throw error;
    }
    authorize(principal, permission);
    next();
  };
}
