import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TokenVerifier } from '@maison/auth';
import { InMemoryRateLimiter, type RateLimiter } from '@maison/cache';
import {
  createApp,
  drainHttpServer,
  Readiness,
  type HealthCheck,
  type Logger,
} from '@maison/service-kit';
import type { Express } from 'express';
import { edgeGuard, type EdgeLimits } from './edge/edge.guard.js';
import type { PersistedOperations } from './edge/persisted-operations.js';
import { createApolloEngine } from './engines/apollo.engine.js';
import type { Engine, EngineOptions, GatewayEngine, HiveRuntime } from './engines/engine.js';
import { createHiveEngine } from './engines/hive.engine.js';
import { apiSchemaOf, subgraphsOf } from './supergraph/compose.js';
import { withSubgraphUrls } from './supergraph/urls.js';

/** `development`: arbitrary operations and introspection. `production`: allow-list only, no introspection. */
export type GatewayMode = 'development' | 'production';

/** The engine shipped as the default, chosen by `bench/client-view` (see the ADR). */
export const DEFAULT_ENGINE: GatewayEngine = 'hive';

export const DEFAULT_LIMITS: EdgeLimits = {
  maxDepth: 12,
  maxCost: 2_000,
  maxTokens: 4_000,
  defaultListSize: 10,
};

/** Per caller: 600 operations a minute, bursts of 60. */
export const DEFAULT_RATE_LIMIT = { limit: 600, intervalMs: 60_000, burst: 60 } as const;

export interface GatewayOptions {
  readonly engine?: GatewayEngine;
  /** The supergraph SDL (`docs/graphql/supergraph.graphql`, or composed at start). */
  readonly supergraph: string;
  /** Where this deployment's subgraphs listen, by subgraph name (overrides the supergraph's URLs). */
  readonly subgraphUrls?: Readonly<Record<string, string>>;
  readonly verifier: TokenVerifier;
  readonly logger: Logger;
  /** Default: `production` when NODE_ENV=production, `development` otherwise. */
  readonly mode?: GatewayMode;
  /** Redis in production (`RedisRateLimiter`), in-memory when embedded. Default: in-memory. */
  readonly rateLimiter?: RateLimiter;
  readonly limits?: Partial<EdgeLimits>;
  /** The allow-list; required in production. */
  readonly persistedOperations?: PersistedOperations;
  /** Default: on in development, off in production. */
  readonly introspection?: boolean;
  /** Subgraph call timeout (Hive only). Default: none. */
  readonly subgraphTimeoutMs?: number;
  /** Hive's execution runtime: `router` (Rust query planner, default) or `stitching`. */
  readonly hiveRuntime?: HiveRuntime;
  /** express `trust proxy` (which X-Forwarded-For hop is the caller's address). Default: none. */
  readonly trustProxy?: boolean | number | string;
  /** Probe the subgraphs' `/healthz` from `/readyz`. Default true. */
  readonly probeSubgraphs?: boolean;
}

export interface Gateway {
  readonly engine: GatewayEngine;
  readonly mode: GatewayMode;
  /** The supergraph as served (with this deployment's subgraph URLs). */
  readonly supergraph: string;
  /** Mounts `/graphql` (edge checks, then the engine) on an express app from service-kit's `createApp`. */
  routes(app: Express): void;
  /** Readiness checks: each subgraph reachable. */
  readonly healthChecks: readonly HealthCheck[];
  stop(): Promise<void>;
}

let openapiText: string | undefined;
/** The gateway's OpenAPI document (its HTTP surface: /graphql and the probes). */
function openapi(): string {
  openapiText ??= readFileSync(path.resolve(import.meta.dirname, '..', 'openapi.yaml'), 'utf8');
  return openapiText;
}

function subgraphCheck(name: string, url: string): HealthCheck {
  const probe = new URL('/healthz', url);
  return {
    name: `subgraph:${name}`,
    timeoutMs: 1_000,
    async check(signal) {
      const res = await fetch(probe, { signal });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`subgraph ${name} answered ${String(res.status)}`);
    },
  };
}

