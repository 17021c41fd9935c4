import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { sale, startHarness, until, type Harness } from './fixtures.js';
import { identity } from './identity-events.js';

let h: Harness;
let ids: ReturnType<typeof identity>;
beforeAll(async () => {
  h = await startHarness();
  ids = identity(h.env);
});
afterAll(() => h.close());

const clientOf = async (transactionId: string) =>
  (
    await h.sql<{ client_id: string | null }>(
      'SELECT client_id FROM transactions.transactions WHERE transaction_id = $1',
      [transactionId],
    )
  )[0]?.client_id;
const waitClient = (transactionId: string, clientId: string | null) =>
  until(
    async () => ((await clientOf(transactionId)) === clientId ? true : undefined),
    `${transactionId} → ${String(clientId)}`,
  );

const VIEW = `query($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) { ... on Client {
  id
  transactions(first: 10) { totalCount edges { node { id kind total { amountMinor currency } reportingTotal { amountMinor } attribution { status clientId } } } pageInfo { hasNextPage endCursor } }
  spend { currency lifetime { amountMinor } rolling12Months { amountMinor } orderCount topCategories { category } storeIds rfm { segment } }
  tier { level rule }
} } }`;

it('attributes on link, re-attributes on merge and puts everything back on unmerge', async () => {
  const a = ids.ref('email', 'alice@example.com');
  const b = ids.ref('loyalty_id', 'MC-778899');
  const t1 = (
    await h.post(
      '/v1/transactions',
      sale({ customer: [{ type: 'email', value: 'alice@example.com' }] }),
    )
  ).body.transactionId as string;
  const t2 = (
    await h.post(
      '/v1/transactions',
      sale({
        customer: [{ type: 'loyalty_id', value: 'MC-778899' }],
        storeId: 'LON-01',
        region: 'UK',
        country: 'GB',
        currency: 'GBP',
        lines: [
          {
            sku: 'W-1',
            name: 'Watch',
            categoryPath: ['Watches'],
            quantity: 1,
            unitPrice: { amountMinor: 600000, currency: 'GBP' },
          },
        ],
        total: { amountMinor: 600000, currency: 'GBP' },
      }),
    )
  ).body.transactionId as string;
  await waitClient(t1, null);
  await waitClient(t2, null);
  // unresolved until identity links a reference
  expect((await h.get(`/v1/transactions/${t1}`)).body).toMatchObject({
    attribution: { status: 'unresolved', clientId: null },
  });
  await ids.link('client-A', a);
  await ids.link('client-B', b);
  await waitClient(t1, 'client-A');
  await waitClient(t2, 'client-B');
  // a sale after the link is attributed at once
  const t3 = (
    await h.post(
      '/v1/transactions',
      sale({ customer: [{ type: 'email', value: 'Alice@Example.com' }] }),
    )
  ).body.transactionId as string;
  await waitClient(t3, 'client-A');
  const mergeId = await ids.merge('client-B', 'client-A', [a]);
  await waitClient(t1, 'client-B');
  await waitClient(t3, 'client-B');
  const admin = h.admin;
  const merged = (await h.graphql(VIEW, { id: 'client-A' }, admin)) as {
    data: { _entities: { spend: { orderCount: number } }[] };
  };
  expect(merged.data._entities[0]?.spend.orderCount).toBe(3); // the merged id resolves to the survivor
  await ids.unmerge('client-B', 'client-A', mergeId, [a]);
  await waitClient(t1, 'client-A');
  await waitClient(t3, 'client-A');
  expect(await clientOf(t2)).toBe('client-B');
  const events = await h.sql<{
    type: string;
    data: { clientId: string | null; previousClientId: string | null };
  }>(`SELECT type, data FROM transactions_events.events WHERE stream_id = $1 ORDER BY revision`, [
    `transactions-${t1}`,
  ]);
  expect(
    events.map((e) => [e.type, e.data.previousClientId ?? null, e.data.clientId ?? null]),
  ).toEqual([
    ['TransactionRecorded', null, null],
    ['TransactionAttributed', null, 'client-A'],
    ['TransactionAttributed', 'client-A', 'client-B'],
    ['TransactionAttributed', 'client-B', 'client-A'],
  ]);
});

