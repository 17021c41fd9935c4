// Recommendations: offline evaluation and speed, on real Kafka and PostgreSQL, in one run.
//
// 1. A generated luxury history (services/recommendations/src/eval/generator.ts, seeded; see its
//    header for what it models) is split in time: the model learns the first 80% of the period.
// 2. The training events go to Kafka as the other services publish them (transactions, profiles,
//    profiling consent). Model update throughput: the service's own consumers building the model
//    from the topics, vs a raw baseline in the same run — idempotent consumers of the same topics
//    whose handler does nothing (the exactly-once marker only).
// 3. Quality: hit-rate@10 and recall@10 of the service's answers (its recommender on the built
//    model) on the clients who bought again after the split, vs a popularity baseline (the
//    training period's best sellers, minus what the client has) and a regional popularity
//    baseline, in the same run.
// 4. Replay: the model rebuilt from the topics from scratch (events/s), same answers afterwards.
// 5. Query latency: in-process (recommender) and GraphQL over HTTP, sequential, p50/p99.
// 6. Consent: profiling consent withdrawn on consent.events.v1 → the answer turns non-personalised,
//    p50/p99 over repeated withdrawals (polled every 2 ms).
// No public retail data set ships as an npm package (checked: none fits; vega-datasets has no
// baskets), so the generated history is the only input.
import { catalogRegistry, TOPICS } from '@maison/event-contracts';
import { eventMessage } from '@maison/messaging';
import { createEventConsumer, defaultKeySubject, serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import { createRecommendationsService } from '@maison/recommendations';
import {
  generateHistory,
  historyEvents,
  metricsAtK,
  popularityBaseline,
  profilingConsent,
  splitByTime,
} from '@maison/recommendations/eval';

const K = 10;
const registry = catalogRegistry();

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const ms = (x) => Number(x.toFixed(2));

async function produce(env, topic, events) {
  const messages = [];
  for (const e of events) {
    const stored = await env.privacy.encryptEvent(registry.validate(e), {
      keySubject: defaultKeySubject(e),
    });
    messages.push(eventMessage(stored));
  }
  for (let i = 0; i < messages.length; i += 500)
    await env.producer.send(env.names.topic(topic), messages.slice(i, i + 500));
}

async function waitFor(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function one(clients) {
  const env = await createTestEnvironment({ transport: 'kafka', logLevel: 'error' });
  try {
    const history = generateHistory({ clients, seed: 20260301 });
    const from = Date.parse(history.from);
    const to = Date.parse(history.to);
    const splitAt = from + 0.8 * (to - from);
    const split = splitByTime(history, splitAt);
    const events = historyEvents(history, split.train);
    const total = events.transactions.length + events.profiles.length + events.consent.length;
    await produce(env, TOPICS.transactionsEvents, events.transactions);
    await produce(env, TOPICS.profilesEvents, events.profiles);
    await produce(env, TOPICS.consentEvents, events.consent);
    console.log(
      `${clients} clients: ${split.train.length} training transactions, ${total} events, ${split.truth.size} clients to predict`,
    );

    // Throughput is timed from the first event handled to the last (group joins excluded), by the
    // processed-event markers both paths write in the same schema.
    const ctx = env.contextFor('recommendations');
    const processed = async (like) =>
      Number(
        (
          await env.database.query(
            'SELECT count(*)::int AS n FROM recommendations.processed_events WHERE consumer LIKE $1',
            [like],
          )
        )[0]?.n ?? 0,
      );
    const timeUntil = async (like) => {
      let first;
      for (;;) {
        const n = await processed(like);
        if (n > 0 && first === undefined) first = performance.now();
        if (n >= total) return (performance.now() - first) / 1000;
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    // Raw baseline: idempotent consumers of the same topics whose handlers do nothing.
    const raw = [];
    for (const topic of [TOPICS.transactionsEvents, TOPICS.profilesEvents, TOPICS.consentEvents])
      raw.push(
        await createEventConsumer(ctx, {
          name: `bench.raw.${topic.name}`,
          topics: [topic],
          handler: () => Promise.resolve(),
          commit: { everyMessages: 100, intervalMs: 1000 },
        }),
      );
    await Promise.all(raw.map((c) => c.start()));
    const rawSeconds = await timeUntil('bench.raw.%');
    await Promise.all(raw.map((c) => c.stop()));

    // Our path: the service's consumers build the model from the topics.
    const module = await createRecommendationsService(ctx);
    await module.start();
    const modelSeconds = await timeUntil('recommendations.%');
    await module.caughtUp({ timeoutMs: 900_000 });
    const info = await module.modelInfo();

    // Quality and in-process latency.
    const admin = await env.auth.verifier.verify(await env.auth.token({ role: 'admin' }));
    const ours = new Map();
    const inProcess = [];
    let personalised = 0;
    for (const client of split.truth.keys()) {
      const started = performance.now();
      const list = await module.recommender.recommend(admin, {
        clientId: client,
        first: K,
        category: null,
      });
      inProcess.push(performance.now() - started);
      if (list.personalised) personalised++;
      ours.set(
        client,
        list.items.map((i) => i.sku),
      );
    }
    const model = metricsAtK(ours, split.truth, K);
    const popularity = metricsAtK(popularityBaseline(split, K), split.truth, K);
    const home = new Map(history.clients.map((c) => [c.clientId, c.homeStore.region]));
    const regional = metricsAtK(
      popularityBaseline(
        split,
        K,
        (t) => t.store.region,
        (c) => home.get(c) ?? 'all',
      ),
      split.truth,
      K,
    );

    // Replay: the model rebuilt from the topics (bulk read, in-memory fold, one write), and the
    // same answers afterwards.
    const sample = [...split.truth.keys()].slice(0, 100);
    const answersOf = async () =>
      JSON.stringify(
        await Promise.all(
          sample.map(async (clientId) => {
            const { modelVersion: _, ...list } = await module.recommender.recommend(admin, {
              clientId,
              first: K,
              category: null,
            });
            return list;
          }),
        ),
      );
    const beforeRebuild = await answersOf();
    const rebuild = await module.rebuild();
    const sameAfterRebuild = (await answersOf()) === beforeRebuild;

    // GraphQL over HTTP, sequential.
    const served = await serveModule(module, ctx);
    const authorization = await env.auth.authorization({ role: 'admin' });
    const query = `query ($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) {
      ... on Client { recommendations(first: 10) { personalised items { sku score reason } } } } }`;
    const http = [];
    const ids = [...split.truth.keys()];
    for (let i = 0; i < Math.min(500, ids.length * 3); i++) {
      const started = performance.now();
      const res = await fetch(`${served.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query, variables: { id: ids[i % ids.length] } }),
      });
      await res.json();
      http.push(performance.now() - started);
    }
    await served.close();

    // Consent withdrawal → answer changes.
    const withdrawals = [];
    for (let i = 0; i < 20; i++) {
      const client = ids[i % ids.length];
      const day = String(10 + i).padStart(2, '0');
      const started = performance.now();
      await produce(env, TOPICS.consentEvents, [
        profilingConsent(client, 'withdrawn', `2030-01-${day}T10:00:00+01:00`),
      ]);
      await waitFor(
        async () =>
          !(
            await module.recommender.recommend(admin, {
              clientId: client,
              first: K,
              category: null,
            })
          ).personalised,
        30_000,
        'the withdrawal',
      );
      withdrawals.push(performance.now() - started);
      await produce(env, TOPICS.consentEvents, [
        profilingConsent(client, 'granted', `2030-01-${day}T11:00:00+01:00`),
      ]);
    }
    await module.stop();

    const r = {
      clients,
      trainingTransactions: split.train.length,
      events: total,
      evaluatedClients: model.clients,
      personalisedShare: Number((personalised / Math.max(1, ids.length)).toFixed(3)),
      model: {
        hitRateAt10: Number(model.hitRate.toFixed(4)),
        recallAt10: Number(model.recall.toFixed(4)),
      },
      popularity: {
        hitRateAt10: Number(popularity.hitRate.toFixed(4)),
        recallAt10: Number(popularity.recall.toFixed(4)),
      },
      regionalPopularity: {
        hitRateAt10: Number(regional.hitRate.toFixed(4)),
        recallAt10: Number(regional.recall.toFixed(4)),
      },
      hitRateRatio: Number((model.hitRate / Math.max(1e-9, popularity.hitRate)).toFixed(2)),
      recallRatio: Number((model.recall / Math.max(1e-9, popularity.recall)).toFixed(2)),
      modelUpdateEventsPerSecond: Math.round(total / modelSeconds),
      rawConsumerEventsPerSecond: Math.round(total / rawSeconds),
      updateRatio: Number((rawSeconds / modelSeconds).toFixed(2)),
      replayEventsPerSecond: Math.round(rebuild.events / rebuild.seconds),
      replaySeconds: rebuild.seconds,
      replayPhases: rebuild.phases,
      sameAnswersAfterReplay: sameAfterRebuild,
      modelPairs: info.pairs,
      modelItems: info.items,
      queryInProcessMs: { p50: ms(percentile(inProcess, 50)), p99: ms(percentile(inProcess, 99)) },
      queryGraphqlHttpMs: { p50: ms(percentile(http, 50)), p99: ms(percentile(http, 99)) },
      consentWithdrawalMs: {
        p50: ms(percentile(withdrawals, 50)),
        p99: ms(percentile(withdrawals, 99)),
        max: ms(Math.max(...withdrawals)),
      },
    };
    console.log(JSON.stringify(r));
    return r;
  } finally {
    await env.cleanup();
  }
}

export async function run({ sizes } = {}) {
  const results = [];
  for (const clients of sizes ?? [1500]) results.push(await one(clients));
  const r = results.at(-1);
  return {
    summary:
      `recommendations (${r.clients} clients): hit-rate@10 ${r.model.hitRateAt10} vs popularity ${r.popularity.hitRateAt10} (${r.hitRateRatio}×), ` +
      `recall@10 ${r.model.recallAt10} vs ${r.popularity.recallAt10} (${r.recallRatio}×); ` +
      `model updates ${r.modelUpdateEventsPerSecond} ev/s = ${r.updateRatio} × raw idempotent consumer (${r.rawConsumerEventsPerSecond} ev/s); ` +
      `replay ${r.replayEventsPerSecond} ev/s (same answers: ${String(r.sameAnswersAfterReplay)}); ` +
      `query p50/p99 ${r.queryInProcessMs.p50}/${r.queryInProcessMs.p99} ms in process, ${r.queryGraphqlHttpMs.p50}/${r.queryGraphqlHttpMs.p99} ms GraphQL; ` +
      `consent withdrawal → answer p50/p99 ${r.consentWithdrawalMs.p50}/${r.consentWithdrawalMs.p99} ms`,
    results,
  };
}
