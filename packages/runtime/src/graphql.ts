import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { AuthenticationError } from '@maison/auth';
import { ApplicationError, toProblem, type Logger } from '@maison/service-kit';
import type { Request, RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ServiceContext } from './context.js';
import type { GraphQLContext, ServiceModule } from './module.js';

/** GraphQL error codes for the platform's typed errors (one mapping, like problem+json's). */
export function graphqlCode(error: ApplicationError): string {
  switch (error.kind) {
    case 'validation':
      return 'BAD_USER_INPUT';
    case 'unauthorized':
      return 'UNAUTHENTICATED';
    case 'forbidden':
      return 'FORBIDDEN';
    case 'not-found':
      return 'NOT_FOUND';
    case 'conflict':
    case 'concurrency':
      return 'CONFLICT';
    default:
      return error.status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR';
  }
}

function unwrap(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 5 && current instanceof GraphQLError && current.originalError; i++)
    current = current.originalError;
  return current;
}

/**
 * Turns what a resolver threw into a client-facing error: typed errors keep their message and get
 * a code (and field errors for validation); anything else becomes a generic internal error, logged
 * with its stack, so no internals or personal data leak into responses.
 */
export function formatGraphQLError(
  logger: Logger,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrap(error);
    if (original instanceof ApplicationError) {
      const { problem } = toProblem(original);
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: {
          code: graphqlCode(original),
          status: problem.status,
          type: problem.type,
          ...(problem.errors ? { errors: problem.errors } : {}),
        },
      };
    }
    // graphql-js's own errors (syntax, validation, variables) are the caller's and safe to show.
    if (original instanceof GraphQLError || original === undefined || !(original instanceof Error))
      return formatted;
    logger.error({ err: original, path: formatted.path }, 'resolver failed');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** Removes the server's name and version from responses. */
const quietHeaders: ApolloServerPlugin<GraphQLContext> = {
  requestDidStart: () =>
    Promise.resolve({
      willSendResponse: ({ response }) => {
        response.http.headers.delete('x-powered-by');
        return Promise.resolve();
      },
    }),
};

export interface Subgraph {
  readonly server: ApolloServer<GraphQLContext>;
  /** Express middleware serving it (POST/GET `/graphql`). */
  readonly middleware: RequestHandler;
  /** Stops the server; every call, concurrent or later, shares the first call's promise. */
  stop(): Promise<void>;
}

/** Builds and starts the module's subgraph (`@apollo/subgraph`, Federation 2). */
export async function startSubgraph(
  module: Pick<ServiceModule, 'subgraph' | 'name'>,
  ctx: Pick<ServiceContext, 'verifier' | 'logger'>,
  options: { readonly introspection?: boolean } = {},
): Promise<Subgraph> {
  const server = new ApolloServer<GraphQLContext>({
    schema: buildSubgraphSchema([
      { typeDefs: module.subgraph.typeDefs, resolvers: module.subgraph.resolvers },
    ]),
    introspection: options.introspection ?? process.env.NODE_ENV !== 'production',
    includeStacktraceInErrorResponses: false,
    formatError: formatGraphQLError(ctx.logger),
    // Inline (federated) tracing serves Apollo's hosted studio only: it costs every response and
    // logs at start; off.
    plugins: [quietHeaders, ApolloServerPluginInlineTraceDisabled()],
    // The runtime owns SIGTERM/SIGINT and stops the subgraph itself. Apollo's own handlers would
    // call stop() first, and @apollo/server 5.5 never releases a concurrent stop() once the first
    // one has succeeded (its barrier is resolved only on failure): the runtime's stop would hang.
    // For the same reason `stop` below shares one call.
    stopOnTerminationSignals: false,
  });
  await server.start();
  const middleware = expressMiddleware(server, {
    context: async ({ req }) => contextFor(req, ctx),
  });
  let stopping: Promise<void> | undefined;
  return { server, middleware, stop: () => (stopping ??= server.stop()) };
}

async function contextFor(
  req: Request,
  ctx: Pick<ServiceContext, 'verifier' | 'logger'>,
): Promise<GraphQLContext> {
  try {
    const principal = await ctx.verifier.principalFromHeaders(req.headers);
    return { principal, requestId: req.id, logger: req.log };
  } catch (error) {
    // A presented but invalid token is a 401, never a downgrade to anonymous, never a 500.
    if (error instanceof AuthenticationError) {
      // Apollo reads `extensions.http.headers` as a Map. Typed loosely on purpose: graphql-yoga,
      // in the gateway's program, augments GraphQLErrorExtensions with a Record for that field.
      const extensions: Record<string, unknown> = {
        code: 'UNAUTHENTICATED',
        reason: error.reason,
        http: { status: 401, headers: new Map([['www-authenticate', error.challenge]]) },
      };
      throw new GraphQLError(error.message, { extensions });
    }
    throw error;
  }
}
