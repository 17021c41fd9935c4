import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, drainHttpServer, type Readiness } from '@maison/service-kit';
import type { Express } from 'express';
import type { ServiceContext } from './context.js';
import { startSubgraph, type Subgraph } from './graphql.js';
import type { ServiceModule } from './module.js';

export interface ServiceRoutes {
  /** Mounts the module's REST routes and its subgraph at `/graphql`. */
  readonly routes: (app: Express) => void;
  readonly subgraph: Subgraph;
}

/** The HTTP surface of a module, for `createApp`/`runService` (or an embedded host). */
export async function serviceRoutes(
  module: ServiceModule,
  ctx: Pick<ServiceContext, 'verifier' | 'logger'>,
): Promise<ServiceRoutes> {
  const subgraph = await startSubgraph(module, ctx);
  return {
    subgraph,
    routes: (app) => {
      app.disable('x-powered-by');
      app.use('/graphql', subgraph.middleware);
      module.routes?.(app);
    },
  };
}

export interface ServedModule {
  readonly url: string;
  readonly server: Server;
  /** Drains HTTP, then stops the subgraph. Does not stop the module. */
  close(): Promise<void>;
}

/**
 * Serves a module on its own port (0 = any free one) with the platform's app (request ids,
 * problem+json, health endpoints): the embedded platform's subgraphs and service tests.
 */
export async function serveModule(
  module: ServiceModule,
  ctx: Pick<ServiceContext, 'verifier' | 'logger'>,
  options: {
    readonly port?: number;
    readonly host?: string;
    readonly readiness?: Readiness;
    /** How long `close()` lets in-flight requests finish before cutting their connections. */
    readonly drainTimeoutMs?: number;
  } = {},
): Promise<ServedModule> {
  const { routes, subgraph } = await serviceRoutes(module, ctx);
  const app = createApp({
    logger: ctx.logger,
    routes,
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(module.bodyTypes
      ? { bodyTypes: ['application/json', 'application/*+json', ...module.bodyTypes] }
      : {}),
    ...(module.bodyLimit === undefined ? {} : { bodyLimit: module.bodyLimit }),
  });
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    // Express 5 calls the listen callback with the error too (a port in use, say).
    const s = app.listen(options.port ?? 0, host, (error?: Error) => {
      if (error) reject(error);
      else resolve(s);
    });
  });
  const { port } = server.address() as AddressInfo;
  const drain = drainHttpServer(server);
  return {
    url: `http://${host}:${String(port)}`,
    server,
    close: async () => {
      // in-flight requests get a grace period; a connection that never goes idle is then cut
      await drain(AbortSignal.timeout(options.drainTimeoutMs ?? 10_000));
      await subgraph.stop();
    },
  };
}
