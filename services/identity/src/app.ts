import { TOPICS } from '@maison/event-contracts';
import type { IdempotentConsumer, RunningPublisher } from '@maison/messaging';
import {
  createEventConsumer,
  schemasOf,
  startServicePublisher,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { runMigrations } from '@maison/sql';
import { consentHandler, profilesHandler, transactionsHandler } from './api/kafka.handlers.js';
import { identityRoutes } from './api/rest.routes.js';
import { clientLookup, identityResolvers, identityTypeDefs } from './api/subgraph.js';
import { DecisionExecutor } from './engine/executor.js';
import { openIdentityEventStore, publishedOnly } from './engine/identity-store.js';
import { IdentityService } from './engine/identity.service.js';
import {
  clientTag,
  startReadModelProjection,
  type RunningProjection,
} from './projections/projector.js';
import { IdentityQueries } from './projections/queries.js';
import { READ_MODEL_MIGRATIONS } from './projections/read-model.js';
import { DEFAULT_RULES } from './rules/default.rules.js';
import { compileRules, type RuleSet } from './rules/rule-set.js';

export interface IdentityServiceOptions {
  /** The rule set to run (default `DEFAULT_RULES`); validated at start. */
  readonly rules?: RuleSet;
}

/** The module, plus its use cases for embedding hosts and benchmarks. */
export interface IdentityModule extends ServiceModule {
  readonly identity: IdentityService;
  /** Resolves once the read models have caught up with what was committed before start. */
  readonly caughtUp: () => Promise<void>;
}

const RESTART_DELAY_MS = 1_000;

/**
 * The identity service: decisions in `identity_events` (client streams published on
 * identity.events.v1, identifier registers and records private), read models in `identity`,
 * consumers of transactions, profiles and consent events, REST and the subgraph owning `Client`.
 */
export async function createIdentityService(
  ctx: ServiceContext,
  options: IdentityServiceOptions = {},
): Promise<IdentityModule> {
  const schema = schemasOf(ctx.service).readModels;
  const rules = compileRules(options.rules ?? DEFAULT_RULES);
  const events = await openIdentityEventStore(ctx);
  await runMigrations(ctx.database, { schema, migrations: READ_MODEL_MIGRATIONS });
  const queries = new IdentityQueries(ctx.database, schema);
  const executor = new DecisionExecutor({ database: ctx.database, events, privacy: ctx.privacy });
  const service = new IdentityService({ ctx, events, executor, schema, rules });
  const lookup = clientLookup(queries, ctx.cache, ctx.logger);

  // Client-book changes commit with the consumer's marker; their cached views go after that.
  const pendingTags = new Map<string, string[]>();
  const profiles = profilesHandler(service, ctx.privacy, queries);
  // One after the other: each ensures the shared processed-events table.
  const consumers: IdempotentConsumer[] = [];
  consumers.push(
    await createEventConsumer(ctx, {
      name: 'identity.transactions',
      topics: [TOPICS.transactionsEvents],
      handler: transactionsHandler(service, ctx.privacy),
    }),
  );
  consumers.push(
    await createEventConsumer(ctx, {
      name: 'identity.profiles',
      topics: [TOPICS.profilesEvents],
      handler: async (event, tx) => {
        const changed = await profiles(event, tx);
        if (changed.length > 0) pendingTags.set(event.id, changed);
      },
      onOutcome: (outcome) => {
        if (outcome.kind === 'dead-lettered') return;
        const changed = pendingTags.get(outcome.eventId);
        pendingTags.delete(outcome.eventId);
        if (changed === undefined || outcome.kind !== 'applied') return;
        void Promise.all(changed.map((id) => queries.ancestors(id)))
          .then((chains) => ctx.cache.invalidateTags([...changed, ...chains.flat()].map(clientTag)))
          .catch((error: unknown) => {
            ctx.logger.warn(
              { err: error },
              'cache invalidation failed; entries expire on their own',
            );
          });
      },
    }),
  );
  consumers.push(
    await createEventConsumer(ctx, {
      name: 'identity.consent',
      topics: [TOPICS.consentEvents],
      handler: consentHandler(service),
    }),
  );

  let stopping = false;
  let publisher: RunningPublisher | undefined;
  let projection: RunningProjection | undefined;
  let caughtUp: Promise<void> = Promise.resolve();
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) fn();
    }, RESTART_DELAY_MS);
    timers.add(t);
  };

  // Background work restarts itself from its checkpoint if it fails (a Kafka or database outage).
  const runPublisher = async (): Promise<void> => {
    publisher = await startServicePublisher(ctx, {
      store: events.store,
      raw: publishedOnly(events.raw),
      checkpoints: events.checkpoints,
    });
    publisher.done.catch((error: unknown) => {
      if (stopping) return;
      ctx.logger.error({ err: error }, 'identity publisher failed; restarting');
      later(() => void runPublisher().catch(() => undefined));
    });
  };
  const runProjection = async (): Promise<void> => {
    projection = await startReadModelProjection({
      name: 'identity.read-model',
      store: events.structural,
      database: ctx.database,
      schema,
      cache: ctx.cache,
      logger: ctx.logger,
      ancestors: (ids) => queries.ancestorsOf(ids),
    });
    caughtUp = projection.live;
    projection.done.catch((error: unknown) => {
      if (stopping) return;
      ctx.logger.error({ err: error }, 'identity read-model projection failed; restarting');
      later(() => void runProjection().catch(() => undefined));
    });
  };

  return {
    name: 'identity',
    identity: service,
    caughtUp: () => caughtUp,
    routes: identityRoutes({
      service,
      verifier: ctx.verifier,
      privacy: ctx.privacy,
      region: ctx.region,
      view: (root) => lookup.view(root),
      rootOf: (id) => queries.rootOf(id),
      clock: ctx.clock,
    }),
    subgraph: {
      typeDefs: identityTypeDefs(),
      resolvers: identityResolvers({ queries, lookup, privacy: ctx.privacy }),
    },
    async start() {
      await runProjection();
      await runPublisher();
      for (const consumer of consumers)
        consumer.start().catch((error: unknown) => {
          ctx.logger.error({ err: error }, 'identity consumer failed to start');
        });
    },
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(consumers.map((c) => c.stop()));
      await publisher?.stop().catch(() => undefined);
      await projection?.stop();
      await events.raw.close();
    },
  };
}
