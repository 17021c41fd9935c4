import { AuthenticationError, type Principal, type TokenVerifier } from '@maison/auth';
import type { RateLimiter } from '@maison/cache';
import type { Logger } from '@maison/service-kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { isPreflighted } from './csrf.js';
import { sendEdgeError } from './graphql-errors.js';
import { graphqlParams, rewriteQuery, type GraphQLParams } from './graphql-params.js';
import { analyseOperation } from './operation.analysis.js';
import { operationHash, type PersistedOperations } from './persisted-operations.js';
import { traceHeaders } from './trace.js';

export interface EdgeLimits {
  /** Deepest field nesting an operation may have. */
  readonly maxDepth: number;
  /** Highest estimated cost (see `analyseOperation`). */
  readonly maxCost: number;
  /** Most lexical tokens a document may have (bounds parsing work itself). */
  readonly maxTokens: number;
  /** Items assumed for list fields without a size argument. */
  readonly defaultListSize: number;
}

export interface EdgeOptions {
  readonly verifier: TokenVerifier;
  readonly rateLimiter: RateLimiter;
  readonly apiSchema: GraphQLSchema;
  readonly limits: EdgeLimits;
  readonly introspection: boolean;
  /** Production: only operations in this allow-list run. Development: it only resolves hashes. */
  readonly persistedOperations: PersistedOperations | undefined;
  readonly enforceAllowList: boolean;
  readonly logger: Logger;
}

const FORWARDED_REQUEST_HEADERS = ['authorization', 'x-request-id'] as const;

function parsesWithoutLimit(query: string): boolean {
  try {
    parse(query);
    return true;
  } catch {
    return false;
  }
}

/** The root operation type the request's operation needs but the schema lacks, if any. */
function missingRootType(
  document: DocumentNode,
  operationName: string | undefined,
  schema: GraphQLSchema,
): 'mutation' | 'subscription' | undefined {
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName !== undefined && d.name?.value !== operationName) continue;
    if (d.operation === OperationTypeNode.MUTATION && !schema.getMutationType()) return 'mutation';
    if (d.operation === OperationTypeNode.SUBSCRIPTION && !schema.getSubscriptionType())
      return 'subscription';
  }
  return undefined;
}

/** Whether the request says which operation to run (GraphQL spec, GetOperation). */
function resolvesOperation(document: DocumentNode, operationName: string | undefined): boolean {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName === undefined) return operations.length === 1;
  return operations.some((o) => o.name?.value === operationName);
}

