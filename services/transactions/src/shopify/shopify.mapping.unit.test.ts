import { describe, expect, it } from '@jest/globals';
import { profileIngestRecord } from '@maison/event-contracts';
import {
  mapCustomer,
  mapOrder,
  mapRefund,
  signShopify,
  verifyShopifyHmac,
  type ShopConfig,
} from './shopify.mapping.js';

const shop: ShopConfig = {
  domain: 'maison-jp.myshopify.com',
  secret: 'x'.repeat(32),
  region: 'JP',
  country: 'JP',
  storeId: 'WEB-JP',
  taxesIncluded: true,
};

export const ORDER = {
  id: 5940139491234,
  email: 'jon@example.com',
  created_at: '2026-11-20T10:30:00+09:00',
  processed_at: '2026-11-20T10:30:05+09:00',
  cancelled_at: null,
  currency: 'JPY',
  taxes_included: true,
  total_price: '385000',
  line_items: [
    {
      id: 13545646571234,
      sku: 'BAG-7',
      product_id: 632910392,
      variant_id: 808950810,
      title: 'Top handle',
      name: 'Top handle - Noir',
      quantity: 1,
      price: '350000',
      total_discount: '0',
      discount_allocations: [{ amount: '10000' }],
      tax_lines: [{ price: '31818' }],
    },
    {
      id: 13545646571235,
      sku: '',
      variant_id: 457924702,
      title: 'Card holder',
      quantity: 1,
      price: '45000',
      discount_allocations: [],
      tax_lines: [],
    },
  ],
  customer: {
    id: 7741425221763,
    email: 'jon@example.com',
    phone: '+81 90-1234-5678',
    first_name: 'Jon',
    last_name: 'Snow',
  },
};

describe('Shopify webhooks', () => {
  it('verifies the base64 HMAC of the raw body in constant time', () => {
    const body = Buffer.from(JSON.stringify(ORDER));
    expect(verifyShopifyHmac(body, signShopify(body, shop.secret), shop.secret)).toBe(true);
    expect(verifyShopifyHmac(body, signShopify(body, 'another secret!!'), shop.secret)).toBe(false);
    expect(
      verifyShopifyHmac(
        Buffer.concat([body, Buffer.from(' ')]),
        signShopify(body, shop.secret),
        shop.secret,
      ),
    ).toBe(false);
    expect(verifyShopifyHmac(body, undefined, shop.secret)).toBe(false);
    expect(verifyShopifyHmac(body, 'not base64 at all', shop.secret)).toBe(false);
  });

  it('maps orders/create to a sale in minor units of the shop currency (JPY has none)', () => {
    const m = mapOrder(shop, 'orders/create', ORDER);
    expect(m.kind).toBe('transaction');
    if (m.kind !== 'transaction') return;
    expect(m.record).toMatchObject({
      kind: 'sale',
      sourceTransactionId: 'maison-jp.myshopify.com/orders/5940139491234',
      channel: 'ecommerce',
      currency: 'JPY',
      total: { amountMinor: 385000, currency: 'JPY' },
      occurredAt: '2026-11-20T10:30:05+09:00',
    });
    const lines = m.record.lines as { sku: string; discount: { amountMinor: number } }[];
    expect(lines.map((l) => [l.sku, l.discount.amountMinor])).toEqual([
      ['BAG-7', 10000],
      ['variant:457924702', 0],
    ]);
    expect(m.record.customer).toEqual([
      { type: 'ecom_customer', value: '7741425221763', scope: 'shopify:maison-jp.myshopify.com' },
      { type: 'email', value: 'jon@example.com' },
      { type: 'phone', value: '+81 90-1234-5678' },
    ]);
  });

  it('maps a cancelled orders/updated to a cancellation and ignores other updates', () => {
    expect(mapOrder(shop, 'orders/updated', ORDER)).toMatchObject({ kind: 'ignored' });
    expect(
      mapOrder(shop, 'orders/updated', {
        ...ORDER,
        cancelled_at: '2026-11-21T09:00:00+09:00',
        cancel_reason: 'customer',
      }),
    ).toMatchObject({
      kind: 'transaction',
      record: {
        kind: 'cancellation',
        reason: 'customer',
        sourceTransactionId: 'maison-jp.myshopify.com/orders/5940139491234',
      },
    });
  });

  it('maps refunds/create to a return of the order, and customers/* to a profile record', () => {
    const refund = {
      id: 929361464,
      order_id: 5940139491234,
      created_at: '2026-11-25T10:00:00+09:00',
      refund_line_items: [
        {
          id: 1058498311,
          line_item_id: 13545646571234,
          quantity: 1,
          subtotal: '340000',
          total_tax: '30909',
          subtotal_set: { shop_money: { amount: '340000', currency_code: 'JPY' } },
          line_item: ORDER.line_items[0],
        },
      ],
      transactions: [{ kind: 'refund', currency: 'JPY' }],
    };
    const m = mapRefund(shop, refund);
    expect(m).toMatchObject({
      kind: 'transaction',
      record: {
        kind: 'return',
        originalSourceTransactionId: 'maison-jp.myshopify.com/orders/5940139491234',
        total: { amountMinor: -340000 },
      },
    });
    const c = mapCustomer(shop, {
      ...ORDER.customer,
      updated_at: '2026-11-20T10:30:00+09:00',
      default_address: { country_code: 'jp' },
    });
    expect(c.kind).toBe('profile');
    if (c.kind === 'profile')
      expect(profileIngestRecord.parse(c.record)).toMatchObject({
        sourceRecordId: 'maison-jp.myshopify.com/customers/7741425221763',
        fields: { country: 'JP', name: { latin: { given: 'Jon', family: 'Snow' } } },
      });
  });
});
