import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { testEndpoints } from './infrastructure.js';

/**
 * A name no other test or run will pick: lowercase letters, digits and underscores, so it is
 * valid as a PostgreSQL identifier, a Kafka topic, a consumer group and a Redis key prefix.
 */
export function uniqueName(prefix = 't'): string {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${safe}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface IsolatedPostgres {
  /** Connection string whose default search_path is the private schema. */
  readonly url: string;
  readonly schema: string;
  /** A pool on `url`; closed by `drop()`. */
  readonly pool: pg.Pool;
  /** Drops the schema and everything in it, and closes the pool. */
  drop(): Promise<void>;
}

/** A private schema in the shared test database: cheap, for tests that create their own tables. */
export async function isolatedPostgres(prefix = 't'): Promise<IsolatedPostgres> {
  const { databaseUrl } = testEndpoints();
  const schema = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = withSearchPath(databaseUrl, schema);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  return {
    url,
    schema,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface IsolatedDatabase {
  readonly url: string;
  readonly database: string;
  /** Drops the database, disconnecting anyone still on it. */
  drop(): Promise<void>;
}

/** A whole private database, for code that manages its own schemas (migrations, several schemas). */
export async function isolatedDatabase(prefix = 't'): Promise<IsolatedDatabase> {
  const { databaseUrl } = testEndpoints();
  const database = uniqueName(prefix);
  const run = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE "${database}"`);
  return {
    url: withDatabase(databaseUrl, database),
    database,
    drop: () => run(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  };
}

export interface IsolatedRedis {
  readonly url: string;
  /** Every key this test writes through `client` starts with it. */
  readonly prefix: string;
  /** An ioredis client that prefixes every key with `prefix`. */
  readonly client: Redis;
  /** Deletes every key under the prefix and disconnects. */
  cleanup(): Promise<void>;
}

/** A private key prefix on the shared Redis. */
export async function isolatedRedis(prefix = 't'): Promise<IsolatedRedis> {
  const { redisUrl } = testEndpoints();
  const keyPrefix = `${uniqueName(prefix)}:`;
  const client = new Redis(redisUrl, { keyPrefix, lazyConnect: true, maxRetriesPerRequest: 2 });
  await client.connect();
  return {
    url: redisUrl,
    prefix: keyPrefix,
    client,
    async cleanup() {
      // keyPrefix does not apply to SCAN patterns, so sweep with an unprefixed client.
      const sweeper = new Redis(redisUrl, { lazyConnect: true });
      await sweeper.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await sweeper.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await sweeper.del(...keys);
        } while (cursor !== '0');
      } finally {
        sweeper.disconnect();
        client.disconnect();
      }
    },
  };
}

export interface IsolatedKafka {
  readonly brokers: readonly string[];
  /** A kafkajs client with a unique client id and quiet logs. */
  readonly kafka: Kafka;
  /** Creates a fresh topic (unique name derived from `base`) and waits until it has leaders. */
  topic(
    base: string,
    options?: { partitions?: number; config?: Record<string, string> },
  ): Promise<string>;
  /** A consumer group id nobody else uses. */
  groupId(base?: string): string;
  /** Deletes the topics this test created. */
  cleanup(): Promise<void>;
}

/** Private topics and consumer groups on the shared Kafka. */
export async function isolatedKafka(prefix = 't'): Promise<IsolatedKafka> {
  const { kafkaBrokers } = testEndpoints();
  const kafka = new Kafka({
    clientId: uniqueName(prefix),
    brokers: [...kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin: Admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  return {
    brokers: kafkaBrokers,
    kafka,
    async topic(base, options = {}) {
      const topic = uniqueName(`${prefix}_${base}`);
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: options.partitions ?? 3,
            replicationFactor: 1,
            configEntries: Object.entries(options.config ?? {}).map(([name, value]) => ({
              name,
              value,
            })),
          },
        ],
      });
      created.push(topic);
      return topic;
    },
    groupId: (base = 'group') => uniqueName(`${prefix}_${base}`),
    async cleanup() {
      try {
        if (created.length > 0) await admin.deleteTopics({ topics: created });
      } finally {
        await admin.disconnect();
      }
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}${cause}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
