// The transactions service in its own process, for kill-and-restart tests: the context is built
// from the environment the test gives it (database, topic prefix, keys), like a standalone main.
import { createVerifier } from '@maison/auth';
import { createDevIssuer } from '@maison/auth/dev';
import { InMemoryCache } from '@maison/cache';
import { catalogRegistry } from '@maison/event-contracts';
import { KafkaBroker } from '@maison/messaging';
import { databaseKeyStore, Privacy, privacyConfig } from '@maison/privacy';
import { resourceNames, serveModule, type ServiceContext } from '@maison/runtime';
import { createLogger } from '@maison/service-kit';
import { postgresDatabase } from '@maison/sql';
import { createTransactionsService } from '../src/app.js';
import { testConfig } from './fixtures.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const database = postgresDatabase(env('WORKER_DATABASE_URL'), { max: 8 });
const logger = createLogger({ service: 'transactions', level: 'warn' });
const broker = new KafkaBroker({
  brokers: env('WORKER_BROKERS').split(','),
  clientId: 'transactions-worker',
  // kafkajs warnings and errors on stderr: a consumer that cannot join says so
  logger: ({ level, message, fields }) => {
    logger[level](fields ?? {}, message);
  },
});
const producer = await broker.createProducer();
const registry = catalogRegistry();
const keyStore = databaseKeyStore(database);
await keyStore.migrate();
const issuer = await createDevIssuer({
  issuer: 'https://auth.test.maison.invalid/',
  audience: 'maison-api',
  keyDir: env('WORKER_KEY_DIR'),
  env: {},
});
const ctx: ServiceContext = {
  service: 'transactions',
  region: 'EU',
  database,
  broker,
  producer,
  privacy: new Privacy({
    config: privacyConfig({
      activeKekId: 'test-kek',
      keks: { 'test-kek': Buffer.from(env('WORKER_KEK'), 'base64') },
      blindIndexKey: Buffer.from(env('WORKER_BLIND_KEY'), 'base64'),
    }),
    keyStore,
    definitions: registry,
  }),
  cache: new InMemoryCache(),
  verifier: createVerifier({
    keys: issuer.keySource(),
    issuer: issuer.issuer,
    audience: issuer.audience,
  }),
  logger,
  registry,
  names: resourceNames(env('WORKER_PREFIX')),
  clock: () => new Date(),
};
const module = await createTransactionsService(
  ctx,
  testConfig({
    importLeaseMs: 1000,
    // a killed instance's partitions come back after Kafka's minimum session, not the default 10 s
    ingestSessionTimeoutMs: 6000,
  }),
);
await module.start();
const served = await serveModule(module, ctx, { port: Number(process.env.WORKER_PORT ?? 0) });
// the test reads these lines
process.stdout.write(`url ${served.url}\nstarted\n`);
