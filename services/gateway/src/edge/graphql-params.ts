import type { Request } from 'express';

/** The GraphQL-over-HTTP request parameters, as far as the edge needs them. */
export interface GraphQLParams {
  readonly query: string | undefined;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>> | undefined;
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
}

export type ParamsResult =
  | { readonly kind: 'params'; readonly params: GraphQLParams }
  /** Several operations in one body (batching): not supported by the edge. */
  | { readonly kind: 'batch' }
  /** Not a GraphQL request the edge can read: the engine answers it (400s per the spec). */
  | { readonly kind: 'unreadable' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonRecord(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const stringOrUndefined = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Reads `query`, `operationName`, `variables`, `extensions` from a GET query string or a JSON body. */
export function graphqlParams(req: Request): ParamsResult {
  let source: Record<string, unknown>;
  if (req.method === 'GET' || req.method === 'HEAD') {
    source = Object.fromEntries(new URLSearchParams(req.url.split('?')[1] ?? ''));
  } else {
    const body: unknown = req.body;
    if (Array.isArray(body)) return { kind: 'batch' };
    if (!isRecord(body)) return { kind: 'unreadable' };
    source = body;
  }
  return {
    kind: 'params',
    params: {
      query: stringOrUndefined(source.query),
      operationName: stringOrUndefined(source.operationName),
      variables: jsonRecord(source.variables),
      extensions: jsonRecord(source.extensions),
    },
  };
}

/**
 * Rewrites the request so the engine executes `query` (the allow-listed text a persisted hash
 * stands for) and never sees the `persistedQuery` extension.
 */
export function rewriteQuery(req: Request, params: GraphQLParams, query: string): void {
  const { persistedQuery: _dropped, ...extensions } = params.extensions ?? {};
  const hasExtensions = Object.keys(extensions).length > 0;
  if (req.method === 'GET' || req.method === 'HEAD') {
    const search = new URLSearchParams(req.url.split('?')[1] ?? '');
    search.set('query', query);
    if (hasExtensions) search.set('extensions', JSON.stringify(extensions));
    else search.delete('extensions');
    req.url = `${req.url.split('?')[0] ?? ''}?${search.toString()}`;
  } else {
    const body: Record<string, unknown> = { ...(req.body as Record<string, unknown>), query };
    if (hasExtensions) body.extensions = extensions;
    else delete body.extensions;
    req.body = body;
  }
}
