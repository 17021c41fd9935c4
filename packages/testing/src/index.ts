export {
  testEndpoints,
  resolveEndpoints,
  findInfraStateFile,
  InfrastructureUnavailableError,
  type TestEndpoints,
  type EndpointSource,
  dockerAvailable,
} from './infrastructure.js';

export {
  uniqueName,
  isolatedPostgres,
  isolatedDatabase,
  isolatedRedis,
  isolatedKafka,
  eventually,
  type IsolatedPostgres,
  type IsolatedDatabase,
  type IsolatedRedis,
  type IsolatedKafka,
} from './isolation.js';
export {
  startThrowawayPostgres,
  findPostgresBinDir,
  PostgresBinariesNotFoundError,
  type ThrowawayPostgres,
  type ThrowawayPostgresOptions,
} from './throwaway-postgres.js';
export {
  startWorkerProcess,
  crashRepeatedly,
  type WorkerProcess,
  type WorkerProcessOptions,
} from './worker-process.js';
