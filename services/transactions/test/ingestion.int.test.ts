import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOPICS } from '@maison/event-contracts';
import fc from 'fast-check';
import { MUTATIONS, validTransactionArb } from '../src/ingest/ingest.arbitraries.js';
import { signShopify } from '../src/shopify/shopify.mapping.js';
import { sale, SHOP, startHarness, transactionCount, until, type Harness } from './fixtures.js';
import { identity } from './identity-events.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const recorded = (id: string) =>
  until(
    async () => ((await transactionCount(h, 'transaction_id = $1', [id])) === 1 ? true : undefined),
    `transaction ${id}`,
  );

describe('REST ingestion', () => {
  it('round-trips any valid transaction: REST → Kafka → event store → read model (property)', async () => {
    const inputs = fc
      .sample(validTransactionArb, 30)
      .map((t, i) => Object.assign(t, { sourceTransactionId: `${t.sourceTransactionId}-rt${i}` }));
    const res = await h.post('/v1/transactions:batch', { records: inputs });
    expect(res.status).toBe(202);
    const results = res.body.results as { transactionId: string; eventId: string }[];
    expect(results).toHaveLength(inputs.length);
    for (const [i, input] of inputs.entries()) {
      const id = results[i]?.transactionId ?? '';
      await recorded(id);
      const got = await h.get(`/v1/transactions/${id}`);
      expect(got.body).toMatchObject({
        kind: input.kind,
        sourceTransactionId: input.sourceTransactionId,
        storeId: input.storeId,
        occurredAt: input.occurredAt,
        total: {
          amountMinor: String((input.total as { amountMinor: number }).amountMinor),
          currency: input.currency,
        },
        attribution: { status: input.customer.length === 0 ? 'anonymous' : 'unresolved' },
      });
      const lines = got.body.lines as {
        sku: string;
        quantity: number;
        unitPrice: { amountMinor: string };
      }[];
      expect(lines.map((l) => [l.sku, l.quantity, Number(l.unitPrice.amountMinor)])).toEqual(
        input.lines.map((l) => [
          l.sku,
          l.quantity,
          (l.unitPrice as { amountMinor: number }).amountMinor,
        ]),
      );
    }
  });

  it('answers any malformed transaction with a 4xx problem+json naming the field, never a 5xx (property)', async () => {
    const cases = Object.entries(MUTATIONS);
    await fc.assert(
      fc.asyncProperty(
        validTransactionArb,
        fc.constantFrom(...cases),
        async (input, [, mutate]) => {
          const { body, pointer } = mutate(input);
          const res = await h.post('/v1/transactions', body);
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          expect((res.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain(
            pointer,
          );
          for (const c of input.customer) expect(JSON.stringify(res.body)).not.toContain(c.value);
        },
      ),
      { numRuns: 60 },
    );
    const bad = await h.post('/v1/transactions', '{"kind": "sale",');
    expect([bad.status, bad.headers.get('content-type')]).toEqual([
      400,
      'application/problem+json; charset=utf-8',
    ]);
    const huge = await h.post(
      '/v1/transactions',
      JSON.stringify({ ...sale(), padding: 'x'.repeat(10 * 1024 * 1024) }),
    );
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
    const batch = await h.post('/v1/transactions:batch', {
      records: [sale(), { ...sale(), currency: 'XYZ' }],
    });
    expect(batch.status).toBe(400);
    expect((batch.body.errors as { pointer: string }[]).map((e) => e.pointer)).toContain(
      '/records/1/currency',
    );
  });

  it('lets integration tokens write but not read, and others not write', async () => {
    const res = await h.post('/v1/transactions', sale(), {
      authorization: await h.env.auth.authorization({
        role: 'associate',
        associateId: 'A-1',
        storeIds: ['PAR-01'],
      }),
    });
    expect(res.status).toBe(403);
    const ok = await h.post('/v1/transactions', sale());
    await recorded(ok.body.transactionId as string);
    expect(
      (await h.get(`/v1/transactions/${String(ok.body.transactionId)}`, h.integration)).status,
    ).toBe(403);
    const other = await h.env.auth.authorization({
      role: 'associate',
      associateId: 'A-9',
      storeIds: ['TYO-01'],
    });
    expect((await h.get(`/v1/transactions/${String(ok.body.transactionId)}`, other)).status).toBe(
      403,
    );
    const mine = await h.env.auth.authorization({ role: 'store_manager', storeIds: ['PAR-01'] });
    expect((await h.get(`/v1/transactions/${String(ok.body.transactionId)}`, mine)).status).toBe(
      200,
    );
    expect(
      (await h.post('/v1/transactions', sale(), { authorization: 'Bearer nope' })).status,
    ).toBe(401);
  });

  it('serves its OpenAPI document', async () => {
    const res = await fetch(`${h.served.url}/v1/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/transactions',
        '/v1/transactions:batch',
        '/v1/imports',
        '/v1/imports/{importId}',
        '/v1/webhooks/shopify',
      ]),
    );
  });
});

describe('Shopify webhooks', () => {
  const order = (id: number, email: string) => ({
    id,
    email,
    created_at: '2026-11-20T10:30:00+01:00',
    currency: 'EUR',
    taxes_included: true,
    cancelled_at: null,
    line_items: [
      {
        id: id * 10,
        sku: 'SCARF-1',
        product_id: 77,
        title: 'Silk scarf',
        quantity: 2,
        price: '450.00',
        discount_allocations: [{ amount: '50.00' }],
        tax_lines: [{ price: '141.67' }],
      },
    ],
    customer: { id: id + 1, email, first_name: 'Aiko', last_name: 'Tanaka' },
  });
  const send = (topic: string, payload: unknown, webhookId: string, secret = SHOP.secret) => {
    const raw = JSON.stringify(payload);
    return h.post('/v1/webhooks/shopify', raw, {
      authorization: '',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': SHOP.domain,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-hmac-sha256': signShopify(raw, secret),
    });
  };
  const count = (orderId: number) =>
    transactionCount(h, 'source_transaction_id = $1', [`${SHOP.domain}/orders/${orderId}`]);

  it('records an order with a valid HMAC; refuses a bad one with 401 and records nothing; a webhook id twice records once', async () => {
    const bad = await send(
      'orders/create',
      order(1001, 'aiko@example.com'),
      'wh-bad-1',
      'not-the-shop-secret-at-all',
    );
    expect(bad.status).toBe(401);
    const good = await send('orders/create', order(1002, 'aiko@example.com'), 'wh-1');
    expect(good.status).toBe(200);
    await recorded(good.body.transactionId as string);
    const again = await send('orders/create', order(1002, 'aiko@example.com'), 'wh-1');
    expect(again.body).toEqual({ status: 'duplicate' });
    // a retried delivery with a new webhook id still records one transaction (deterministic id)
    await send('orders/create', order(1002, 'aiko@example.com'), 'wh-1-retry');
    const got = await h.get(`/v1/transactions/${String(good.body.transactionId)}`);
    expect(got.body).toMatchObject({
      channel: 'ecommerce',
      total: { amountMinor: '85000', currency: 'EUR' },
    });
    expect(await count(1002)).toBe(1);
    expect(await count(1001)).toBe(0);
    const rows = await h.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM transactions.shopify_webhooks WHERE webhook_id = $1',
      ['wh-bad-1'],
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('cancels on orders/updated, and a refund becomes a return of the order, attributed like it', async () => {
    const o = order(2001, 'refund.client@example.com');
    const created = await send('orders/create', o, 'wh-2');
    await recorded(created.body.transactionId as string);
    const refund = await send(
      'refunds/create',
      {
        id: 3001,
        order_id: 2001,
        created_at: '2026-11-22T10:00:00+01:00',
        refund_line_items: [
          {
            id: 4001,
            line_item_id: 20010,
            quantity: 1,
            subtotal: '400.00',
            total_tax: '66.67',
            subtotal_set: { shop_money: { amount: '400.00', currency_code: 'EUR' } },
            line_item: o.line_items[0],
          },
        ],
        transactions: [{ kind: 'refund', currency: 'EUR' }],
      },
      'wh-3',
    );
    expect(refund.status).toBe(200);
    await recorded(refund.body.transactionId as string);
    const ret = await h.get(`/v1/transactions/${String(refund.body.transactionId)}`);
    expect(ret.body).toMatchObject({
      kind: 'return',
      originalTransactionId: created.body.transactionId,
      total: { amountMinor: '-40000' },
      attribution: { status: 'unresolved' },
    });
    const cancelled = await send(
      'orders/updated',
      { ...o, cancelled_at: '2026-11-23T09:00:00+01:00', cancel_reason: 'customer' },
      'wh-4',
    );
    expect(cancelled.status).toBe(200);
    await until(
      async () =>
        (await h.get(`/v1/transactions/${String(created.body.transactionId)}`)).body.status ===
        'cancelled'
          ? true
          : undefined,
      'the cancellation',
    );
    const customer = await send(
      'customers/create',
      {
        id: 9001,
        email: 'new@example.com',
        first_name: 'N',
        last_name: 'C',
        updated_at: '2026-11-20T10:00:00+01:00',
      },
      'wh-5',
    );
    expect(customer.body).toMatchObject({
      status: 'accepted',
      sourceRecordId: `${SHOP.domain}/customers/9001`,
    });
  });
});

describe('idempotency across paths', () => {
  it('records a transaction delivered by REST (twice), Kafka and an import once, with unchanged KPIs', async () => {
    const ids = identity(h.env);
    const body = sale({ customer: [{ type: 'email', value: 'dup.client@example.com' }] });
    await ids.link('client-dup', ids.ref('email', 'dup.client@example.com'));
    const first = await h.post('/v1/transactions', body);
    const id = first.body.transactionId as string;
    await until(async () => {
      const k = await h.sql<{ orders: number }>(
        'SELECT orders FROM transactions.client_kpis WHERE client_id = $1',
        ['client-dup'],
      );
      return k[0]?.orders === 1 ? true : undefined;
    }, 'the attributed sale in the KPIs');
    const kpis = () =>
      h.sql(
        'SELECT lifetime_minor, rolling_minor, orders, tier FROM transactions.client_kpis WHERE client_id = $1',
        ['client-dup'],
      );
    const before = await kpis();
    await h.post('/v1/transactions', body); // REST retry
    await h.env.producer.send(h.env.names.topic(TOPICS.ingestTransactions), [
      { key: String(body.sourceTransactionId), value: JSON.stringify(body) },
    ]);
    const imp = await fetch(`${h.served.url}/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: h.integration },
      body: `${JSON.stringify(body)}\n`,
    });
    const importId = ((await imp.json()) as { importId: string }).importId;
    await until(
      async () =>
        (await h.get(`/v1/imports/${importId}`, h.integration)).body.status === 'completed'
          ? true
          : undefined,
      'the import',
    );
    // a marker sale sent after the duplicates: once it is projected, the duplicates were handled
    const marker = await h.post('/v1/transactions', sale());
    await recorded(marker.body.transactionId as string);
    await until(
      () => Promise.resolve(h.module.ingest.outcome.duplicates >= 3 ? true : undefined),
      'the three duplicates',
    );
    expect(await transactionCount(h, 'transaction_id = $1', [id])).toBe(1);
    const events = await h.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM transactions_events.events WHERE stream_id = $1 AND type = 'TransactionRecorded'`,
      [`transactions-${id}`],
    );
    expect(events[0]?.n).toBe(1);
    expect(await kpis()).toEqual(before);
  });
});
