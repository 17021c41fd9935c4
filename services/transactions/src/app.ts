import { readFileSync } from 'node:fs';
import { ClientDirectory, DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import { TransactionRecorded, type EventEnvelope } from '@maison/event-contracts';
import { withCodec, type EventStore } from '@maison/event-store';
import { envelopeOf } from '@maison/messaging';
import type { RunningPublisher } from '@maison/messaging';
import {
  openServiceEventStore,
  schemasOf,
  serviceCodec,
  startServicePublisher,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { quoteIdent, runMigrations } from '@maison/sql';
import { createErasureConsumer } from './api/erasure.consumer.js';
import { createIdentityConsumer } from './api/identity.consumer.js';
import { IngestConsumer } from './api/ingest.consumer.js';
import { restRoutes } from './api/rest.routes.js';
import { ShopifyWebhooks } from './api/shopify.routes.js';
import { transactionsResolvers, transactionsTypeDefs } from './api/subgraph.js';
import { transactionsConfigFromEnv, type TransactionsConfig } from './config.js';
import { FxRates } from './fx/ecb-rates.js';
import { coalescingProducer } from './ingest/coalescing-producer.js';
import { ImportService } from './imports/import.service.js';
import type { PrepareContext } from './ingest/prepare.js';
import { startBatchProjector, type BatchProjector } from './projections/batch-projector.js';
import { READ_MODEL_MIGRATIONS } from './projections/migrations.js';
import { ReadModel } from './projections/read-model.js';
import { transactionsProjection } from './projections/transactions.projection.js';
import type { RecordedData } from './transaction/transaction.events.js';

export interface TransactionsModule extends ServiceModule {
  /** Resolves once the read models have caught up with the store (after `start`). */
  readonly projectionLive: () => Promise<void>;
  readonly ingest: IngestConsumer;
}

/**
 * Anonymous sales carry no personal data: validate them without creating a data key for each;
 * everything else goes through the platform codec (validation + per-subject encryption).
 */
function transactionsCodec(ctx: ServiceContext) {
  const platform = serviceCodec(ctx);
  return {
    encode: (event: EventEnvelope) =>
      event.type === TransactionRecorded.type && (event.data as RecordedData).customer.length === 0
        ? Promise.resolve(ctx.registry.validate(event))
        : platform.encode(event),
    decode: (event: EventEnvelope) => platform.decode(event),
  };
}

/** Reads what is stored without decrypting: projections need blind indexes, never values. */
function undecrypted(raw: EventStore, ctx: ServiceContext): EventStore {
  return withCodec(raw, {
    encode: () => Promise.reject(new Error('read-only view')),
    decode: (e) => Promise.resolve(ctx.registry.decode(envelopeOf(e))),
  });
}

export async function createTransactionsService(
  ctx: ServiceContext,
  config: TransactionsConfig = transactionsConfigFromEnv(),
): Promise<TransactionsModule> {
  const schema = schemasOf(ctx.service).readModels;
  const s = quoteIdent(schema);
  const events = await openServiceEventStore(ctx);
  const store = withCodec(events.raw, transactionsCodec(ctx));
  await runMigrations(ctx.database, { schema, migrations: READ_MODEL_MIGRATIONS });
  await runMigrations(ctx.database, {
    schema,
    migrations: DIRECTORY_MIGRATIONS,
    table: 'directory_migrations',
  });
  const directory = new ClientDirectory(schema);
  const fx = FxRates.parse(readFileSync(config.fxRatesFile, 'utf8'));
  const prepare: PrepareContext = {
    privacy: ctx.privacy,
    fx,
    reportingCurrency: config.reportingCurrency,
    maxRateGapDays: config.maxRateGapDays,
    now: ctx.clock,
  };
  const invalidate = (clientIds: readonly string[]) =>
    ctx.cache.invalidateTags(clientIds.map((id) => `client:${id}`));
  // the edges' records share Kafka requests (see coalescingProducer); imports batch their own
  const edgeProducer = coalescingProducer(ctx.producer);
  const readModel = new ReadModel(ctx.database, s, directory, ctx.region, ctx.clock);
  const imports = new ImportService({
    database: ctx.database,
    schema: s,
    producer: ctx.producer,
    topic: ctx.names.topic('ingest.transactions.v1'),
    prepare,
    logger: ctx.logger,
    maxBytes: config.importMaxBytes,
    leaseMs: config.importLeaseMs,
  });
  const shopify = new ShopifyWebhooks({
    ctx,
    database: ctx.database,
    schema: s,
    producer: edgeProducer,
    prepare,
    shops: config.shopifyShops,
    logger: ctx.logger,
  });
  const ingest = new IngestConsumer({
    ctx,
    store,
    database: ctx.database,
    directory,
    prepare,
    ...(config.ingestSessionTimeoutMs === undefined
      ? {}
      : { sessionTimeoutMs: config.ingestSessionTimeoutMs }),
  });
  const identity = await createIdentityConsumer({ ctx, schema: s, store, directory });
  const erasure = await createErasureConsumer({ ctx, schema: s, store, directory, invalidate });
  let projector: BatchProjector | undefined;
  let publisher: RunningPublisher | undefined;

  return {
    name: 'transactions',
    bodyTypes: ['text/csv', 'application/x-ndjson'],
    bodyLimit: '2mb',
    routes: restRoutes({
      verifier: ctx.verifier,
      producer: edgeProducer,
      topic: (spec) => ctx.names.topic(spec),
      prepare,
      batchLimit: config.batchLimit,
      imports,
      readModel,
      shopify,
      region: ctx.region,
    }),
    subgraph: {
      typeDefs: transactionsTypeDefs(),
      resolvers: transactionsResolvers({
        readModel,
        cache: ctx.cache,
        reportingCurrency: config.reportingCurrency,
        tierRules: config.tierRules,
        clock: ctx.clock,
      }),
    },
    ingest,
    projectionLive: () => projector?.live ?? Promise.reject(new Error('not started')),
    async start() {
      projector = await startBatchProjector({
        name: 'transactions.read-model.v1',
        store: undecrypted(events.raw, ctx),
        database: ctx.database,
        schema,
        logger: ctx.logger,
        apply: transactionsProjection({
          schema: s,
          store,
          directory,
          tierRules: config.tierRules,
          reportingCurrency: config.reportingCurrency,
          region: ctx.region,
          clock: ctx.clock,
          logger: ctx.logger,
          invalidate,
        }),
      });
      publisher = await startServicePublisher(ctx, events);
      void ingest.start();
      void identity.start();
      void erasure.start();
      imports.start();
    },
    async stop() {
      await imports.stop();
      await Promise.all([ingest.stop(), identity.stop(), erasure.stop()]);
      await edgeProducer.close();
      await projector?.stop();
      await publisher?.stop();
      await events.raw.close();
    },
  };
}
