import type { Request, Response } from 'express';

/** Codes the gateway's edge answers with (in `errors[0].extensions.code`). */
export type EdgeErrorCode =
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'CSRF_PREVENTED'
  | 'BAD_REQUEST'
  | 'BATCHING_NOT_SUPPORTED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'OPERATION_RESOLUTION_FAILURE'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'PERSISTED_QUERY_HASH_MISMATCH'
  | 'INTROSPECTION_DISABLED'
  | 'QUERY_TOO_LARGE'
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COMPLEX';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * A GraphQL-over-HTTP error response from the edge: `{ errors: [{ message, extensions: { code } }] }`
 * in the media type the caller accepts (`application/graphql-response+json` when it asks for it,
 * `application/json` otherwise), with the status the spec and RFC 6585 call for.
 */
export function sendEdgeError(
  req: Request,
  res: Response,
  status: number,
  code: EdgeErrorCode,
  message: string,
  options: {
    readonly extensions?: Readonly<Record<string, unknown>>;
    readonly headers?: Readonly<Record<string, string>>;
  } = {},
): void {
  const accept = req.headers.accept ?? '';
  const type = accept.includes(GRAPHQL_RESPONSE) ? GRAPHQL_RESPONSE : 'application/json';
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.status(status);
  res.setHeader('content-type', `${type}; charset=utf-8`);
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify({ errors: [{ message, extensions: { code, ...options.extensions } }] }));
}