function persistedHash(params: GraphQLParams): string | undefined {
  const persisted = params.extensions?.persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const hash = (persisted as Record<string, unknown>).sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * The gateway's edge, the same whichever engine runs behind it: CSRF prevention, JWT bearer
 * verification (401 for anonymous callers), a per-caller rate limit (429 + Retry-After), the
 * persisted-operation allow-list, introspection, token, depth and cost limits — all before any
 * subgraph is called. Subgraphs verify the forwarded token again: the edge is a first line only.
 */
export function edgeGuard(options: EdgeOptions): RequestHandler {
  const { limits } = options;

  async function limited(req: Request, res: Response, key: string): Promise<boolean> {
    try {
      const decision = await options.rateLimiter.consume(key);
      res.setHeader('ratelimit-limit', String(decision.limit));
      res.setHeader('ratelimit-remaining', String(decision.remaining));
      if (decision.allowed) return false;
      const retryAfter = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
      sendEdgeError(req, res, 429, 'RATE_LIMITED', 'Too many requests: retry later.', {
        headers: { 'retry-after': retryAfter },
        extensions: { retryAfterSeconds: Number(retryAfter) },
      });
      return true;
    } catch (error) {
      // A rate-limiter outage must not take the client view down: let the call through, loudly.
      req.log.warn({ err: error }, 'rate limiter unavailable; request not limited');
      return false;
    }
  }

  async function unauthenticated(req: Request, res: Response, error: AuthenticationError) {
    // Callers without a valid token are limited by address, so token guessing is throttled too.
    if (await limited(req, res, `ip:${req.ip ?? 'unknown'}`)) return;
    sendEdgeError(req, res, 401, 'UNAUTHENTICATED', error.message, {
      headers: { 'www-authenticate': error.challenge },
      extensions: { reason: error.reason },
    });
  }

  async function handle(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!isPreflighted(req.headers)) {
      sendEdgeError(
        req,
        res,
        400,
        'CSRF_PREVENTED',
        'This request has been blocked as a potential cross-site request forgery: send Content-Type: application/json, or an x-maison-csrf header.',
      );
      return;
    }
    let principal: Principal | undefined;
    try {
      principal = await options.verifier.principalFromHeaders(req.headers);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      await unauthenticated(req, res, error);
      return;
    }
    if (principal === undefined) {
      await unauthenticated(req, res, new AuthenticationError('missing_token'));
      return;
    }
    req.principal = principal;
    if (await limited(req, res, `sub:${principal.subject}`)) return;

    const read = graphqlParams(req);
    if (read.kind === 'batch') {
      sendEdgeError(req, res, 400, 'BATCHING_NOT_SUPPORTED', 'Send one operation per request.');
      return;
    }
    if (read.kind === 'unreadable') {
      sendEdgeError(
        req,
        res,
        400,
        'BAD_REQUEST',
        'A POST needs a JSON object body: { query, variables?, operationName? }.',
      );
      return;
    }
    if (!checkOperation(req, res, read.params)) return;

    const forward: Record<string, string> = traceHeaders(req.headers);
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') forward[name] = value;
    }
    forward['x-request-id'] = req.id;
    res.locals.forward = forward;
    next();
  }

  /** Allow-list, then parse and analyse. `false` once it has answered the request itself. */
  function checkOperation(req: Request, res: Response, params: GraphQLParams): boolean {
    const hash = persistedHash(params);
    let query = params.query;
    if (hash !== undefined) {
      const known = options.persistedOperations?.get(hash);
      if (known === undefined && query === undefined) {
        sendEdgeError(req, res, 400, 'PERSISTED_QUERY_NOT_FOUND', 'Unknown persisted operation.');
        return false;
      }
      if (query !== undefined && operationHash(query) !== hash.toLowerCase()) {
        sendEdgeError(
          req,
          res,
          400,
          'PERSISTED_QUERY_HASH_MISMATCH',
          'The operation does not match its sha256Hash.',
        );
        return false;
      }
      query = known ?? query;
    }
    if (query === undefined) {
      sendEdgeError(req, res, 400, 'BAD_REQUEST', 'The request has no query parameter.');
      return false;
    }
    if (options.enforceAllowList && options.persistedOperations?.has(query) !== true) {
      sendEdgeError(
        req,
        res,
        400,
        'PERSISTED_QUERY_NOT_IN_LIST',
        'Only allow-listed operations run on this gateway.',
      );
      return false;
    }
    if (hash !== undefined || query !== params.query) rewriteQuery(req, params, query);

    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: limits.maxTokens });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      // Over the token limit if it parses without one (graphql-js says so only in its message).
      if (parsesWithoutLimit(query)) {
        sendEdgeError(req, res, 400, 'QUERY_TOO_LARGE', 'The operation has too many tokens.', {
          extensions: { maxTokens: limits.maxTokens },
        });
        return false;
      }
      return true; // a syntax error: the engine answers it per the GraphQL-over-HTTP spec
    }
    const missingRoot = missingRootType(document, params.operationName, options.apiSchema);
    if (missingRoot !== undefined) {
      // A document error: 200 for application/json callers, 400 otherwise (GraphQL over HTTP).
      const status = (req.headers.accept ?? '').includes('application/graphql-response+json')
        ? 400
        : 200;
      sendEdgeError(
        req,
        res,
        status,
        'GRAPHQL_VALIDATION_FAILED',
        `The schema does not support ${missingRoot} operations.`,
      );
      return false;
    }
    if (!resolvesOperation(document, params.operationName)) {
      sendEdgeError(
        req,
        res,
        400,
        'OPERATION_RESOLUTION_FAILURE',
        params.operationName === undefined
          ? 'The document has several operations: name the one to run (operationName).'
          : 'The document has no operation of that operationName.',
      );
      return false;
    }
    const analysis = analyseOperation(document, options.apiSchema, {
      operationName: params.operationName,
      variables: params.variables,
      defaultListSize: limits.defaultListSize,
    });
    if (analysis.introspection && !options.introspection) {
      sendEdgeError(req, res, 400, 'INTROSPECTION_DISABLED', 'Introspection is disabled.');
      return false;
    }
    if (analysis.depth > limits.maxDepth) {
      sendEdgeError(req, res, 400, 'QUERY_TOO_DEEP', 'The operation is nested too deeply.', {
        extensions: { depth: analysis.depth, maxDepth: limits.maxDepth },
      });
      return false;
    }
    if (analysis.cost > limits.maxCost) {
      sendEdgeError(req, res, 400, 'QUERY_TOO_COMPLEX', 'The operation would cost too much.', {
        extensions: { cost: analysis.cost, maxCost: limits.maxCost },
      });
      return false;
    }
    return true;
  }

  return (req, res, next) => {
    handle(req, res, next).catch(next);
  };
}