it('reduces spend by returns, normalising a return in another currency at its own date', async () => {
  const r = ids.ref('email', 'traveller@example.com');
  await ids.link('client-T', r);
  const customer = [{ type: 'email', value: 'traveller@example.com' }];
  const s = await h.post(
    '/v1/transactions',
    sale({
      customer,
      occurredAt: '2026-11-10T12:00:00+01:00',
      lines: [
        {
          sku: 'BAG-9',
          name: 'Bag',
          categoryPath: ['Bags'],
          quantity: 1,
          unitPrice: { amountMinor: 400000, currency: 'EUR' },
        },
      ],
      total: { amountMinor: 400000, currency: 'EUR' },
    }),
  );
  const ret = await h.post(
    '/v1/transactions',
    sale({
      kind: 'return',
      customer,
      originalSourceTransactionId: null,
      storeId: 'LON-01',
      region: 'UK',
      country: 'GB',
      currency: 'GBP',
      occurredAt: '2026-11-18T12:00:00Z',
      lines: [
        {
          sku: 'BAG-9',
          name: 'Bag',
          categoryPath: ['Bags'],
          quantity: 1,
          unitPrice: { amountMinor: 100000, currency: 'GBP' },
        },
      ],
      total: { amountMinor: -100000, currency: 'GBP' },
    }),
  );
  await waitClient(ret.body.transactionId as string, 'client-T');
  await waitClient(s.body.transactionId as string, 'client-T');
  const rows = await h.sql<{ reporting_minor: string; fx_rate: string; fx_rate_date: string }>(
    'SELECT reporting_minor::text, fx_rate, fx_rate_date::text FROM transactions.transactions WHERE transaction_id = $1',
    [ret.body.transactionId],
  );
  const gbp = rows[0];
  // GBP → EUR at the ECB rate of the return's business date (2026-11-18 in the sample file)
  expect(gbp?.fx_rate_date).toBe('2026-11-18');
  expect(Number(gbp?.reporting_minor)).toBe(
    -Math.round(100000 / Number((await gbpRate('2026-11-18')) ?? 1)),
  );
  await until(async () => {
    const k = await h.sql<{ lifetime_minor: string }>(
      'SELECT lifetime_minor::text FROM transactions.client_kpis WHERE client_id = $1',
      ['client-T'],
    );
    return Number(k[0]?.lifetime_minor) === 400000 + Number(gbp?.reporting_minor)
      ? true
      : undefined;
  }, 'net spend');
  const view = (await h.graphql(VIEW, { id: 'client-T' }, h.admin)) as {
    data: {
      _entities: {
        spend: { lifetime: { amountMinor: string }; orderCount: number };
        transactions: { totalCount: number };
      }[];
    };
  };
  expect(view.data._entities[0]?.spend).toMatchObject({
    lifetime: { amountMinor: String(400000 + Number(gbp?.reporting_minor)) },
    orderCount: 1,
  });
  expect(view.data._entities[0]?.transactions.totalCount).toBe(2);
});

async function gbpRate(date: string): Promise<string | undefined> {
  const { readFileSync } = await import('node:fs');
  const { SAMPLE_RATES_FILE } = await import('../src/config.js');
  const lines = readFileSync(SAMPLE_RATES_FILE, 'utf8').split('\n');
  const header = lines[0]?.split(',') ?? [];
  const row = lines.find((l) => l.startsWith(date))?.split(',');
  return row?.[header.indexOf('GBP')];
}

