import type { Principal } from '@maison/auth';
import type { ServiceName } from '@maison/event-contracts';
import type { HealthCheck, Logger } from '@maison/service-kit';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { Express } from 'express';
import type { DocumentNode } from 'graphql';

/** What every resolver gets: the verified caller (if any) and a request-scoped logger. */
export interface GraphQLContext {
  readonly principal: Principal | undefined;
  readonly requestId: string;
  readonly logger: Logger;
}

export type SubgraphResolvers = GraphQLResolverMap<GraphQLContext>;

/**
 * A running service, as the standalone main and the embedded platform both see it: its REST
 * routes, its subgraph, its health checks, and the background work (projections, consumers,
 * publisher) that `start` begins and `stop` ends in order.
 */
export interface ServiceModule {
  readonly name: ServiceName;
  /** REST routes (mounted after request ids, logging and body parsing). */
  readonly routes?: (app: Express) => void;
  readonly subgraph: { readonly typeDefs: DocumentNode; readonly resolvers: SubgraphResolvers };
  readonly healthChecks?: readonly HealthCheck[];
  /** Extra body media types for the REST routes (e.g. `text/csv`, `application/x-ndjson`). */
  readonly bodyTypes?: readonly string[];
  readonly bodyLimit?: number | string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
