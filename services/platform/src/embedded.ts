import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createVerifier, type TokenVerifier } from '@maison/auth';
import { createDevIssuer, type DevIssuer } from '@maison/auth/dev';
import { InMemoryCache } from '@maison/cache';
import { catalogRegistry, TOPICS, type Region, type ServiceName } from '@maison/event-contracts';
import { InProcessBus } from '@maison/messaging';
import { databaseKeyStore, Privacy, privacyConfig } from '@maison/privacy';
import {
  resourceNames,
  serveModule,
  type ServedModule,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { createLogger, type Logger } from '@maison/service-kit';
import { openEmbeddedDatabase, type SqlDatabase } from '@maison/sql';
import { loadOrCreateSecrets, type EmbeddedSecrets } from './keys.js';

export type ServiceFactory = (
  ctx: ServiceContext,
  platform: { readonly dataDir: string; readonly secrets: EmbeddedSecrets },
) => Promise<ServiceModule>;

export interface EmbeddedOptions {
  /** Where PGlite, keys and the dev issuer's key live (`.data/` by default). */
  readonly dataDir: string;
  /** The gateway's port; the subgraphs take the next ones (4001…). */
  readonly port?: number;
  readonly host?: string;
  readonly region?: Region;
  /** The services to run, in start order. */
  readonly services: readonly (readonly [ServiceName, ServiceFactory])[];
  /** Each service's port (default: the gateway's port + 1, + 2… in start order; 0 = any free). */
  readonly ports?: Partial<Readonly<Record<ServiceName, number>>>;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface RunningService {
  readonly name: ServiceName;
  readonly module: ServiceModule;
  readonly served: ServedModule;
  readonly ctx: ServiceContext;
}

export interface EmbeddedPlatform {
  readonly database: SqlDatabase;
  readonly bus: InProcessBus;
  readonly issuer: DevIssuer;
  readonly verifier: TokenVerifier;
  readonly services: readonly RunningService[];
  readonly logger: Logger;
  readonly secrets: EmbeddedSecrets;
  readonly issuerUrl: string;
  /** Stops the services (HTTP first, then their consumers), then the database. */
  stop(): Promise<void>;
}

export const DEV_AUDIENCE = 'maison-api';

/**
 * Every service in one process on the embedded defaults: PGlite on disk, the in-process bus, an
 * in-memory cache per service, development keys in the data folder and a development token
 * issuer. The services are the same modules the standalone mode runs; each serves its REST API and
 * subgraph on its own local port.
 */
export async function startEmbeddedPlatform(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4000;
  mkdirSync(options.dataDir, { recursive: true });
  const logger = createLogger({ service: 'platform', level: options.logLevel ?? 'info' });
  const secrets = loadOrCreateSecrets(options.dataDir);
  const database = await openEmbeddedDatabase({ dataDir: path.join(options.dataDir, 'pg') });
  const bus = new InProcessBus();
  const admin = await bus.createAdmin();
  await admin.ensureTopics(Object.values(TOPICS));
  const producer = await bus.createProducer();
  const registry = catalogRegistry();
  const keyStore = databaseKeyStore(database);
  await keyStore.migrate();
  const privacy = new Privacy({
    config: privacyConfig({
      activeKekId: 'embedded-1',
      keks: { 'embedded-1': secrets.masterKey },
      blindIndexKey: secrets.blindIndexKey,
    }),
    keyStore,
    definitions: registry,
  });
  const issuerUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${String(port)}/auth`;
  const issuer = await createDevIssuer({
    issuer: issuerUrl,
    audience: DEV_AUDIENCE,
    keyDir: path.join(options.dataDir, 'auth'),
  });
  const verifier = createVerifier({
    keys: issuer.keySource(),
    issuer: issuerUrl,
    audience: DEV_AUDIENCE,
  });
  const names = resourceNames('');
  const running: RunningService[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of [...running].reverse()) await s.served.close().catch(() => undefined);
    for (const s of [...running].reverse()) await s.module.stop().catch(() => undefined);
    await producer.close();
    await database.close();
  };
  try {
    for (const [i, [name, create]] of options.services.entries()) {
      const ctx: ServiceContext = {
        service: name,
        region: options.region ?? 'EU',
        database,
        broker: bus,
        producer,
        privacy,
        cache: new InMemoryCache(),
        verifier,
        logger: logger.child({ service: name }),
        registry,
        names,
        clock: () => new Date(),
      };
      const module = await create(ctx, { dataDir: options.dataDir, secrets });
      await module.start();
      const served = await serveModule(module, ctx, {
        port: options.ports?.[name] ?? (port === 0 ? 0 : port + 1 + i),
        host,
      });
      running.push({ name, module, served, ctx });
      logger.info({ service: name, url: served.url }, 'service started');
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    database,
    bus,
    issuer,
    verifier,
    services: running,
    logger,
    secrets,
    issuerUrl,
    stop: stopAll,
  };
}
