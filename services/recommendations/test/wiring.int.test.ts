import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serveModule, type ServedModule } from '@maison/runtime';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { createRecommendationsService, type RecommendationsModule } from '../src/index.js';
import { admin, associate, graphql } from './client.js';
import {
  clientsMerged,
  clientUnmerged,
  consentRecorded,
  PRODUCTS as P,
  publish,
  topics,
  transactionAttributed,
  transactionCancelled,
  transactionRecorded,
} from './fixtures.js';
import { scenario } from './scenario.js';

/**
 * Fast wiring on the in-process bus, on PostgreSQL and on PGlite (the embedded platform): event orders, merges, the catalogue feed,
 * authorization and bad input. The acceptance criteria run on Kafka in acceptance.int.test.ts.
 */
describe.each(['postgres', 'pglite'] as const)(
  'recommendations on the in-process bus (%s)',
  (database) => {
    let env: TestEnvironment;
    let module: RecommendationsModule;
    let served: ServedModule;
    const s = scenario('w-');

    beforeAll(async () => {
      env = await createTestEnvironment({ transport: 'memory', database });
      module = await createRecommendationsService(env.contextFor('recommendations'));
      await module.start();
      served = await serveModule(module, env.contextFor('recommendations'));
      await publish(env, topics.transactionsEvents, s.transactions);
      await publish(env, topics.consentEvents, s.consent);
      await publish(env, topics.profilesEvents, s.profiles);
      await module.caughtUp();
    });
    afterAll(async () => {
      await served.close();
      await module.stop();
      await env.cleanup();
    });

    it('handles an attribution that arrives before its transaction, and a cancellation', async () => {
      const recorded = transactionRecorded({ products: [P.ring], at: '2026-03-05T10:00:00+01:00' });
      const id = (recorded.data as { transactionId: string }).transactionId;
      const attributed = transactionAttributed(recorded, 'w-dave', '2026-03-05T09:00:05Z');
      await publish(env, topics.consentEvents, [
        consentRecorded('w-dave', 'granted', '2026-03-01T10:00:00+01:00'),
      ]);
      await publish(env, topics.transactionsEvents, [attributed, recorded]);
      await module.caughtUp();
      const token = await associate(env);
      const before = await graphql(served.url, token, { id: 'w-dave', first: 50 });
      expect(before.list?.basis).toBe('PERSONALISED');
      expect(before.list?.items.map((i) => i.sku)).not.toContain(P.ring.sku);
      // c6 bought the ring with the perfume: the perfume is dave's co-purchase.
      expect(before.list?.items.find((i) => i.sku === P.perfume.sku)?.strategy).toBe('CO_PURCHASE');
      await publish(env, topics.transactionsEvents, [
        transactionCancelled(id, '2026-03-05T12:00:00+01:00'),
      ]);
      await module.caughtUp();
      const after = await graphql(served.url, token, { id: 'w-dave', first: 50 });
      expect(after.list?.basis).toBe('COLD_START');
    });

    it('answers for a merged id with the survivor, and for itself again after the unmerge', async () => {
      const mergeId = '5b1f0c3e-2a4d-4e6f-8a9b-0c1d2e3f4a5b';
      await publish(env, topics.identityEvents, [
        clientsMerged(s.alice, ['w-alice-old'], '2026-06-01T10:00:00+02:00', mergeId),
      ]);
      await module.caughtUp();
      const token = await associate(env);
      const viaAlias = await graphql(served.url, token, { id: 'w-alice-old' });
      const direct = await graphql(served.url, token, { id: s.alice });
      expect(viaAlias.list?.personalised).toBe(true);
      expect(viaAlias.list?.items).toEqual(direct.list?.items);
      await publish(env, topics.identityEvents, [
        clientUnmerged(s.alice, 'w-alice-old', mergeId, '2026-06-02T10:00:00+02:00'),
      ]);
      await module.caughtUp();
      // Restored, the old id is a client the service knows nothing about: only an admin may ask,
      // and it has neither consent nor purchases of its own.
      const restored = await graphql(served.url, token, { id: 'w-alice-old' });
      expect(restored.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      const asAdmin = await graphql(served.url, await admin(env), { id: 'w-alice-old' });
      expect(asAdmin.list?.personalised).toBe(false);
      expect((await graphql(served.url, token, { id: s.alice })).list?.items).toEqual(
        direct.list?.items,
      );
    });

    it('respects the catalogue feed when one is configured', async () => {
      const token = await associate(env);
      const open = await graphql(served.url, token, { id: s.alice, first: 50 });
      const first = open.list?.items[0]?.sku;
      expect(first).toBeDefined();
      const put = await fetch(`${served.url}/v1/catalogue`, {
        method: 'PUT',
        headers: { 'content-type': 'application/x-ndjson', authorization: await admin(env) },
        body: Object.values(P)
          .map((p) => JSON.stringify({ sku: p.sku, available: p.sku !== first }))
          .join('\n'),
      });
      expect(put.status).toBe(200);
      const filtered = await graphql(served.url, token, { id: s.alice, first: 50 });
      expect(filtered.list?.items.map((i) => i.sku)).not.toContain(first);
      const bad = await fetch(`${served.url}/v1/catalogue`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: await admin(env) },
        body: JSON.stringify({ version: 'x', items: [{ sku: '', available: 'yes' }] }),
      });
      expect(bad.status).toBe(400);
      const cleared = await fetch(`${served.url}/v1/catalogue`, {
        method: 'DELETE',
        headers: { authorization: await admin(env) },
      });
      expect(cleared.status).toBe(204);
      const reopened = await graphql(served.url, token, { id: s.alice, first: 50 });
      expect(reopened.list?.items).toEqual(open.list?.items);
    });

    it('lets only readers of the client in', async () => {
      const ok = await graphql(served.url, await associate(env), { id: s.alice });
      expect(ok.errors).toEqual([]);
      // alice bought in PAR-01 and DXB-01, her home boutique is PAR-01: a Tokyo associate may not read her.
      const elsewhere = await graphql(served.url, await associate(env, ['TYO-01']), {
        id: s.alice,
      });
      expect(elsewhere.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(elsewhere.list).toBeNull();
      for (const role of ['compliance', 'integration'] as const) {
        const r = await graphql(served.url, await env.auth.authorization({ role }), {
          id: s.alice,
        });
        expect(r.errors[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      const regional = await graphql(
        served.url,
        await env.auth.authorization({ role: 'regional_manager', region: 'EU' }),
        { id: s.alice },
      );
      expect(regional.errors).toEqual([]);
      const anonymous = await graphql(served.url, undefined, { id: s.alice });
      expect(anonymous.errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const rest = await fetch(`${served.url}/v1/clients/${s.alice}/recommendations`);
      expect(rest.status).toBe(401);
    });

    it('answers bad input with 400 / BAD_USER_INPUT, never a 500', async () => {
      const token = await associate(env);
      for (const first of [0, 51, -3]) {
        const r = await graphql(served.url, token, { id: s.alice, first });
        expect(r.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
      const long = await graphql(served.url, token, { id: 'x'.repeat(201) });
      expect(long.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      for (const query of [
        'first=abc',
        'first=0',
        'first=1e3',
        'category=',
        `category=${'c'.repeat(101)}`,
      ]) {
        const res = await fetch(`${served.url}/v1/clients/${s.alice}/recommendations?${query}`, {
          headers: { authorization: token },
        });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      const rest = await fetch(
        `${served.url}/v1/clients/${s.alice}/recommendations?first=3&category=leather%20goods`,
        { headers: { authorization: token } },
      );
      expect(rest.status).toBe(200);
      const list = (await rest.json()) as { items: { categoryPath: string[] }[] };
      expect(list.items.length).toBeGreaterThan(0);
      expect(list.items.length).toBeLessThanOrEqual(3);
      for (const item of list.items) expect(item.categoryPath[0]).toBe('Leather goods');
    });

    it('serves its OpenAPI description', async () => {
      const res = await fetch(`${served.url}/v1/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain('/v1/clients/{clientId}/recommendations');
    });
  },
);
