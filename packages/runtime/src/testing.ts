import { createTestAuth, type TestAuth } from '@maison/auth/dev';
import { InMemoryCache } from '@maison/cache';
import {
  catalogRegistry,
  TOPICS,
  type EventTypeDefinition,
  type Region,
  type ServiceName,
} from '@maison/event-contracts';
import {
  InProcessBus,
  KafkaBroker,
  type MessageBroker,
  type MessageProducer,
} from '@maison/messaging';
import { databaseKeyStore, Privacy, privacyConfig } from '@maison/privacy';
import { createLogger, type Logger } from '@maison/service-kit';
import { openEmbeddedDatabase, postgresDatabase, type SqlDatabase } from '@maison/sql';
import { isolatedDatabase, testEndpoints, uniqueName } from '@maison/testing';
import { randomBytes } from 'node:crypto';
import { resourceNames, type ResourceNames, type ServiceContext } from './context.js';

export interface TestEnvironmentOptions {
  /** `kafka`: the real broker of the test endpoints, with unique topic names. Default `memory`. */
  readonly transport?: 'kafka' | 'memory';
  /** `postgres`: a fresh database on the test server. Default `postgres`. */
  readonly database?: 'postgres' | 'pglite';
  readonly region?: Region;
  /** Extra (service-private) event types for the registry. */
  readonly eventTypes?: readonly EventTypeDefinition[];
  readonly clock?: () => Date;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

/**
 * Real infrastructure for service tests, shared by every service of one test the way a platform
 * shares it: one database (services keep to their own schemas), one broker, one key store (the
 * platform's KMS), one token issuer. Everything is unique to the test and removed by `cleanup`.
 */
export interface TestEnvironment {
  readonly auth: TestAuth;
  readonly database: SqlDatabase;
  readonly broker: MessageBroker;
  readonly producer: MessageProducer;
  readonly privacy: Privacy;
  readonly names: ResourceNames;
  readonly logger: Logger;
  contextFor(service: ServiceName): ServiceContext;
  cleanup(): Promise<void>;
}

export async function createTestEnvironment(
  options: TestEnvironmentOptions = {},
): Promise<TestEnvironment> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let database: SqlDatabase;
    if ((options.database ?? 'postgres') === 'postgres') {
      const isolated = await isolatedDatabase('svc');
      database = postgresDatabase(isolated.url, { max: 8 });
      cleanups.push(
        () => isolated.drop(),
        () => database.close(),
      );
    } else {
      database = await openEmbeddedDatabase();
      cleanups.push(() => database.close());
    }
    const names = resourceNames(options.transport === 'kafka' ? `${uniqueName('t')}.` : '');
    let broker: MessageBroker;
    if (options.transport === 'kafka') {
      const kafka = new KafkaBroker({ brokers: testEndpoints().kafkaBrokers, clientId: 'test' });
      const admin = await kafka.createAdmin();
      // Few partitions: a single test broker hosts many runs' topics until they are deleted.
      const specs = Object.values(TOPICS).map((t) => ({ ...t, partitions: 2 }));
      await admin.ensureTopics(specs, { namePrefix: names.prefix });
      await admin.close();
      cleanups.push(async () => {
        const a = await kafka.createAdmin();
        try {
          await a.deleteTopicsWithPrefix(names.prefix);
        } finally {
          await a.close();
        }
      });
      broker = kafka;
    } else {
      broker = new InProcessBus();
    }
    const producer = await broker.createProducer();
    cleanups.push(() => producer.close());
    const registry = catalogRegistry(options.eventTypes);
    const keyStore = databaseKeyStore(database);
    await keyStore.migrate();
    const privacy = new Privacy({
      config: privacyConfig({
        activeKekId: 'test-kek',
        keks: { 'test-kek': randomBytes(32) },
        blindIndexKey: randomBytes(32),
      }),
      keyStore,
      definitions: registry,
    });
    const auth = await createTestAuth();
    const logger = createLogger({ service: 'test', level: options.logLevel ?? 'warn' });
    const clock = options.clock ?? (() => new Date());
    const caches: InMemoryCache[] = [];
    cleanups.push(async () => {
      await Promise.all(caches.map((c) => c.close()));
    });
    return {
      auth,
      database,
      broker,
      producer,
      privacy,
      names,
      logger,
      contextFor: (service) => {
        const cache = new InMemoryCache();
        caches.push(cache);
        return {
          service,
          region: options.region ?? 'EU',
          database,
          broker,
          producer,
          privacy,
          cache,
          verifier: auth.verifier,
          logger: logger.child({ service }),
          registry,
          names,
          clock,
        };
      },
      cleanup: async () => {
        for (const c of cleanups.reverse()) await c().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw error;
  }
}
