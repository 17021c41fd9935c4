import { readFile } from 'node:fs/promises';
import { ClientDirectory, DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import {
  deterministicEventId,
  HEADERS,
  newEventId,
  type EventEnvelope,
} from '@maison/event-contracts';
import { handleCommand } from '@maison/event-store';
import {
  ensureProcessedEventsTable,
  type IdempotentConsumer,
  type RunningPublisher,
} from '@maison/messaging';
import {
  createEventConsumer,
  openServiceEventStore,
  schemasOf,
  startServicePublisher,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { ConflictError } from '@maison/service-kit';
import { quoteIdent, runMigrations } from '@maison/sql';
import { consumerSpecs, type ConsumerSpec } from './api/consumers.js';
import { routes } from './api/routes.js';
import { resolvers, typeDefs } from './api/subgraph.js';
import { parseCatalogue } from './catalogue/catalogue.parser.js';
import { DEFAULT_SETTINGS, type RecommendationsSettings } from './config.js';
import { erasureDecider } from './erasure/erasure.decider.js';
import { purgeStream } from './erasure/erasure.events.js';
import { modelDecider } from './model/model.decider.js';
import { MODEL_STREAM } from './model/model.events.js';
import { ClientsProjection } from './projections/clients.projection.js';
import { MIGRATIONS } from './projections/migrations.js';
import { buildModel, writeModel, type TopicEvents } from './projections/rebuild.js';
import { ModelProjection } from './projections/model.projection.js';
import { RecommendationsQueries } from './projections/recommendations.query.js';
import { Recommender, type ServedRecommendations } from './recommender.js';

export interface RebuildReport {
  readonly modelVersion: string;
  readonly events: number;
  readonly clients: number;
  readonly items: number;
  readonly seconds: number;
  /** Reading the topics, folding the model in memory, writing it (one transaction). */
  readonly phases: {
    readonly readSeconds: number;
    readonly foldSeconds: number;
    readonly writeSeconds: number;
  };
}

export interface ModelInfo {
  readonly modelVersion: string;
  readonly generation: number;
  readonly clients: number;
  readonly items: number;
  readonly pairs: number;
  readonly catalogue: { readonly configured: boolean; readonly version: string | null };
}

/** The module, plus what the replay command, the bench and tests drive directly. */
export interface RecommendationsModule extends ServiceModule {
  readonly recommender: Recommender;
  /** Rebuilds the model from the topics, from scratch (stops and restarts the consumers). */
  rebuild(options?: { timeoutMs?: number }): Promise<RebuildReport>;
  modelInfo(): Promise<ModelInfo>;
  loadCatalogue(text: string, version?: string): Promise<{ version: string; items: number }>;
  clearCatalogue(): Promise<void>;
  /** Appends the ClientDataPurged reports not yet recorded (also run after each erasure). */
  flushPurgeReports(): Promise<number>;
  /**
   * Resolves when this process's consumers have handled everything on their topics at the time of
   * the call — for a rebuild, and for tests and benches whose consumers start with the data (a
   * restarted process that resumes from committed offsets never sees the earlier messages).
   */
  caughtUp(options?: { timeoutMs?: number }): Promise<void>;
}

export type { ServedRecommendations };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function createRecommendationsService(
  ctx: ServiceContext,
  settings: RecommendationsSettings = DEFAULT_SETTINGS,
): Promise<RecommendationsModule> {
  const schema = schemasOf(ctx.service).readModels;
  const s = quoteIdent(schema);
  await runMigrations(ctx.database, { schema, migrations: MIGRATIONS });
  await runMigrations(ctx.database, {
    schema,
    migrations: DIRECTORY_MIGRATIONS,
    table: 'directory_migrations',
  });
  // The consumers' exactly-once markers (created here too, so a rebuild can run on a fresh database).
  await ensureProcessedEventsTable(ctx.database, schema);
  const events = await openServiceEventStore(ctx);
  const directory = new ClientDirectory(schema);
  const model = new ModelProjection(schema, { halfLifeDays: settings.halfLifeDays });
  const clients = new ClientsProjection(schema);
  const queries = new RecommendationsQueries(schema, directory);
  const specs = consumerSpecs({ schema, model, clients, directory, clock: ctx.clock });

  const generation = async (): Promise<number> => {
    const rows = await ctx.database.query<{ generation: number }>(
      `SELECT generation FROM ${s}.model_meta WHERE id = 1`,
    );
    return rows[0]?.generation ?? 1;
  };
  const versionOf = (g: number): string =>
    `cooc-cosine.v1;half-life=${String(settings.halfLifeDays)}d;g${String(g)}`;

  const recommender = new Recommender({
    database: ctx.database,
    queries,
    store: events.store,
    region: ctx.region,
    clock: ctx.clock,
    recordServed: settings.recordServed,
    modelVersion: versionOf,
    onServedError: (error) => {
      ctx.logger.warn({ err: error }, 'RecommendationsServed not recorded');
    },
  });

  // --- purge reports: recorded in the erasure's transaction, appended once it committed
  let flushing: Promise<number> | undefined;
  let flushRequests = 0;
  const flushOnce = async (): Promise<number> => {
    const pending = await ctx.database.query<{
      request_id: string;
      client_id: string;
      purged: Record<string, number>;
      completed_at: Date;
    }>(`SELECT * FROM ${s}.purge_reports WHERE NOT published ORDER BY completed_at, request_id`);
    for (const r of pending) {
      await handleCommand(events.store, purgeStream(r.request_id), erasureDecider, {
        type: 'ReportPurge',
        requestId: r.request_id,
        clientId: r.client_id,
        purged: r.purged,
        completedAt: new Date(r.completed_at).toISOString(),
        eventId: deterministicEventId({
          sourceSystem: 'recommendations',
          sourceId: r.request_id,
          type: 'ClientDataPurged',
        }),
        region: ctx.region,
      });
      await ctx.database.query(
        `UPDATE ${s}.purge_reports SET published = true WHERE request_id = $1`,
        [r.request_id],
      );
    }
    return pending.length;
  };
  const flushPurgeReports = async (): Promise<number> => {
    if (flushing) {
      flushRequests++;
      return flushing;
    }
    flushing = (async () => {
      let n = 0;
      let seen: number;
      do {
        seen = flushRequests;
        n += await flushOnce();
      } while (flushRequests !== seen);
      return n;
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  // --- consumers, one per topic and model generation
  interface Running {
    readonly spec: ConsumerSpec;
    readonly consumer: IdempotentConsumer;
  }
  let running: Running[] = [];
  /** Highest handled offset per `topic/partition`, for catching up. */
  const handled = new Map<string, bigint>();

  const consumerName = (spec: ConsumerSpec): string => `recommendations.${spec.what}`;
  const startConsumers = async (): Promise<void> => {
    // Created one after the other: each ensures the processed-events table (CREATE IF NOT EXISTS
    // races with itself).
    const created: Running[] = [];
    for (const spec of specs)
      created.push({
        spec,
        consumer: await createEventConsumer(ctx, {
          name: consumerName(spec),
          topics: [spec.topic],
          handler: spec.handler,
          // Exactly-once comes from the processed markers; committing offsets in bulk only
          // bounds what a crash redelivers (and skips), and saves a broker round trip per event.
          commit: { everyMessages: 100, intervalMs: 1000 },
          onOutcome: (outcome, message) => {
            const key = `${message.topic}/${String(message.partition)}`;
            const offset = BigInt(message.offset);
            if ((handled.get(key) ?? -1n) < offset) handled.set(key, offset);
            if (outcome.kind === 'applied' && message.headers[HEADERS.eventType] === 'ClientErased')
              flushPurgeReports().catch((error: unknown) => {
                ctx.logger.warn({ err: error }, 'purge report not recorded yet; retried later');
              });
          },
        }),
      });
    running = created;
    await Promise.all(created.map((r) => r.consumer.start()));
  };
  const stopConsumers = async (): Promise<void> => {
    const current = running;
    running = [];
    await Promise.all(current.map((r) => r.consumer.stop()));
  };

  /** The last offset of each partition of the consumed topics, now (`topic/partition` → offset). */
  const lastOffsets = async (): Promise<Map<string, bigint>> => {
    const admin = await ctx.broker.createAdmin();
    const targets = new Map<string, bigint>();
    try {
      if (!admin.endOffsets) throw new Error('the message broker cannot tell end offsets');
      for (const spec of specs) {
        const topic = ctx.names.topic(spec.topic);
        for (const { partition, offset } of await admin.endOffsets(topic))
          if (BigInt(offset) > 0n)
            targets.set(`${topic}/${String(partition)}`, BigInt(offset) - 1n);
      }
    } finally {
      await admin.close();
    }
    return targets;
  };

  const caughtUp = async (options: { timeoutMs?: number } = {}): Promise<void> => {
    const targets = await lastOffsets();
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const behind = [...targets].filter(([k, end]) => (handled.get(k) ?? -1n) < end);
      if (behind.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`not caught up on ${String(behind.length)} partitions in time`);
      await sleep(20);
    }
  };

  /**
   * Reads every topic from the beginning (a throwaway consumer group per topic) up to the given
   * offsets: each event decoded as the live consumers do, invalid ones skipped
   * (those are dead-lettered by the live consumers), duplicates dropped.
   */
  const readTopics = async (
    targets: ReadonlyMap<string, bigint>,
    timeoutMs: number,
  ): Promise<{ events: TopicEvents; markers: { consumer: string; eventId: string }[] }> => {
    const events: Record<ConsumerSpec['what'], EventEnvelope[]> = {
      transactions: [],
      consent: [],
      profiles: [],
      identity: [],
    };
    const markers: { consumer: string; eventId: string }[] = [];
    await Promise.all(
      specs.map(async (spec) => {
        const topic = ctx.names.topic(spec.topic);
        const mine = [...targets].filter(([k]) => k.startsWith(`${topic}/`));
        if (mine.length === 0) return;
        const progress = new Map<string, bigint>();
        const seen = new Set<string>();
        const reached = () => mine.every(([k, end]) => (progress.get(k) ?? -1n) >= end);
        const consumer = ctx.broker.createConsumer({
          groupId: ctx.names.group(`recommendations.rebuild.${newEventId()}`),
        });
        await consumer.run({
          topics: [topic],
          fromBeginning: true,
          // A throwaway group: its offsets matter to no one, so commit them rarely.
          commit: { everyMessages: 100_000, intervalMs: 10_000 },
          eachMessage: (m) => {
            try {
              if (m.value !== null && m.value.length > 0) {
                // Decoded (validated, upcast) like the live consumers do, but not decrypted: the
                // model reads no personal field, and the live path also upcasts before decrypting.
                const event = ctx.registry.decode(JSON.parse(m.value.toString('utf8')));
                if (!seen.has(event.id)) {
                  seen.add(event.id);
                  events[spec.what].push(event);
                  markers.push({ consumer: consumerName(spec), eventId: event.id });
                }
              }
            } catch {
              // Not an event the live consumer would apply: it dead-letters it.
            }
            progress.set(`${m.topic}/${String(m.partition)}`, BigInt(m.offset));
            return Promise.resolve();
          },
        });
        try {
          const deadline = Date.now() + timeoutMs;
          while (!reached()) {
            if (Date.now() > deadline) throw new Error(`rebuild did not reach the end of ${topic}`);
            await sleep(10);
          }
        } finally {
          await consumer.stop();
        }
      }),
    );
    return { events, markers };
  };

  let rebuilding = false;
  const rebuild = async (options: { timeoutMs?: number } = {}): Promise<RebuildReport> => {
    if (rebuilding) throw new ConflictError('A rebuild is already running.');
    rebuilding = true;
    const started = performance.now();
    const wasRunning = running.length > 0;
    try {
      await stopConsumers();
      const targets = await lastOffsets();
      const { events: read, markers } = await readTopics(targets, options.timeoutMs ?? 600_000);
      const readAt = performance.now();
      const built = buildModel(read, settings.halfLifeDays);
      const foldedAt = performance.now();
      const next = (await generation()) + 1;
      await ctx.database.transaction(async (tx) => {
        await model.lock(tx);
        await writeModel(tx, schema, built, read.identity, directory, markers);
        await tx.query(`UPDATE ${s}.model_meta SET generation = $1, rebuilt_at = $2 WHERE id = 1`, [
          next,
          ctx.clock().toISOString(),
        ]);
      });
      const writtenAt = performance.now();
      if (wasRunning) await startConsumers();
      const clientsWithBasket = [...built.summaries.values()].filter(
        (x) => x.items.size > 0,
      ).length;
      const version = versionOf(next);
      await handleCommand(events.store, MODEL_STREAM, modelDecider, {
        type: 'RecordRebuild',
        modelVersion: version,
        events: markers.length,
        clients: clientsWithBasket,
        items: built.items.size,
        at: ctx.clock().toISOString(),
        eventId: deterministicEventId({
          sourceSystem: 'recommendations',
          sourceId: version,
          type: 'RecommendationModelRebuilt',
        }),
        region: ctx.region,
      });
      return {
        modelVersion: version,
        events: markers.length,
        clients: clientsWithBasket,
        items: built.items.size,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        phases: {
          readSeconds: Number(((readAt - started) / 1000).toFixed(3)),
          foldSeconds: Number(((foldedAt - readAt) / 1000).toFixed(3)),
          writeSeconds: Number(((writtenAt - foldedAt) / 1000).toFixed(3)),
        },
      };
    } finally {
      rebuilding = false;
    }
  };

  const modelInfo = async (): Promise<ModelInfo> => {
    const [row] = await ctx.database.query<{
      generation: number;
      catalogue_configured: boolean;
      catalogue_version: string | null;
      clients: string;
      items: string;
      pairs: string;
    }>(
      `SELECT m.generation, m.catalogue_configured, m.catalogue_version,
              (SELECT count(DISTINCT client_id) FROM ${s}.client_items)::text AS clients,
              (SELECT count(*) FROM ${s}.items)::text AS items,
              (SELECT count(*) FROM ${s}.co_pairs)::text AS pairs
         FROM ${s}.model_meta m WHERE m.id = 1`,
    );
    const g = row?.generation ?? 1;
    return {
      modelVersion: versionOf(g),
      generation: g,
      clients: Number(row?.clients ?? 0),
      items: Number(row?.items ?? 0),
      pairs: Number(row?.pairs ?? 0) / 2,
      catalogue: {
        configured: row?.catalogue_configured ?? false,
        version: row?.catalogue_version ?? null,
      },
    };
  };

  const loadCatalogue = async (
    text: string,
    version?: string,
  ): Promise<{ version: string; items: number }> => {
    const feed = parseCatalogue(text, version ?? ctx.clock().toISOString());
    await ctx.database.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${s}.catalogue`);
      const items = feed.items;
      for (let i = 0; i < items.length; i += 5000) {
        const chunk = items.slice(i, i + 5000);
        await tx.query(
          `INSERT INTO ${s}.catalogue (sku, available, regions, stock)
           SELECT u.sku, u.available, CASE WHEN u.regions IS NULL THEN NULL
                    ELSE ARRAY(SELECT jsonb_array_elements_text(u.regions)) END, u.stock
             FROM unnest($1::text[], $2::boolean[], $3::jsonb[], $4::integer[]) AS u(sku, available, regions, stock)`,
          [
            chunk.map((c) => c.sku),
            chunk.map((c) => c.available),
            chunk.map((c) => (c.regions ? JSON.stringify(c.regions) : null)),
            chunk.map((c) => c.stock ?? null),
          ],
        );
      }
      await tx.query(
        `UPDATE ${s}.model_meta SET catalogue_configured = true, catalogue_version = $1 WHERE id = 1`,
        [feed.version],
      );
    });
    return { version: feed.version, items: feed.items.length };
  };
  const clearCatalogue = async (): Promise<void> => {
    await ctx.database.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${s}.catalogue`);
      await tx.query(
        `UPDATE ${s}.model_meta SET catalogue_configured = false, catalogue_version = NULL WHERE id = 1`,
      );
    });
  };

  let publisher: RunningPublisher | undefined;
  return {
    name: 'recommendations',
    recommender,
    bodyLimit: '8mb',
    bodyTypes: ['application/x-ndjson'],
    routes: routes({
      verifier: ctx.verifier,
      recommender,
      modelInfo,
      rebuild: () => rebuild(),
      loadCatalogue,
      clearCatalogue,
    }),
    subgraph: { typeDefs, resolvers: resolvers(recommender) },
    rebuild,
    modelInfo,
    loadCatalogue,
    clearCatalogue,
    flushPurgeReports,
    caughtUp,
    async start() {
      if (settings.catalogueFile !== undefined)
        await loadCatalogue(await readFile(settings.catalogueFile, 'utf8'));
      publisher = await startServicePublisher(ctx, events);
      await startConsumers();
      await flushPurgeReports();
    },
    async stop() {
      await recommender.drain();
      await stopConsumers();
      await publisher?.stop();
      await events.raw.close();
    },
  };
}
