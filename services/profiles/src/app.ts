import { ClientDirectory, DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import {
  ClientErased,
  ClientsMerged,
  ClientUnmerged,
  CustomerRecordReceived,
  IdentifierLinked,
  IdentifierUnlinked,
  TOPICS,
  TransactionAttributed,
  type EventEnvelope,
} from '@maison/event-contracts';
import type { RecordedEvent } from '@maison/event-store';
import type { IdempotentConsumer, RunningPublisher } from '@maison/messaging';
import {
  createEventConsumer,
  openServiceEventStore,
  schemasOf,
  startServicePublisher,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { quoteIdent, runMigrations, type SqlQueryable } from '@maison/sql';
import { restRoutes } from './api/rest.routes.js';
import { IngestConsumer } from './api/ingest.consumer.js';
import { loadTypeDefs, resolvers } from './api/subgraph.js';
import { ProfilesApp } from './application.js';
import { Purchases } from './client-book/purchases.js';
import { ReassignmentWorker } from './client-book/reassignment.worker.js';
import { ProfileCommands } from './commands.js';
import { DEFAULT_CONFIG, type ProfilesConfig } from './config.js';
import { Erasure } from './erasure/erasure.js';
import { IdentityEffects } from './identity/identity-effects.js';
import { startBatchedProjector, type BatchedProjector } from './projections/batched-projector.js';
import { READ_MODEL_MIGRATIONS } from './projections/migrations.js';
import { ReadModelProjection } from './projections/read-model.projection.js';
import { ReadModelQueries } from './queries/read-model.queries.js';
import { RecordAttribution } from './records/record-attribution.js';

export interface ProfilesServiceOptions {
  /** Defaults: survivorship 2026-03, first-identified-sale, the demo house's stores, 29 Feb → 28 Feb. */
  readonly config?: Partial<ProfilesConfig>;
  /** Called after each ingest message (`recorded`, `suppressed`, `dead-lettered:<reason>`): metrics and tests. */
  readonly onIngest?: (outcome: string) => void;
}

export const cacheTag = (clientId: string): string => `client:${clientId}`;

/**
 * The profiles service: profile aggregate with survivorship, notes, the client book, merges and
 * unmerges, clienteling read models, its subgraph and REST API, consumers of ingest.profiles.v1,
 * identity, transactions and consent events, and the publisher of profiles.events.v1.
 */
export async function createProfilesService(
  ctx: ServiceContext,
  options: ProfilesServiceOptions = {},
): Promise<ServiceModule> {
  const config: ProfilesConfig = { ...DEFAULT_CONFIG, ...options.config };
  const schema = schemasOf(ctx.service).readModels;
  const s = quoteIdent(schema);
  const events = await openServiceEventStore(ctx);
  await runMigrations(ctx.database, {
    schema,
    migrations: DIRECTORY_MIGRATIONS,
    table: 'directory_migrations',
  });
  await runMigrations(ctx.database, { schema, migrations: READ_MODEL_MIGRATIONS });

  let projector: BatchedProjector | undefined;
  let worker: ReassignmentWorker | undefined;
  const directory = new ClientDirectory(schema);
  const commands = new ProfileCommands(ctx, events, config, s, () => projector?.nudge());
  const queries = new ReadModelQueries(s, ctx.region, config.stores);
  const records = new RecordAttribution(s, directory, commands);
  const readModel = new ReadModelProjection(s, config.stores);
  const identity = new IdentityEffects(s, directory, records, commands);
  const purchases = new Purchases(s, directory, commands);

  const invalidate = async (clientIds: readonly string[]): Promise<number> => {
    const ids = [...new Set(clientIds)];
    if (ids.length === 0) return 0;
    await ctx.cache.invalidateTags(ids.map(cacheTag));
    await ctx.cache.delete(ids.map((id) => `profile:${id}`));
    return ids.length;
  };
  const erasure = new Erasure(s, directory, commands, invalidate);
  const app = new ProfilesApp({
    ctx,
    commands,
    queries,
    directory,
    config,
    onReassignment: () => worker?.nudge(),
  });

  /** Consumers invalidate in the handler (retried on failure) and again once committed. */
  const afterCommit = new Map<string, readonly string[]>();
  const consumer = (
    name: string,
    topic: (typeof TOPICS)[keyof typeof TOPICS],
    handle: (e: EventEnvelope, tx: SqlQueryable) => Promise<string[]>,
  ) =>
    createEventConsumer(ctx, {
      name,
      topics: [topic],
      handler: async (event, tx) => {
        const touched = await handle(event, tx);
        if (touched.length > 0) {
          await invalidate(touched);
          afterCommit.set(event.id, touched);
        }
      },
      onOutcome: (outcome) => {
        if (outcome.kind === 'dead-lettered') return;
        const touched = afterCommit.get(outcome.eventId);
        afterCommit.delete(outcome.eventId);
        if (touched)
          invalidate(touched).catch((error: unknown) => {
            ctx.logger.warn({ err: error }, 'cache invalidation after commit failed');
          });
      },
    });
  const identityTypes = new Set<string>([
    IdentifierLinked.type,
    IdentifierUnlinked.type,
    ClientsMerged.type,
    ClientUnmerged.type,
  ]);
  const consumers: IdempotentConsumer[] = [
    await consumer('profiles.identity', TOPICS.identityEvents, (e, tx) =>
      identityTypes.has(e.type) ? identity.apply(e, tx) : Promise.resolve([]),
    ),
    await consumer('profiles.transactions', TOPICS.transactionsEvents, (e, tx) =>
      e.type === TransactionAttributed.type ? purchases.apply(e, tx) : Promise.resolve([]),
    ),
    await consumer('profiles.consent', TOPICS.consentEvents, (e, tx) =>
      e.type === ClientErased.type ? erasure.apply(e, tx) : Promise.resolve([]),
    ),
  ];
  const ingest = new IngestConsumer(ctx, commands, config.stores, options.onIngest);
  let publisher: RunningPublisher | undefined;

  const apply = async (page: readonly RecordedEvent[], tx: SqlQueryable, touched: Set<string>) => {
    for (const event of page) {
      if (event.type !== CustomerRecordReceived.type) continue;
      const owner = await records.received(event, tx);
      if (owner !== undefined) touched.add(owner);
    }
    for (const client of await readModel.applyPage(page, tx)) touched.add(client);
  };
  const touchedByPage = new WeakMap<readonly RecordedEvent[], Set<string>>();

  return {
    name: 'profiles',
    routes: restRoutes(app, ctx.verifier),
    subgraph: { typeDefs: loadTypeDefs(), resolvers: resolvers(app) },
    async start() {
      projector = await startBatchedProjector({
        name: 'profiles.read-models',
        store: events.store,
        database: ctx.database,
        schema,
        logger: ctx.logger,
        apply: async (page, tx) => {
          const touched = new Set<string>();
          touchedByPage.set(page, touched);
          await apply(page, tx, touched);
        },
        afterCommit: async (page) => {
          const touched = touchedByPage.get(page);
          if (touched) await invalidate([...touched]);
        },
      });
      publisher = await startServicePublisher(ctx, events);
      for (const c of consumers)
        c.start().catch((error: unknown) => {
          ctx.logger.error({ err: error }, 'consumer stopped');
        });
      ingest.start().catch((error: unknown) => {
        ctx.logger.error({ err: error }, 'ingest consumer stopped');
      });
      worker = new ReassignmentWorker({
        database: ctx.database,
        quotedSchema: s,
        commands,
        queries,
        projector: () => projector,
        logger: ctx.logger,
        concurrency: config.reassignmentConcurrency,
        region: ctx.region,
      });
      worker.start();
      await projector.live;
    },
    async stop() {
      await worker?.stop();
      await ingest.stop();
      await Promise.all(consumers.map((c) => c.stop()));
      await projector?.stop();
      await publisher?.stop();
      await events.raw.close();
    },
  };
}
