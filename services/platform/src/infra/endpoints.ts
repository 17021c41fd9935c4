import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { InfraEndpoints } from './infra-env.js';

interface StateFile {
  readonly kafkaBrokers?: unknown;
  readonly databaseUrl?: unknown;
  readonly redisUrl?: unknown;
}

/**
 * Where the real infrastructure is: `KAFKA_BROKERS`, `DATABASE_URL`, `REDIS_URL` when set, else
 * what `npm run infra:up` wrote to `infra/local/.state/endpoints.json`, one setting at a time.
 */
export function resolveEndpoints(
  env: Readonly<Record<string, string | undefined>>,
  repoRoot: string,
): InfraEndpoints {
  const file = path.join(repoRoot, 'infra', 'local', '.state', 'endpoints.json');
  const state: StateFile = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as StateFile)
    : {};
  const set = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
  const brokers =
    set(env.KAFKA_BROKERS)
      ?.split(',')
      .map((b) => b.trim())
      .filter(Boolean) ??
    (Array.isArray(state.kafkaBrokers)
      ? state.kafkaBrokers.filter((b): b is string => typeof b === 'string')
      : undefined);
  const databaseUrl =
    set(env.DATABASE_URL) ??
    (typeof state.databaseUrl === 'string' ? state.databaseUrl : undefined);
  const redisUrl =
    set(env.REDIS_URL) ?? (typeof state.redisUrl === 'string' ? state.redisUrl : undefined);
  const missing = [
    ...(brokers === undefined || brokers.length === 0 ? ['KAFKA_BROKERS'] : []),
    ...(databaseUrl === undefined ? ['DATABASE_URL'] : []),
    ...(redisUrl === undefined ? ['REDIS_URL'] : []),
  ];
  if (brokers === undefined || databaseUrl === undefined || redisUrl === undefined) {
    throw new Error(
      `start:infra: no ${missing.join(', ')}. Start the local infrastructure with \`npm run infra:up\` ` +
        `(it writes ${path.relative(repoRoot, file)}), or set the variables.`,
    );
  }
  return { kafkaBrokers: brokers, databaseUrl, redisUrl };
}
