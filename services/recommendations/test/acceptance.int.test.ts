import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOPICS, type EventEnvelope } from '@maison/event-contracts';
import type { MessageConsumer } from '@maison/messaging';
import { serveModule, type ServedModule } from '@maison/runtime';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { eventually, uniqueName } from '@maison/testing';
import { createRecommendationsService, type RecommendationsModule } from '../src/index.js';
import { admin, associate, graphql, type List } from './client.js';
import { clientErased, consentRecorded, PRODUCTS as P, publish, topics } from './fixtures.js';
import { scenario } from './scenario.js';

const CONSENT_WITHDRAWAL_SLA_MS = 5_000;

/**
 * The issue's acceptance criteria on real Kafka and PostgreSQL: the other services' events
 * arrive on their topics, the answers come from the subgraph over HTTP, and what the service
 * publishes is read back from recommendations.events.v1.
 */
describe('recommendations on Kafka (acceptance)', () => {
  let env: TestEnvironment;
  let module: RecommendationsModule;
  let served: ServedModule;
  let published: MessageConsumer;
  const out: EventEnvelope[] = [];
  const s = scenario('a-');
  const clients = [...s.history.keys()];

  // An associate of both boutiques of the scenario (Paris, London).
  const ask = async (
    id: string,
    variables: { first?: number; category?: string } = {},
    authorization?: string,
  ) => {
    const r = await graphql(
      served.url,
      authorization ?? (await associate(env, ['PAR-01', 'LON-01'])),
      {
        id,
        first: 50,
        ...variables,
      },
    );
    expect(r.errors).toEqual([]);
    if (!r.list) throw new Error('no list');
    return r.list;
  };
  const answers = async (): Promise<Record<string, List>> => {
    const all: Record<string, List> = {};
    const token = await admin(env);
    for (const c of clients) all[c] = await ask(c, {}, token);
    return all;
  };

  beforeAll(async () => {
    env = await createTestEnvironment({ transport: 'kafka' });
    module = await createRecommendationsService(env.contextFor('recommendations'));
    await module.start();
    served = await serveModule(module, env.contextFor('recommendations'));
    published = env.broker.createConsumer({ groupId: uniqueName('reco-out') });
    await published.run({
      topics: [env.names.topic(TOPICS.recommendationsEvents)],
      eachMessage: (m) => {
        if (m.value) out.push(JSON.parse(m.value.toString('utf8')) as EventEnvelope);
        return Promise.resolve();
      },
    });
    await publish(env, topics.transactionsEvents, s.transactions);
    await publish(env, topics.consentEvents, s.consent);
    await publish(env, topics.profilesEvents, s.profiles);
    await module.caughtUp({ timeoutMs: 60_000 });
  }, 120_000);
  afterAll(async () => {
    await published.stop();
    await served.close();
    await module.stop();
    await env.cleanup();
  });

  it('never gives a client without profiling consent personalised items', async () => {
    const bob = await ask(s.bob);
    expect(bob.personalised).toBe(false);
    expect(bob.basis).toBe('NOT_PERSONALISED');
    expect(bob.explanation).toContain('no profiling consent');
    expect(bob.items.length).toBeGreaterThan(0);
    for (const item of bob.items) {
      expect(item.strategy).toBe('BEST_SELLER');
      expect(item.evidence).toBeNull();
    }
    // Every client of the scenario but alice lacks consent: none gets a personalised item.
    for (const c of clients.filter((c) => c !== s.alice)) {
      const list = await ask(c);
      expect(list.personalised).toBe(false);
      expect(list.items.every((i) => i.strategy === 'BEST_SELLER' && i.evidence === null)).toBe(
        true,
      );
    }
    const alice = await ask(s.alice);
    expect(alice.personalised).toBe(true);
    expect(alice.basis).toBe('PERSONALISED');
    // Each list served is on record, with whether it was personalised.
    await eventually(
      () =>
        out.some((e) => e.type === 'RecommendationsServed' && e.subjectId === s.bob)
          ? true
          : undefined,
      { timeoutMs: 20_000, what: 'RecommendationsServed for bob' },
    );
    const bobServed = out.filter(
      (e) => e.type === 'RecommendationsServed' && e.subjectId === s.bob,
    );
    expect(bobServed.every((e) => !(e.data as { personalised: boolean }).personalised)).toBe(true);
  });

  it('names real past events in every explanation, and proposes the next step up', async () => {
    const alice = await ask(s.alice);
    const history = s.history.get(s.alice) ?? [];
    const personal = alice.items.filter((i) => i.evidence !== null);
    expect(personal.length).toBeGreaterThan(0);
    for (const item of personal) {
      const evidence = item.evidence!;
      const tx = history.find(
        (t) => (t.data as { transactionId: string }).transactionId === evidence.transactionId,
      );
      expect(tx).toBeDefined();
      const data = tx!.data as { occurredAt: string; lines: { sku: string; name: string }[] };
      expect(data.lines.map((l) => l.sku)).toContain(evidence.sku);
      expect(evidence.occurredAt).toBe(data.occurredAt);
      expect(item.reason).toContain(evidence.name);
      expect(item.reason).toContain(data.occurredAt.slice(0, 10));
    }
    // c1–c4 climbed from a card holder to a top handle bag; alice bought her card holder in Dubai.
    const bag = alice.items.find((i) => i.sku === P.topHandle.sku);
    expect(bag?.reason).toMatch(/^Bought Card holder in Dubai on 2026-03-02; /);
    expect(['NEXT_STEP_UP', 'CO_PURCHASE']).toContain(bag?.strategy);
    const ladder = alice.items.find((i) => i.sku === P.shoulderBag.sku);
    expect(ladder?.strategy).toBe('NEXT_STEP_UP');
    expect(ladder?.reason).toBe(
      'Bought Card holder in Dubai on 2026-03-02; clients who bought Small leather goods often stepped up to Bags.',
    );
  });

  it('never proposes what the client owns or returned', async () => {
    const all = await answers();
    for (const [client, list] of Object.entries(all)) {
      const history = s.history.get(client) ?? [];
      const skus = new Set(
        history.flatMap((t) => (t.data as { lines: { sku: string }[] }).lines.map((l) => l.sku)),
      );
      for (const item of list.items) expect(skus.has(item.sku)).toBe(false);
      for (const category of ['Leather goods', 'Bags', 'Fragrance', 'Ready-to-wear']) {
        const filtered = await ask(client, { category });
        for (const item of filtered.items) {
          expect(skus.has(item.sku)).toBe(false);
          expect(item.categoryPath.map((c) => c.toLowerCase())).toContain(category.toLowerCase());
        }
      }
    }
    // alice returned the scarf and owns the card holder and the perfume.
    const alice = all[s.alice]!.items.map((i) => i.sku);
    for (const sku of [P.scarf.sku, P.cardHolder.sku, P.perfume.sku])
      expect(alice).not.toContain(sku);
  });

  it('rebuilds from the topics to exactly the incremental model', async () => {
    const incremental = await answers();
    const res = await fetch(`${served.url}/v1/model/rebuild`, {
      method: 'POST',
      headers: { authorization: await admin(env) },
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { modelVersion: string; events: number; clients: number };
    expect(report.events).toBeGreaterThanOrEqual(s.transactions.length);
    expect(report.clients).toBe(clients.length);
    const replayed = await answers();
    const strip = (all: Record<string, List>) =>
      Object.fromEntries(Object.entries(all).map(([c, l]) => [c, { ...l, modelVersion: '' }]));
    expect(strip(replayed)).toEqual(strip(incremental));
    expect(replayed[s.alice]!.modelVersion).toBe(report.modelVersion);
    await eventually(
      () => (out.some((e) => e.type === 'RecommendationModelRebuilt') ? true : undefined),
      { timeoutMs: 20_000, what: 'RecommendationModelRebuilt on the topic' },
    );
  });

  it('changes the answer once consent is withdrawn, and back when granted again', async () => {
    expect((await ask(s.alice)).personalised).toBe(true);
    const started = Date.now();
    await publish(env, topics.consentEvents, [
      consentRecorded(s.alice, 'withdrawn', '2026-06-01T10:00:00+02:00'),
    ]);
    const withdrawn = await eventually(
      async () => {
        const list = await ask(s.alice);
        return list.personalised ? undefined : list;
      },
      // The consent service's EU-WD-1 withdrawal SLA (5 s, accepted → visible to every consumer)
      // bounds this: a compliance property, not a speed target (latency is measured in the bench).
      {
        timeoutMs: CONSENT_WITHDRAWAL_SLA_MS,
        intervalMs: 10,
        what: 'a non-personalised answer after withdrawal',
      },
    );
    process.stdout.write(
      `consent withdrawal → answer changed in ${String(Date.now() - started)} ms\n`,
    );
    expect(withdrawn.basis).toBe('NOT_PERSONALISED');
    expect(withdrawn.explanation).toContain('withdrew');
    expect(withdrawn.items.every((i) => i.evidence === null)).toBe(true);
    // An older grant recorded late does not override the withdrawal.
    await publish(env, topics.consentEvents, [
      consentRecorded(s.alice, 'granted', '2026-05-20T10:00:00+02:00'),
    ]);
    await module.caughtUp();
    expect((await ask(s.alice)).personalised).toBe(false);
    await publish(env, topics.consentEvents, [
      consentRecorded(s.alice, 'granted', '2026-06-02T10:00:00+02:00'),
    ]);
    await eventually(async () => ((await ask(s.alice)).personalised ? true : undefined), {
      timeoutMs: 20_000,
      what: 'personalised again after a new grant',
    });
  });

  it('after erasure, the client contributes nothing to anyone, and says so on its topic', async () => {
    const before = await ask(s.alice);
    // c5 alone bought the tote, with a card holder: alice is proposed the tote because of c5.
    expect(before.items.map((i) => i.sku)).toContain(P.tote.sku);
    const erasure = clientErased('a-c5', ['a-c5-old'], '2026-06-03T10:00:00+02:00');
    await publish(env, topics.consentEvents, [erasure]);
    await eventually(
      async () => ((await ask(s.alice)).items.some((i) => i.sku === P.tote.sku) ? undefined : true),
      { timeoutMs: 20_000, what: 'the tote gone from alice’s list' },
    );
    const bob = await ask(s.bob);
    expect(bob.items.map((i) => i.sku)).not.toContain(P.tote.sku);
    const purged = await eventually(
      () =>
        out.find(
          (e) =>
            e.type === 'ClientDataPurged' &&
            (e.data as { requestId: string }).requestId ===
              (erasure.data as { requestId: string }).requestId,
        ),
      { timeoutMs: 20_000, what: 'ClientDataPurged on recommendations.events.v1' },
    );
    const data = purged.data as {
      service: string;
      clientId: string;
      purged: Record<string, number>;
    };
    expect(data.service).toBe('recommendations');
    expect(data.clientId).toBe('a-c5');
    expect(data.purged['read_model.transactions']).toBe(1);
    expect(data.purged['read_model.client_items']).toBe(2);
    // The erased client has nothing left to personalise from.
    // An associate can no longer see it in any boutique; an admin gets best sellers only.
    const forbidden = await graphql(served.url, await associate(env, ['PAR-01', 'LON-01']), {
      id: 'a-c5',
    });
    expect(forbidden.errors[0]?.extensions?.code).toBe('FORBIDDEN');
    const erased = await ask('a-c5', {}, await admin(env));
    expect(erased.personalised).toBe(false);
    // And a rebuild from the topics agrees: c5's events are still on the topics, its erasure too.
    const incremental = await answers();
    await module.rebuild();
    const replayed = await answers();
    const strip = (all: Record<string, List>) =>
      Object.fromEntries(Object.entries(all).map(([c, l]) => [c, { ...l, modelVersion: '' }]));
    expect(strip(replayed)).toEqual(strip(incremental));
  });
});
