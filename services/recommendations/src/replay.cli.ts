// The replay command: rebuilds the recommendation model from the topics, from scratch.
//   npm run replay -w @maison/recommendations
// Reads the standalone settings (DATABASE_URL, KAFKA_BROKERS, MAISON_REGION, MAISON_TOPIC_PREFIX,
// MAISON_MASTER_KEY, MAISON_BLIND_INDEX_KEY, RECOMMENDATIONS_*). Stop the service's replicas first.
import { InMemoryCache } from '@maison/cache';
import { catalogRegistry, REGIONS, TOPICS } from '@maison/event-contracts';
import { KafkaBroker } from '@maison/messaging';
import { databaseKeyStore, Privacy, privacyConfigFromEnv } from '@maison/privacy';
import { messagingLogger, resourceNames, type ServiceContext } from '@maison/runtime';
import { createLogger, loadConfig, secret, UnauthorizedError } from '@maison/service-kit';
import { postgresDatabase } from '@maison/sql';
import { z } from 'zod';
import { settingsFromEnv } from './config.js';
import { replayModel } from './replay.js';

const logger = createLogger({ service: 'recommendations-replay', level: 'info' });
const config = loadConfig({
  DATABASE_URL: secret(z.string().min(1)),
  KAFKA_BROKERS: z.string().min(1),
  MAISON_REGION: z.enum(REGIONS).default('EU'),
  MAISON_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/)
    .default(''),
});
const database = postgresDatabase(config.DATABASE_URL, { max: 10 });
const broker = new KafkaBroker({
  brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
  clientId: 'recommendations-replay',
  logger: messagingLogger({ logger }),
});
const names = resourceNames(config.MAISON_TOPIC_PREFIX);
const admin = await broker.createAdmin();
await admin.ensureTopics(Object.values(TOPICS), { namePrefix: names.prefix });
await admin.close();
const producer = await broker.createProducer();
const registry = catalogRegistry();
const keyStore = databaseKeyStore(database);
await keyStore.migrate();
const refuse = () =>
  Promise.reject(new UnauthorizedError('The replay command serves no requests.'));
const ctx: ServiceContext = {
  service: 'recommendations',
  region: config.MAISON_REGION,
  database,
  broker,
  producer,
  privacy: new Privacy({
    config: privacyConfigFromEnv(process.env),
    keyStore,
    definitions: registry,
  }),
  cache: new InMemoryCache(),
  verifier: { verify: refuse, verifyAuthorization: refuse, principalFromHeaders: refuse },
  logger,
  registry,
  names,
  clock: () => new Date(),
};
try {
  const report = await replayModel(ctx, { settings: settingsFromEnv() });
  logger.info(report, 'model rebuilt from the topics');
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await producer.close();
  await database.close();
}
