import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientDirectory, DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import { TOPICS, type EventEnvelope } from '@maison/event-contracts';
import type { IdempotentConsumer } from '@maison/messaging';
import { createEventConsumer } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import { runMigrations } from '@maison/sql';
import { eventually } from '@maison/testing';
import { ADMIN, INTEGRATION, erasure, sale, startIdentity, type Identity } from './harness.js';

// The embedded platform (`npm start`) runs identity on PGlite and the in-process bus: the same
// decisions, one connection — consumers' transactions and identity's own nest there.

let id: Identity;
let consumer: IdempotentConsumer;
const published: EventEnvelope[] = [];
const directory = new ClientDirectory('transactions');

beforeAll(async () => {
  const env = await createTestEnvironment({ database: 'pglite', transport: 'memory' });
  id = await startIdentity({ env });
  await runMigrations(env.database, {
    schema: 'transactions',
    migrations: DIRECTORY_MIGRATIONS,
    table: 'directory_migrations',
  });
  consumer = await createEventConsumer(env.contextFor('transactions'), {
    name: 'transactions.identity-embedded-test',
    topics: [TOPICS.identityEvents],
    handler: async (event, tx) => {
      await directory.apply(tx, event);
      published.push(event);
    },
  });
  void consumer.start();
}, 60_000);

afterAll(async () => {
  await consumer.stop();
  await id.close();
  await id.env.cleanup();
});

describe('identity on PGlite and the in-process bus', () => {
  it('resolves sales from the bus, merges, unmerges and erases', async () => {
    const first = sale(id.env, [{ type: 'loyalty_id', value: 'LX-9001' }]);
    const second = sale(id.env, [{ type: 'email', value: 'emb@example.com' }]);
    await id.publish(TOPICS.transactionsEvents, first);
    await id.publish(TOPICS.transactionsEvents, second);
    const refs = (e: EventEnvelope) => (e.data as { customer: { index: string }[] }).customer;
    const owners = await eventually(
      async () => {
        const a = await directory.attribute(id.env.database, refs(first));
        const b = await directory.attribute(id.env.database, refs(second));
        return a && b ? [a.clientId, b.clientId] : undefined;
      },
      { timeoutMs: 20_000, what: 'both sales attributed' },
    );
    // a bridging sale from the bus merges them (a lost race, if any, rolls back to a savepoint)
    const bridge = sale(id.env, [
      { type: 'loyalty_id', value: 'LX-9001' },
      { type: 'email', value: 'emb@example.com' },
    ]);
    await id.publish(TOPICS.transactionsEvents, bridge);
    const merged = await eventually(() => published.find((e) => e.type === 'ClientsMerged'), {
      timeoutMs: 20_000,
      what: 'the merge',
    });
    const mergeId = (merged.data as { mergeId: string }).mergeId;
    const undone = await id.request('POST', `/v1/merges/${mergeId}/unmerge`, {
      as: ADMIN,
      body: { reason: 'two people, ticket EMB-1' },
    });
    expect(undone.status).toBe(200);
    await eventually(
      async () =>
        (await directory.attribute(id.env.database, refs(second)))?.clientId === owners[1]
          ? true
          : undefined,
      { timeoutMs: 20_000, what: 'the unmerge' },
    );
    await id.publish(TOPICS.consentEvents, erasure(owners[0] ?? ''));
    await eventually(
      () => published.find((e) => e.type === 'ClientDataPurged' && e.subjectId === owners[0]),
      { timeoutMs: 20_000, what: 'the erasure report' },
    );
    const refused = await id.request('POST', '/v1/identify', {
      as: INTEGRATION,
      body: { identifiers: [{ type: 'loyalty_id', value: 'LX-9001' }] },
    });
    expect(refused.status).toBe(409);
  });
});
