// One identity replica in its own process (for the cross-process concurrency test): its own pool
// on the shared database, the shared key store and keys, tokens verified against the test's key
// set. It prints `url <url>` then `started`, and stops on SIGTERM.
import { createVerifier } from '@maison/auth';
import { InMemoryCache } from '@maison/cache';
import { catalogRegistry } from '@maison/event-contracts';
import { InProcessBus } from '@maison/messaging';
import { databaseKeyStore, Privacy, privacyConfig } from '@maison/privacy';
import { resourceNames, serveModule, type ServiceContext } from '@maison/runtime';
import { createLogger } from '@maison/service-kit';
import { postgresDatabase } from '@maison/sql';
import { createIdentityService } from '../src/index.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

const database = postgresDatabase(env('DATABASE_URL'), { max: 10 });
const keyStore = databaseKeyStore(database);
await keyStore.migrate();
const registry = catalogRegistry();
const bus = new InProcessBus();
const ctx: ServiceContext = {
  service: 'identity',
  region: 'EU',
  database,
  broker: bus,
  producer: await bus.createProducer(),
  privacy: new Privacy({
    config: privacyConfig({
      activeKekId: 'replica-test',
      keks: { 'replica-test': Buffer.from(env('MASTER_KEY'), 'base64') },
      blindIndexKey: Buffer.from(env('BLIND_INDEX_KEY'), 'base64'),
    }),
    keyStore,
    definitions: registry,
  }),
  cache: new InMemoryCache(),
  verifier: createVerifier({
    keys: { kind: 'local', jwks: JSON.parse(env('JWKS')) as never },
    issuer: env('ISSUER'),
    audience: env('AUDIENCE'),
  }),
  logger: createLogger({ service: 'identity', level: 'warn' }),
  registry,
  names: resourceNames(''),
  clock: () => new Date(),
};
const module = await createIdentityService(ctx);
await module.start();
const served = await serveModule(module, ctx);
process.stdout.write(`url ${served.url}\nstarted\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await served.close();
    await module.stop();
    await database.close();
    process.exit(0);
  })();
});
