import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { sale, startHarness, transactionCount, until, type Harness } from './fixtures.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('records a REST sale through Kafka into the read model', async () => {
  const body = sale();
  const res = await h.post('/v1/transactions', body);
  expect(res.status).toBe(202);
  const id = res.body.transactionId as string;
  await until(
    async () => ((await transactionCount(h, 'transaction_id = $1', [id])) === 1 ? true : undefined),
    'the transaction',
  );
  const got = await h.get(`/v1/transactions/${id}`);
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({
    kind: 'sale',
    attribution: { status: 'unresolved', clientId: null },
  });
});
