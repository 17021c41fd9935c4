import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Principal } from '@maison/auth';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { eventually } from '@maison/testing';
import {
  createRecommendationsService,
  replayModel,
  type RecommendationsModule,
  type ServedRecommendations,
} from '../src/index.js';
import {
  clientErased,
  PRODUCTS as P,
  publish,
  topics,
  transactionAttributed,
  transactionRecorded,
} from './fixtures.js';
import { scenario } from './scenario.js';

/** The replay function (what the CLI runs) with the service stopped, then the service resuming. */
describe('replayModel', () => {
  let env: TestEnvironment;
  let admin: Principal;
  const s = scenario('r-');
  const clients = [...s.history.keys()];
  const answers = async (m: RecommendationsModule) => {
    const out: Record<string, Omit<ServedRecommendations, 'modelVersion'>> = {};
    for (const clientId of clients) {
      const { modelVersion: _, ...list } = await m.recommender.recommend(admin, {
        clientId,
        first: 50,
        category: null,
      });
      out[clientId] = list;
    }
    return out;
  };

  beforeAll(async () => {
    env = await createTestEnvironment({ transport: 'memory' });
    admin = await env.auth.verifier.verify(await env.auth.token({ role: 'admin' }));
  });
  afterAll(() => env.cleanup());

  it('rebuilds from the topics with the service stopped; the service then resumes from there', async () => {
    const live = await createRecommendationsService(env.contextFor('recommendations'));
    await live.start();
    await publish(env, topics.transactionsEvents, s.transactions);
    await publish(env, topics.consentEvents, [
      ...s.consent,
      clientErased('r-c6', [], '2026-03-01T10:00:00+01:00'),
    ]);
    await publish(env, topics.profilesEvents, s.profiles);
    await live.caughtUp();
    const incremental = await answers(live);
    await live.stop();

    const report = await replayModel(env.contextFor('recommendations'));
    expect(report.modelVersion).toMatch(/;g2$/);
    expect(report.events).toBe(s.transactions.length + s.consent.length + 1 + s.profiles.length);

    const resumed = await createRecommendationsService(env.contextFor('recommendations'));
    await resumed.start();
    expect((await resumed.modelInfo()).generation).toBe(2);
    expect(await answers(resumed)).toEqual(incremental);

    // New events after the replay are applied once, by the new generation's consumers.
    const clientsBefore = (await resumed.modelInfo()).clients;
    const sale = transactionRecorded({ products: [P.watch], at: '2026-06-10T10:00:00+02:00' });
    await publish(env, topics.transactionsEvents, [
      sale,
      transactionAttributed(sale, 'r-zoe', '2026-06-10T08:00:01Z'),
    ]);
    await eventually(
      async () => ((await resumed.modelInfo()).clients === clientsBefore + 1 ? true : undefined),
      { what: 'the new sale in the resumed model' },
    );
    const after = await answers(resumed);
    await resumed.rebuild();
    expect(await answers(resumed)).toEqual(after);
    await resumed.stop();
  });
});