it('emits ClientTierChanged when rolling spend crosses a threshold, and authorizes per role, store and region', async () => {
  const r = ids.ref('email', 'vic@example.com');
  await ids.link('client-V', r);
  const customer = [{ type: 'email', value: 'vic@example.com' }];
  const big = await h.post(
    '/v1/transactions',
    sale({
      customer,
      storeId: 'DXB-01',
      region: 'ME',
      country: 'AE',
      associateId: 'A-DXB-7',
      currency: 'EUR',
      lines: [
        {
          sku: 'HJ-1',
          name: 'High jewellery',
          categoryPath: ['Jewellery'],
          quantity: 1,
          unitPrice: { amountMinor: 6_000_000, currency: 'EUR' },
        },
      ],
      total: { amountMinor: 6_000_000, currency: 'EUR' },
    }),
  );
  await waitClient(big.body.transactionId as string, 'client-V');
  await until(async () => {
    const e = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions_events.events WHERE stream_id = 'transactions-client-client-V' AND type = 'ClientTierChanged' AND data->>'to' = 'vic'`,
    );
    return e[0]?.n === 1 ? true : undefined;
  }, 'the VIC tier event');
  const dubai = await h.env.auth.authorization({
    role: 'associate',
    associateId: 'A-DXB-1',
    storeIds: ['DXB-01'],
  });
  const paris = await h.env.auth.authorization({
    role: 'associate',
    associateId: 'A-PAR-1',
    storeIds: ['PAR-01'],
  });
  const me = await h.env.auth.authorization({ role: 'regional_manager', region: 'ME' });
  const ok = (await h.graphql(VIEW, { id: 'client-V' }, dubai)) as {
    data: { _entities: { tier: { level: string } }[] };
  };
  expect(ok.data._entities[0]?.tier.level).toBe('VIC');
  expect(
    ((await h.graphql(VIEW, { id: 'client-V' }, me)) as { errors?: unknown }).errors,
  ).toBeUndefined();
  for (const denied of [
    paris,
    h.integration,
    await h.env.auth.authorization({ role: 'compliance' }),
  ]) {
    const res = (await h.graphql(VIEW, { id: 'client-V' }, denied)) as {
      errors: { extensions: { code: string } }[];
    };
    expect(res.errors.map((e) => e.extensions.code)).toContain('FORBIDDEN');
  }
  const capture = (await h.graphql(
    'query { storeCaptureRate(storeId: "DXB-01", from: "2026-11-01", to: "2026-11-30", granularity: MONTH) { transactions identified captureRate periods { period transactions } associates { associateId } } }',
    {},
    dubai,
  )) as {
    data: {
      storeCaptureRate: {
        transactions: number;
        identified: number;
        captureRate: number;
        periods: { period: string }[];
        associates: { associateId: string }[];
      };
    };
  };
  expect(capture.data.storeCaptureRate).toMatchObject({
    transactions: 1,
    identified: 1,
    captureRate: 1,
    periods: [{ period: '2026-11-01', transactions: 1 }],
  });
  expect(capture.data.storeCaptureRate.associates).toEqual([]); // not this associate's own sale
});

it('purges the client from every read model on ClientErased and reports ClientDataPurged', async () => {
  const r = ids.ref('email', 'erase.me@example.com');
  await ids.link('client-E', r);
  const t = (
    await h.post(
      '/v1/transactions',
      sale({ customer: [{ type: 'email', value: 'erase.me@example.com' }] }),
    )
  ).body.transactionId as string;
  await waitClient(t, 'client-E');
  await ids.erase('client-E');
  await until(
    async () =>
      (await h.sql('SELECT 1 FROM transactions.transactions WHERE transaction_id = $1', [t]))
        .length === 0
        ? true
        : undefined,
    'the purge',
  );
  expect(
    await h.sql('SELECT 1 FROM transactions.client_kpis WHERE client_id = $1', ['client-E']),
  ).toEqual([]);
  expect(
    await h.sql('SELECT 1 FROM transactions.directory_identifiers WHERE client_id = $1', [
      'client-E',
    ]),
  ).toEqual([]);
  const purged = await until(async () => {
    const e = await h.sql<{ data: { purged: Record<string, number> } }>(
      `SELECT data FROM transactions_events.events WHERE type = 'ClientDataPurged' AND subject_id = 'client-E'`,
    );
    return e[0];
  }, 'ClientDataPurged');
  expect(purged.data.purged['read_model.transactions']).toBe(1);
});
