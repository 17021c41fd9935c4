import { ClientDirectory, DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import type { EventTypeDefinition } from '@maison/event-contracts';
import { startProjector, type Projector } from '@maison/event-store';
import { startPublisher, type IdempotentConsumer, type RunningPublisher } from '@maison/messaging';
import {
  SERVICE_TOPICS,
  messagingLogger,
  openServiceEventStore,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { runMigrations } from '@maison/sql';
import { platformConsumer } from './api/platform.consumer.js';
import { ingestConsumer } from './api/ingest.consumer.js';
import { consentResolvers, consentTypeDefs } from './api/graphql.resolvers.js';
import { ConsentQueries } from './api/queries.js';
import { restRoutes, type ShopConfig } from './api/rest.routes.js';
import { ConsentApp, SCHEMA } from './application.js';
import { consentSettingsFromEnv } from './config.js';
import { PUBLISHED_STREAM_PREFIX } from './consent/consent.events.js';
import type { LedgerSigner } from './ledger/checkpoint.js';
import { Ledger } from './ledger/ledger.js';
import { NoticeVersionPublished } from './notice/notice.events.js';
import { ConsentEvidenceAttributed, ConsentEvidencePending } from './pending/pending.events.js';
import { DEFAULT_POLICIES, type PolicySet } from './policy/policies.js';
import { CONSENT_MIGRATIONS } from './projections/migrations.js';
import { readModelProjection } from './projections/read-model.projection.js';

/** Event types that never leave the service (registered in the context's registry). */
export const CONSENT_PRIVATE_EVENTS: readonly EventTypeDefinition[] = [
  NoticeVersionPublished,
  ConsentEvidencePending,
  ConsentEvidenceAttributed,
];

export interface ConsentServiceOptions {
  /** The ledger's Ed25519 signer; default from CONSENT_LEDGER_SIGNING_KEY (a dev key outside production). */
  readonly signer?: LedgerSigner;
  readonly shops?: Readonly<Record<string, ShopConfig>>;
  readonly policies?: PolicySet;
  readonly checkpointIntervalMs?: number;
  /** Consume ingest.consent.v1 (default true). */
  readonly kafkaIngest?: boolean;
}

export interface ConsentServiceModule extends ServiceModule {
  /** Resolves once the read models and the ledger have caught up with the store. */
  readonly ready: () => Promise<void>;
  readonly app: ConsentApp;
}

export async function createConsentService(
  ctx: ServiceContext,
  options: ConsentServiceOptions = {},
): Promise<ConsentServiceModule> {
  for (const definition of CONSENT_PRIVATE_EVENTS)
    if (ctx.registry.get(definition.type) === undefined) ctx.registry.register(definition);
  const env =
    options.signer === undefined || options.shops === undefined
      ? consentSettingsFromEnv()
      : undefined;
  const signer = options.signer ?? env?.signer;
  if (signer === undefined) throw new Error('no ledger signer');
  if (options.signer === undefined && env?.devSigner === true)
    ctx.logger.warn(
      'consent ledger: no CONSENT_LEDGER_SIGNING_KEY, signing checkpoints with an ephemeral development key',
    );

  const events = await openServiceEventStore(ctx);
  await runMigrations(ctx.database, { schema: SCHEMA, migrations: CONSENT_MIGRATIONS });
  await runMigrations(ctx.database, {
    schema: SCHEMA,
    migrations: DIRECTORY_MIGRATIONS,
    table: 'directory_migrations',
  });
  const directory = new ClientDirectory(SCHEMA);
  const ledger = new Ledger({ database: ctx.database, schema: SCHEMA, signer, clock: ctx.clock });
  const app = new ConsentApp({
    ctx,
    events,
    directory,
    ledger,
    policies: options.policies ?? DEFAULT_POLICIES,
  });
  const queries = new ConsentQueries(app, SCHEMA);
  const consumer: IdempotentConsumer = await platformConsumer(ctx, app);
  const ingest = ingestConsumer(ctx, app);

  let publisher: RunningPublisher | undefined;
  let readModel: Projector | undefined;
  let stopping = false;
  const fail = (what: string) => (error: unknown) => {
    if (!stopping) ctx.logger.error({ err: error }, `consent ${what} stopped`);
  };

  return {
    name: 'consent',
    app,
    routes: restRoutes(app, queries, options.shops ?? env?.shops ?? {}),
    subgraph: { typeDefs: consentTypeDefs(), resolvers: consentResolvers(app, queries) },
    async start() {
      // Only the client streams are published: notice and pending streams stay private.
      publisher = await startPublisher({
        name: 'consent.publisher',
        store: events.raw,
        checkpoints: events.checkpoints,
        producer: ctx.producer,
        streamPrefixes: [PUBLISHED_STREAM_PREFIX],
        topicFor: () => ctx.names.topic(SERVICE_TOPICS.consent),
        logger: messagingLogger(ctx),
      });
      publisher.done.catch(fail('publisher'));
      const startReadModel = async (): Promise<void> => {
        readModel = await startProjector({
          name: 'consent.read-model',
          store: events.store,
          database: ctx.database,
          schema: SCHEMA,
          apply: readModelProjection(SCHEMA, {
            onErasureRequested: (event, tx) => app.eraseClient(event, tx),
            onClientErased: (event, tx) => app.purgeClient(event, tx),
          }),
        });
        // A failed event (e.g. the database went away) stops the subscription: resume from the
        // checkpoint after a pause, so one bad moment does not freeze the read models for good.
        readModel.subscription.done.catch((error: unknown) => {
          fail('read-model projection')(error);
          if (!stopping)
            setTimeout(
              () => void startReadModel().catch(fail('read-model restart')),
              1_000,
            ).unref();
        });
      };
      await startReadModel();
      await ledger.start(events.raw, SCHEMA, fail('ledger sequencer'));
      ledger.startCheckpointing(
        options.checkpointIntervalMs ?? env?.checkpointIntervalMs ?? 10_000,
        fail('checkpointer'),
      );
      consumer.start().catch(fail('platform consumer'));
      if (options.kafkaIngest !== false) ingest.start().catch(fail('ingest consumer'));
    },
    async ready() {
      await readModel?.live;
      await ledger.live();
    },
    async stop() {
      stopping = true;
      await ingest.stop();
      await consumer.stop();
      await ledger.stop();
      await readModel?.stop();
      await publisher?.stop();
      await events.raw.close();
    },
  };
}
