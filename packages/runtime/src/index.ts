export { resourceNames, schemasOf, type ResourceNames, type ServiceContext } from './context.js';
export type { GraphQLContext, ServiceModule, SubgraphResolvers } from './module.js';
export {
  SERVICE_TOPICS,
  createEventConsumer,
  defaultKeySubject,
  messagingLogger,
  openServiceEventStore,
  serviceCodec,
  startServicePublisher,
  type EventConsumerOptions,
  type ServiceEventStore,
} from './service-events.js';
export { formatGraphQLError, graphqlCode, startSubgraph, type Subgraph } from './graphql.js';
export { serveModule, serviceRoutes, type ServedModule, type ServiceRoutes } from './http.js';
export { runStandalone, standaloneConfig, type StandaloneOptions } from './standalone.js';
export { identifierIndex, normaliseReferences, type NormalisedReferences } from './identifiers.js';
export {
  currentTraceparent,
  inEventSpan,
  startRecordSpan,
  withTraceparent,
  type RecordSpan,
} from './tracing.js';
