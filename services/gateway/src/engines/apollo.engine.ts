import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { Logger } from '@maison/service-kit';
import { CSRF_HEADERS } from '../edge/csrf.js';
import {
  LEAKY_HEADERS,
  NO_STORE,
  type Engine,
  type EngineOptions,
  type ForwardHeaders,
} from './engine.js';

interface ApolloContext {
  readonly forward: ForwardHeaders;
}

const quietHeaders: ApolloServerPlugin<ApolloContext> = {
  requestDidStart: () =>
    Promise.resolve({
      willSendResponse: ({ response }) => {
        for (const h of LEAKY_HEADERS) response.http.headers.delete(h);
        response.http.headers.set('cache-control', NO_STORE);
        return Promise.resolve();
      },
    }),
};

const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
]);

/**
 * GraphQL over HTTP: with `application/json` (the legacy media type) a request error — a
 * document that does not parse or validate, variables that do not coerce — is still a 200
 * (clients of that media type read errors from the body). Apollo Server answers 400 for every
 * media type; this puts it back in line with the spec (`application/graphql-response+json` keeps
 * the 400).
 */
const legacyJsonStatus: ApolloServerPlugin<ApolloContext> = {
  requestDidStart: () =>
    Promise.resolve({
      willSendResponse: ({ request, response }) => {
        const accept = request.http?.headers.get('accept') ?? '';
        if (response.http.status !== 400 || accept.includes('application/graphql-response+json'))
          return Promise.resolve();
        const body = response.body;
        if (body.kind !== 'single' || body.singleResult.data !== undefined)
          return Promise.resolve();
        const errors = body.singleResult.errors ?? [];
        if (
          errors.length > 0 &&
          errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions?.code)))
        )
          response.http.status = 200;
        return Promise.resolve();
      },
    }),
};

function gatewayLogger(logger: Logger) {
  // Apollo logs plain strings; keep them at the levels it chose, never with request data.
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message?: unknown) => {
    logger[level]({ engine: 'apollo' }, String(message));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** `@apollo/gateway` (stock query planner and executor) on Apollo Server 5 + express 5. */
export async function createApolloEngine(options: EngineOptions): Promise<Engine> {
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: gatewayLogger(options.logger),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<ApolloContext>({
        ...(url === undefined ? {} : { url }),
        willSendRequest({ request, context }) {
          const forward: ForwardHeaders = (context as Partial<ApolloContext>).forward ?? {};
          for (const [name, value] of Object.entries(forward))
            request.http?.headers.set(name, value);
        },
      }),
  });
  const server = new ApolloServer<ApolloContext>({
    gateway,
    introspection: options.introspection,
    // The edge checked CSRF already; Apollo's identical rule stays on as a second line.
    csrfPrevention: { requestHeaders: [...CSRF_HEADERS] },
    // Automatic persisted queries would let any caller register an operation: the edge owns the
    // allow-list instead.
    persistedQueries: false,
    includeStacktraceInErrorResponses: false,
    // A failed subgraph call's message names the subgraph's address ("request to http://… failed"):
    // internal errors keep their code and lose their text (subgraphs already mask their own).
    formatError: (formatted) =>
      formatted.extensions?.code === 'INTERNAL_SERVER_ERROR'
        ? { ...formatted, message: 'Internal server error' }
        : formatted,
    logger: gatewayLogger(options.logger),
    plugins: [quietHeaders, legacyJsonStatus, ApolloServerPluginLandingPageDisabled()],
    // The gateway's shutdown stops the engine itself; Apollo's signal handlers would race it (see
    // startSubgraph in @maison/runtime).
    stopOnTerminationSignals: false,
  });
  await server.start();
  const middleware = expressMiddleware(server, {
    context: ({ res }) =>
      Promise.resolve({ forward: (res.locals.forward ?? {}) as ForwardHeaders }),
  });
  // concurrent stop() calls on @apollo/server 5.5 hang after the first succeeds: share one
  let stopping: Promise<void> | undefined;
  return {
    name: 'apollo',
    handler: (req, res, next) => {
      // Apollo's middleware insists on a `body` property, even for GET.
      if (!('body' in req)) (req as { body?: unknown }).body = undefined;
      middleware(req, res, next);
    },
    stop: () => (stopping ??= server.stop()),
  };
}
