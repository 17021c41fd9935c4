import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { authConfig, verifierFromConfig } from '@maison/auth';
import { createRedisClient, InMemoryRateLimiter, RedisRateLimiter } from '@maison/cache';
import { secret, type Config, type HealthCheck, type Logger } from '@maison/service-kit';
import { redisHealthCheck } from '@maison/cache';
import { z } from 'zod';
import { ENGINES } from './engines/engine.js';
import { DEFAULT_LIMITS, DEFAULT_RATE_LIMIT, type GatewayOptions } from './gateway.js';
import { PersistedOperations } from './edge/persisted-operations.js';
import { composeSupergraph } from './supergraph/compose.js';
import { readServiceSubgraphs } from './supergraph/sources.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** `name=url,name=url` → record. */
const urlList = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const out: Record<string, string> = {};
    for (const item of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [name, url] = item.split('=', 2);
      if (!name || !url || !URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: 'expected name=url[,name=url…]' });
        return z.NEVER;
      }
      out[name] = url;
    }
    return out;
  });

/** The gateway's settings (on top of service-kit's `baseConfig` and @maison/auth's `authConfig`). */
export const gatewayConfig = {
  ...authConfig,
  GATEWAY_ENGINE: z.enum(ENGINES).default('hive'),
  /** Hive's execution runtime: `router` (Hive Router's Rust query planner) or `stitching`. */
  GATEWAY_HIVE_RUNTIME: z.enum(['router', 'stitching']).default('router'),
  GATEWAY_MODE: z.enum(['development', 'production']).optional(),
  /** The supergraph file; default: composed at start from `services/<name>/schema.graphql`. */
  GATEWAY_SUPERGRAPH: z.string().optional(),
  /** Where the services' SDL files are read from (default: this tree's `services/`). */
  GATEWAY_SERVICES_DIR: z.string().default(path.resolve(import.meta.dirname, '..', '..')),
  GATEWAY_SUBGRAPH_URLS: urlList,
  GATEWAY_PERSISTED_OPERATIONS: z.string().optional(),
  GATEWAY_MAX_DEPTH: positiveInt(DEFAULT_LIMITS.maxDepth),
  GATEWAY_MAX_COST: positiveInt(DEFAULT_LIMITS.maxCost),
  GATEWAY_MAX_TOKENS: positiveInt(DEFAULT_LIMITS.maxTokens),
  GATEWAY_RATE_LIMIT: positiveInt(DEFAULT_RATE_LIMIT.limit),
  GATEWAY_RATE_INTERVAL_MS: positiveInt(DEFAULT_RATE_LIMIT.intervalMs),
  GATEWAY_RATE_BURST: positiveInt(DEFAULT_RATE_LIMIT.burst),
  GATEWAY_TRUST_PROXY: z.coerce.number().int().min(0).optional(),
  /** Redis for the rate limiter (shared by every replica); in-memory without it. */
  REDIS_URL: secret(z.url()).optional(),
};

export type GatewayConfig = Config<typeof gatewayConfig>;

/** Builds `createGateway` options (and the clients to close) from the validated configuration. */
export function gatewayOptionsFromConfig(
  config: GatewayConfig,
  logger: Logger,
): {
  options: GatewayOptions;
  healthChecks: HealthCheck[];
  close(): Promise<void>;
} {
  const supergraph =
    config.GATEWAY_SUPERGRAPH !== undefined
      ? readFileSync(config.GATEWAY_SUPERGRAPH, 'utf8')
      : composeSupergraph(readServiceSubgraphs(config.GATEWAY_SERVICES_DIR));
  const rate = {
    limit: config.GATEWAY_RATE_LIMIT,
    intervalMs: config.GATEWAY_RATE_INTERVAL_MS,
    burst: config.GATEWAY_RATE_BURST,
  };
  const redis =
    config.REDIS_URL === undefined
      ? undefined
      : createRedisClient(config.REDIS_URL, { connectionName: 'gateway' });
  const rateLimiter = redis
    ? new RedisRateLimiter({ client: redis, prefix: 'gateway', ...rate })
    : new InMemoryRateLimiter(rate);
  const persisted = config.GATEWAY_PERSISTED_OPERATIONS;
  if (persisted !== undefined && !existsSync(persisted))
    throw new Error(`GATEWAY_PERSISTED_OPERATIONS: no file at ${persisted}.`);
  return {
    options: {
      engine: config.GATEWAY_ENGINE,
      hiveRuntime: config.GATEWAY_HIVE_RUNTIME,
      supergraph,
      subgraphUrls: config.GATEWAY_SUBGRAPH_URLS,
      verifier: verifierFromConfig(config),
      logger,
      ...(config.GATEWAY_MODE ? { mode: config.GATEWAY_MODE } : {}),
      rateLimiter,
      limits: {
        maxDepth: config.GATEWAY_MAX_DEPTH,
        maxCost: config.GATEWAY_MAX_COST,
        maxTokens: config.GATEWAY_MAX_TOKENS,
      },
      ...(persisted ? { persistedOperations: PersistedOperations.fromFile(persisted) } : {}),
      ...(config.GATEWAY_TRUST_PROXY === undefined
        ? {}
        : { trustProxy: config.GATEWAY_TRUST_PROXY }),
    },
    healthChecks: redis ? [redisHealthCheck(redis)] : [],
    close: async () => {
      await rateLimiter.close();
      if (redis) await redis.quit().catch(() => undefined);
    },
  };
}
