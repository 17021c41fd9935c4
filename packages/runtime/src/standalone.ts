import { authConfig, verifierFromConfig } from '@maison/auth';
import { createRedisClient, RedisCache, redisHealthCheck } from '@maison/cache';
import { catalogRegistry, REGIONS, TOPICS, type ServiceName } from '@maison/event-contracts';
import { KafkaBroker } from '@maison/messaging';
import { databaseKeyStore, Privacy, privacyConfigFromEnv } from '@maison/privacy';
import { postgresCheck, runService, secret, type ServiceSetup } from '@maison/service-kit';
import { postgresDatabase } from '@maison/sql';
import { z } from 'zod';
import { resourceNames, type ServiceContext } from './context.js';
import { serviceRoutes } from './http.js';
import type { ServiceModule } from './module.js';
import { messagingLogger } from './service-events.js';

/** Settings every standalone service reads (privacy keys are read by `privacyConfigFromEnv`). */
export const standaloneConfig = {
  DATABASE_URL: secret(z.string().min(1)),
  KAFKA_BROKERS: z.string().min(1),
  REDIS_URL: secret(z.string().min(1)),
  MAISON_REGION: z.enum(REGIONS).default('EU'),
  MAISON_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/)
    .default(''),
  ...authConfig,
};

export interface StandaloneOptions {
  readonly service: ServiceName;
  readonly version?: string;
  readonly create: (ctx: ServiceContext) => Promise<ServiceModule>;
}

/**
 * A service in its own process against Kafka, PostgreSQL and Redis: validated config (fail fast),
 * telemetry, topics ensured, the module started, REST + `/graphql` served, and on SIGTERM the
 * ordered shutdown — HTTP, then the module's consumers and publisher, then clients.
 */
export async function runStandalone(options: StandaloneOptions): Promise<void> {
  await runService({
    name: options.service,
    ...(options.version === undefined ? {} : { version: options.version }),
    config: standaloneConfig,
    async setup({ config, logger, readiness, shutdown }): Promise<ServiceSetup> {
      const database = postgresDatabase(config.DATABASE_URL, { max: 10 });
      shutdown.on('clients', 'postgres', () => database.close());
      readiness.register(postgresCheck(database));
      const redis = createRedisClient(config.REDIS_URL, { connectionName: options.service });
      shutdown.on('clients', 'redis', async () => {
        await redis.quit();
      });
      readiness.register(redisHealthCheck(redis));
      const names = resourceNames(config.MAISON_TOPIC_PREFIX);
      const broker = new KafkaBroker({
        brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
        clientId: options.service,
        logger: messagingLogger({ logger }),
      });
      const admin = await broker.createAdmin();
      await admin.ensureTopics(Object.values(TOPICS), { namePrefix: names.prefix });
      await admin.close();
      const producer = await broker.createProducer();
      shutdown.on('clients', 'kafka producer', () => producer.close());
      const registry = catalogRegistry();
      const keyStore = databaseKeyStore(database);
      await keyStore.migrate();
      const ctx: ServiceContext = {
        service: options.service,
        region: config.MAISON_REGION,
        database,
        broker,
        producer,
        privacy: new Privacy({
          config: privacyConfigFromEnv(process.env),
          keyStore,
          definitions: registry,
        }),
        cache: new RedisCache({ client: redis, prefix: `${names.prefix}${options.service}:` }),
        verifier: verifierFromConfig(config),
        logger,
        registry,
        names,
        clock: () => new Date(),
      };
      const module = await options.create(ctx);
      for (const check of module.healthChecks ?? []) readiness.register(check);
      await module.start();
      shutdown.on('consumers', options.service, () => module.stop());
      const { routes, subgraph } = await serviceRoutes(module, ctx);
      shutdown.on('clients', 'graphql', () => subgraph.stop());
      return {
        routes,
        ...(module.bodyTypes
          ? { bodyTypes: ['application/json', 'application/*+json', ...module.bodyTypes] }
          : {}),
        ...(module.bodyLimit === undefined ? {} : { bodyLimit: module.bodyLimit }),
      };
    },
  });
}
