// Kept free of relative imports: jest loads this file as its globalSetup outside its module
// mapper, where NodeNext-style './x.js' specifiers would not resolve to TypeScript sources.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the real infrastructure for a test run lives. */
export interface TestEndpoints {
  readonly kafkaBrokers: readonly string[];
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** Only set when a KurrentDB/EventStoreDB server is available (env or Docker). */
  readonly eventStoreUrl?: string;
}

export type EndpointSource = 'env' | 'infra-local';

export class InfrastructureUnavailableError extends Error {
  override readonly name = 'InfrastructureUnavailableError';
}

const HOW_TO_FIX =
  'Start the local infrastructure with `npm run infra:up` (real Kafka, PostgreSQL and Redis, no Docker ' +
  'needed), or set KAFKA_BROKERS, DATABASE_URL and REDIS_URL, or make a Docker engine reachable so ' +
  'testcontainers can start them.';

/** The file `npm run infra:up` writes; found by walking up from the working directory. */
export function findInfraStateFile(from: string = process.cwd()): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, 'infra', 'local', '.state', 'endpoints.json');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface InfraState {
  kafkaBrokers?: unknown;
  databaseUrl?: unknown;
  redisUrl?: unknown;
  eventStoreUrl?: unknown;
}

function readInfraState(file: string): InfraState {
  return JSON.parse(readFileSync(file, 'utf8')) as InfraState;
}

function splitBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/**
 * Endpoints from the environment, falling back per variable to the state file that
 * `npm run infra:up` leaves behind. Returns the missing names instead of guessing.
 */
export function resolveEndpoints(
  env: NodeJS.ProcessEnv = process.env,
  /** null: read no state file (an explicit `undefined` would mean "look for it"). */
  stateFile: string | null = findInfraStateFile() ?? null,
): { endpoints?: TestEndpoints; source?: EndpointSource; missing: string[] } {
  const state = stateFile ? readInfraState(stateFile) : {};
  const fromState = (v: unknown): string | undefined =>
    typeof v === 'string' && v.length > 0 ? v : undefined;
  const stateBrokers = Array.isArray(state.kafkaBrokers)
    ? state.kafkaBrokers.filter((b): b is string => typeof b === 'string').join(',')
    : undefined;

  const kafka = env.KAFKA_BROKERS ?? stateBrokers;
  const databaseUrl = env.DATABASE_URL ?? fromState(state.databaseUrl);
  const redisUrl = env.REDIS_URL ?? fromState(state.redisUrl);
  const eventStoreUrl = env.EVENTSTORE_URL ?? fromState(state.eventStoreUrl);

  const missing: string[] = [];
  if (!kafka) missing.push('KAFKA_BROKERS');
  if (!databaseUrl) missing.push('DATABASE_URL');
  if (!redisUrl) missing.push('REDIS_URL');
  if (!kafka || !databaseUrl || !redisUrl) return { missing };

  const allFromEnv = Boolean(env.KAFKA_BROKERS && env.DATABASE_URL && env.REDIS_URL);
  return {
    endpoints: {
      kafkaBrokers: splitBrokers(kafka),
      databaseUrl,
      redisUrl,
      ...(eventStoreUrl ? { eventStoreUrl } : {}),
    },
    source: allFromEnv ? 'env' : 'infra-local',
    missing: [],
  };
}

/**
 * The endpoints every integration test uses. The jest global setup has already resolved them
 * (env → `npm run infra:up` state → testcontainers) and exported them as environment variables.
 */
export function testEndpoints(): TestEndpoints {
  const { endpoints, missing } = resolveEndpoints();
  if (!endpoints) {
    throw new InfrastructureUnavailableError(
      `Integration tests need real infrastructure; missing ${missing.join(', ')}. ${HOW_TO_FIX}`,
    );
  }
  return endpoints;
}

export function infrastructureHelp(missing: readonly string[]): string {
  return `Integration tests need real infrastructure; missing ${missing.join(', ')}. ${HOW_TO_FIX}`;
}

// ---- testcontainers fallback (only when nothing else is configured and Docker is reachable)

/** Something started for the test run that must be stopped at the end. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/** True when testcontainers can reach a container runtime (Docker, Podman, Colima…). */
export async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

const IMAGES = {
  postgres: 'postgres:17-alpine',
  redis: 'redis:7.4-alpine',
  kafka: 'confluentinc/cp-kafka:7.9.0',
  kurrentdb: 'docker.kurrent.io/kurrent-latest/kurrentdb:25.1',
} as const;

/** Starts PostgreSQL, Redis, Kafka (KRaft) and KurrentDB with testcontainers, in parallel. */
export async function startContainers(): Promise<{
  endpoints: TestEndpoints;
  containers: Stoppable[];
}> {
  const [
    { GenericContainer, Wait },
    { PostgreSqlContainer },
    { RedisContainer },
    { KafkaContainer },
  ] = await Promise.all([
    import('testcontainers'),
    import('@testcontainers/postgresql'),
    import('@testcontainers/redis'),
    import('@testcontainers/kafka'),
  ]);
  const [pg, redis, kafka, kurrent] = await Promise.all([
    new PostgreSqlContainer(IMAGES.postgres).start(),
    new RedisContainer(IMAGES.redis).start(),
    new KafkaContainer(IMAGES.kafka).withKraft().start(),
    new GenericContainer(IMAGES.kurrentdb)
      .withEnvironment({ KURRENTDB_INSECURE: 'true', KURRENTDB_RUN_PROJECTIONS: 'None' })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
      .start(),
  ]);
  return {
    endpoints: {
      databaseUrl: pg.getConnectionUri(),
      redisUrl: redis.getConnectionUrl(),
      kafkaBrokers: [`${kafka.getHost()}:${String(kafka.getMappedPort(9093))}`],
      eventStoreUrl: `kurrentdb://${kurrent.getHost()}:${String(kurrent.getMappedPort(2113))}?tls=false`,
    },
    containers: [pg, redis, kafka, kurrent],
  };
}

// ---- jest global setup for the int/e2e tiers: resolve once, export as env for the workers

declare global {
  var __maisonContainers: Stoppable[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  const resolved = resolveEndpoints();
  if (resolved.endpoints) {
    exportEndpoints(resolved.endpoints);
    return;
  }
  if (await dockerAvailable()) {
    const { endpoints, containers } = await startContainers();
    globalThis.__maisonContainers = containers;
    exportEndpoints(endpoints);
    return;
  }
  throw new Error(infrastructureHelp(resolved.missing));
}

function exportEndpoints(e: TestEndpoints): void {
  process.env.KAFKA_BROKERS = e.kafkaBrokers.join(',');
  process.env.DATABASE_URL = e.databaseUrl;
  process.env.REDIS_URL = e.redisUrl;
  if (e.eventStoreUrl) process.env.EVENTSTORE_URL = e.eventStoreUrl;
}