/**
 * The federated gateway on either engine, behind one edge. Both engines get the same supergraph,
 * the same checks in front and the same headers forwarded to the subgraphs (the caller's
 * Authorization, W3C trace context, the request id), so switching engine is a configuration change.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const mode: GatewayMode =
    options.mode ?? (process.env.NODE_ENV === 'production' ? 'production' : 'development');
  const engineName = options.engine ?? DEFAULT_ENGINE;
  const introspection = options.introspection ?? mode === 'development';
  if (mode === 'production' && options.persistedOperations === undefined)
    throw new Error('A production gateway needs the persisted-operation allow-list.');
  const supergraph = withSubgraphUrls(options.supergraph, options.subgraphUrls ?? {});
  const limits: EdgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger.child({ engine: engineName });
  const engineOptions: EngineOptions = {
    supergraphSdl: supergraph,
    introspection,
    logger,
    subgraphTimeoutMs: options.subgraphTimeoutMs,
    hiveRuntime: options.hiveRuntime,
  };
  const engine: Engine =
    engineName === 'apollo'
      ? await createApolloEngine(engineOptions)
      : await createHiveEngine(engineOptions);
  const ownsLimiter = options.rateLimiter === undefined;
  const rateLimiter = options.rateLimiter ?? new InMemoryRateLimiter({ ...DEFAULT_RATE_LIMIT });
  const guard = edgeGuard({
    verifier: options.verifier,
    rateLimiter,
    apiSchema: apiSchemaOf(supergraph),
    limits,
    introspection,
    persistedOperations: options.persistedOperations,
    enforceAllowList: mode === 'production',
    logger,
  });
  return {
    engine: engineName,
    mode,
    supergraph,
    routes(app) {
      app.disable('x-powered-by');
      if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
      app.get('/v1/openapi.yaml', (_req, res) => {
        res.type('application/yaml').send(openapi());
      });
      app.all('/graphql', guard, engine.handler);
    },
    healthChecks:
      options.probeSubgraphs === false
        ? []
        : subgraphsOf(supergraph).map((s) => subgraphCheck(s.name, s.url)),
    async stop() {
      await engine.stop();
      if (ownsLimiter) await rateLimiter.close();
    },
  };
}

export interface ServedGateway {
  readonly url: string;
  readonly server: Server;
  readonly gateway: Gateway;
  /** Drains HTTP, then stops the engine. */
  close(): Promise<void>;
}

/**
 * Serves a gateway on its own port with the platform's app (request ids, request logs,
 * `/healthz`, `/readyz` probing the subgraphs and any `healthChecks` given, problem+json for
 * non-GraphQL errors): the embedded platform, tests and the benchmark.
 */
export async function serveGateway(
  options: GatewayOptions & {
    readonly port?: number;
    readonly host?: string;
    readonly healthChecks?: readonly HealthCheck[];
    /**
     * Other routes on the same port, mounted before `/graphql` and outside the edge's checks
     * (e.g. the embedded platform's development token issuer under `/auth`).
     */
    readonly routes?: (app: Express) => void;
  },
): Promise<ServedGateway> {
  const gateway = await createGateway(options);
  const readiness = new Readiness();
  for (const check of [...gateway.healthChecks, ...(options.healthChecks ?? [])])
    readiness.register(check);
  const app = createApp({
    logger: options.logger,
    readiness,
    routes: (a) => {
      options.routes?.(a);
      gateway.routes(a);
    },
  });
  const host = options.host ?? '127.0.0.1';
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      // Express 5 calls the listen callback with the error too (a port in use, say).
      const s = app.listen(options.port ?? 0, host, (error?: Error) => {
        if (error) reject(error);
        else resolve(s);
      });
    });
  } catch (error) {
    await gateway.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const drain = drainHttpServer(server);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`,
    server,
    gateway,
    close: async () => {
      await drain(new AbortController().signal);
      await gateway.stop();
    },
  };
}
