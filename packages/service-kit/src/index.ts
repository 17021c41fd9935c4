export {
  ApplicationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldError,
} from './errors.js';
export { fieldErrors, jsonPointer, parseInput } from './validation.js';
export {
  PROBLEM_CONTENT_TYPE,
  problemType,
  statusProblem,
  toProblem,
  type MappedProblem,
  type ProblemContext,
  type ProblemDetails,
} from './problem.js';
export {
  baseConfig,
  ConfigError,
  describeConfig,
  formatProblem,
  isSecret,
  loadConfig,
  secret,
  type Config,
  type ConfigProblem,
  type ConfigShape,
} from './config.js';
export {
  createLogger,
  DEFAULT_REDACT_KEYS,
  scrubPersonalData,
  type Logger,
  type LoggerOptions,
} from './logger.js';
export {
  CheckTimeoutError,
  postgresCheck,
  Readiness,
  type CheckResult,
  type HealthCheck,
  type Queryable,
  type ReadinessReport,
} from './health.js';
export { createApp, REQUEST_ID_HEADER, type AppOptions } from './app.js';
export {
  startTelemetry,
  type InMemoryTelemetry,
  type Instrumentation,
  type Telemetry,
  type TelemetryExport,
  type TelemetryOptions,
} from './telemetry.js';
export {
  drainHttpServer,
  GracefulShutdown,
  installSignalHandlers,
  SHUTDOWN_STAGES,
  type GracefulShutdownOptions,
  type HookOutcome,
  type ShutdownHook,
  type ShutdownResult,
  type ShutdownStage,
} from './shutdown.js';
export {
  runService,
  startService,
  type RunningService,
  type ServiceConfig,
  type ServiceContext,
  type ServiceOptions,
  type ServiceSetup,
} from './run-service.js';
