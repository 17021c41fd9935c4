export {
  createGateway,
  DEFAULT_ENGINE,
  DEFAULT_LIMITS,
  DEFAULT_RATE_LIMIT,
  serveGateway,
  type Gateway,
  type GatewayMode,
  type GatewayOptions,
  type ServedGateway,
} from './gateway.js';
export { ENGINES, type GatewayEngine, type HiveRuntime } from './engines/engine.js';
export { type EdgeLimits } from './edge/edge.guard.js';
export { type EdgeErrorCode } from './edge/graphql-errors.js';
export { CSRF_HEADERS, isPreflighted } from './edge/csrf.js';
export { analyseOperation, type OperationAnalysis } from './edge/operation.analysis.js';
export { operationHash, PersistedOperations } from './edge/persisted-operations.js';
export {
  apiSchemaOf,
  composeSupergraph,
  CompositionError,
  subgraphsOf,
  type SubgraphSource,
} from './supergraph/compose.js';
export { diffSupergraphs, type SchemaChange, type SupergraphDiff } from './supergraph/breaking.js';
export {
  DEFAULT_SUBGRAPH_PORTS,
  defaultSubgraphUrl,
  fetchSubgraphs,
  fetchSubgraphSdl,
  readServiceSubgraphs,
  SDL_CANDIDATES,
} from './supergraph/sources.js';
export { withSubgraphUrls } from './supergraph/urls.js';
export { gatewayConfig, gatewayOptionsFromConfig, type GatewayConfig } from './config.js';
