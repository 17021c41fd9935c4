import type { Logger } from '@maison/service-kit';
import type { RequestHandler } from 'express';

export const ENGINES = ['hive', 'apollo'] as const;
/** `hive`: Hive Gateway (`@graphql-hive/gateway-runtime`); `apollo`: `@apollo/gateway` on Apollo Server. */
export type GatewayEngine = (typeof ENGINES)[number];

/** Headers the gateway sends on to every subgraph call made for a request. */
export type ForwardHeaders = Readonly<Record<string, string>>;

/**
 * Hive Gateway's execution: `router` = Hive Router's Rust query planner (`@graphql-hive/router-runtime`),
 * `stitching` = the JavaScript stitching runtime Hive Gateway uses by default.
 */
export type HiveRuntime = 'router' | 'stitching';

export interface EngineOptions {
  /** The supergraph, with the subgraph URLs this deployment uses. */
  readonly supergraphSdl: string;
  readonly introspection: boolean;
  readonly logger: Logger;
  /** Per-subgraph-call timeout (Hive only; it costs an AbortSignal.any per call). */
  readonly subgraphTimeoutMs: number | undefined;
  /** Hive only. Default `router`. */
  readonly hiveRuntime: HiveRuntime | undefined;
}

/** One engine behind the gateway's edge: executes a checked GraphQL-over-HTTP request. */
export interface Engine {
  readonly name: GatewayEngine;
  /**
   * Express handler for `/graphql`, run after the edge checks. `res.locals.forward` holds the
   * headers to send to the subgraphs.
   */
  readonly handler: RequestHandler;
  stop(): Promise<void>;
}

/**
 * Client views are personal and per caller: no browser, proxy or CDN may keep them (a stale copy
 * could also show a consent that has since been withdrawn).
 */
export const NO_STORE = 'no-store';

/** Response headers that would tell an attacker what runs here. */
export const LEAKY_HEADERS = ['x-powered-by', 'server', 'x-graphql-yoga-version'] as const;
