import { REGIONS, type ProfileIngestRecord } from '@maison/event-contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { decimalToMinor } from '../money/currency.js';

/**
 * Shopify Admin REST webhook payloads (orders/create, orders/updated, refunds/create,
 * customers/create, customers/update) mapped to the platform's records. Prices are decimal
 * strings in the shop currency (`currency`); they become integer minor units by the currency's
 * exponent. Shipping, duties and tips are not merchandise and stay out of client spend.
 */

export const shopSchema = z.strictObject({
  /** The permanent `<name>.myshopify.com` domain (X-Shopify-Shop-Domain). */
  domain: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/),
  /** The app's client secret that signs the webhooks. Never logged, never committed. */
  secret: z.string().min(16),
  region: z.enum(REGIONS),
  /** ISO 3166-1 alpha-2: the default country for phone numbers and the transactions. */
  country: z.string().regex(/^[A-Z]{2}$/),
  /** The web store's id in the house's store list (e.g. WEB-EU). */
  storeId: z.string().min(1).max(100),
  /** Whether the shop's prices include tax (refund payloads do not say). */
  taxesIncluded: z.boolean().default(true),
});
export type ShopConfig = z.infer<typeof shopSchema>;

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body with the shop's secret. */
export function verifyShopifyHmac(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
): boolean {
  if (header === undefined) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  let given: Buffer;
  try {
    given = Buffer.from(header, 'base64');
  } catch {
    return false;
  }
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signShopify(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

const money = z.union([z.string(), z.number()]).transform((v) => String(v));
// Shopify ids can exceed 2^53; JSON numbers are taken as printed (prefer a gid when one is sent)
const id = z
  .union([z.number(), z.string().min(1)])
  .transform((v) => (typeof v === 'number' ? v.toFixed(0) : v));

const lineItem = z.looseObject({
  id,
  sku: z.string().nullish(),
  product_id: id.nullish(),
  variant_id: id.nullish(),
  title: z.string().nullish(),
  name: z.string().nullish(),
  quantity: z.number().int(),
  price: money,
  total_discount: money.nullish(),
  discount_allocations: z.array(z.looseObject({ amount: money })).nullish(),
  tax_lines: z.array(z.looseObject({ price: money })).nullish(),
  vendor: z.string().nullish(),
});

const customer = z.looseObject({
  id,
  email: z.string().nullish(),
  phone: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  default_address: z.looseObject({ country_code: z.string().nullish() }).nullish(),
});

export const shopifyOrder = z.looseObject({
  id,
  email: z.string().nullish(),
  phone: z.string().nullish(),
  created_at: z.string(),
  processed_at: z.string().nullish(),
  cancelled_at: z.string().nullish(),
  cancel_reason: z.string().nullish(),
  currency: z.string(),
  taxes_included: z.boolean().nullish(),
  line_items: z.array(lineItem),
  customer: customer.nullish(),
});

export const shopifyRefund = z.looseObject({
  id,
  order_id: id,
  created_at: z.string(),
  processed_at: z.string().nullish(),
  refund_line_items: z.array(
    z.looseObject({
      id,
      line_item_id: id,
      quantity: z.number().int(),
      subtotal: money,
      total_tax: money.nullish(),
      subtotal_set: z
        .looseObject({ shop_money: z.looseObject({ currency_code: z.string() }) })
        .nullish(),
      line_item: lineItem,
    }),
  ),
  transactions: z
    .array(z.looseObject({ currency: z.string().nullish(), kind: z.string().nullish() }))
    .nullish(),
});

export const shopifyCustomer = customer;

export type Mapped =
  | { readonly kind: 'transaction'; readonly record: Record<string, unknown> }
  | { readonly kind: 'profile'; readonly record: ProfileIngestRecord }
  | { readonly kind: 'ignored'; readonly reason: string };

export class ShopifyMappingError extends Error {
  override readonly name = 'ShopifyMappingError';
  readonly pointer: string;
  constructor(pointer: string, detail: string) {
    super(detail);
    this.pointer = pointer;
  }
}

const sourceSystem = 'shopify';
const orderSourceId = (shop: ShopConfig, orderId: string) => `${shop.domain}/orders/${orderId}`;

function minor(value: string, currency: string, pointer: string): number {
  const r = decimalToMinor(value, currency);
  if (!r.ok) throw new ShopifyMappingError(pointer, r.message);
  return r.minor;
}

function sum(values: readonly string[] | undefined, currency: string, pointer: string): number {
  return (values ?? []).reduce((acc, v) => acc + minor(v, currency, pointer), 0);
}

function customerRefs(
  shop: ShopConfig,
  c: z.infer<typeof customer> | null | undefined,
  email?: string | null,
  phone?: string | null,
) {
  const refs: { type: string; value: string; scope?: string }[] = [];
  if (c) refs.push({ type: 'ecom_customer', value: c.id, scope: `shopify:${shop.domain}` });
  const e = c?.email ?? email;
  if (e) refs.push({ type: 'email', value: e });
  const p = c?.phone ?? phone;
  if (p) refs.push({ type: 'phone', value: p });
  return refs;
}

function lineOf(item: z.infer<typeof lineItem>, quantity: number, currency: string, at: string) {
  const unit = minor(item.price, currency, `${at}/price`);
  const allocated = item.discount_allocations?.length
    ? sum(
        item.discount_allocations.map((d) => d.amount),
        currency,
        `${at}/discount_allocations`,
      )
    : minor(item.total_discount ?? '0', currency, `${at}/total_discount`);
  const discount = Math.min(allocated, unit * quantity);
  return {
    lineId: item.id,
    sku:
      (item.sku?.trim() ?? '') !== ''
        ? (item.sku?.trim() ?? '')
        : item.variant_id
          ? `variant:${item.variant_id}`
          : `line:${item.id}`,
    productId: item.product_id ?? null,
    name: (item.name ?? item.title ?? 'Item').slice(0, 300) || 'Item',
    // line items carry no product category; recommendations enrich from the catalogue by SKU
    categoryPath: ['Uncategorised'],
    collection: null,
    quantity,
    unitPrice: { amountMinor: unit, currency },
    discount: { amountMinor: discount, currency },
    tax: {
      amountMinor: sum(
        item.tax_lines?.map((t) => t.price),
        currency,
        `${at}/tax_lines`,
      ),
      currency,
    },
  };
}

export function mapOrder(
  shop: ShopConfig,
  topic: 'orders/create' | 'orders/updated',
  payload: unknown,
): Mapped {
  const order = parse(shopifyOrder, payload);
  if (topic === 'orders/updated') {
    if (!order.cancelled_at)
      return { kind: 'ignored', reason: 'only cancellations are recorded from orders/updated' };
    return {
      kind: 'transaction',
      record: {
        kind: 'cancellation',
        sourceSystem,
        sourceTransactionId: orderSourceId(shop, order.id),
        cancelledAt: order.cancelled_at,
        reason: order.cancel_reason ?? 'other',
      },
    };
  }
  const currency = order.currency;
  const taxIncluded = order.taxes_included ?? shop.taxesIncluded;
  const lines = order.line_items
    .filter((l) => l.quantity > 0)
    .map((l, i) => lineOf(l, l.quantity, currency, `/line_items/${i}`));
  const total = lines.reduce(
    (acc, l) =>
      acc +
      l.quantity * l.unitPrice.amountMinor -
      l.discount.amountMinor +
      (taxIncluded ? 0 : l.tax.amountMinor),
    0,
  );
  return {
    kind: 'transaction',
    record: {
      kind: 'sale',
      sourceSystem,
      sourceTransactionId: orderSourceId(shop, order.id),
      channel: 'ecommerce',
      storeId: shop.storeId,
      region: shop.region,
      country: shop.country,
      associateId: null,
      occurredAt: order.processed_at ?? order.created_at,
      currency,
      taxIncluded,
      lines,
      total: { amountMinor: total, currency },
      customer: customerRefs(shop, order.customer, order.email, order.phone),
    },
  };
}

export function mapRefund(shop: ShopConfig, payload: unknown): Mapped {
  const refund = parse(shopifyRefund, payload);
  const first = refund.refund_line_items[0];
  if (!first)
    return { kind: 'ignored', reason: 'a refund without line items (shipping or adjustment only)' };
  const currency =
    first.subtotal_set?.shop_money.currency_code ?? refund.transactions?.[0]?.currency ?? undefined;
  if (!currency)
    throw new ShopifyMappingError(
      '/refund_line_items/0/subtotal_set',
      'the refund currency is missing',
    );
  const lines = refund.refund_line_items.map((r, i) => {
    const at = `/refund_line_items/${i}`;
    const base = lineOf(r.line_item, r.quantity, currency, `${at}/line_item`);
    const subtotal = minor(r.subtotal, currency, `${at}/subtotal`);
    const tax = minor(r.total_tax ?? '0', currency, `${at}/total_tax`);
    const gross = r.quantity * base.unitPrice.amountMinor;
    const discount = Math.max(0, gross - subtotal);
    return {
      ...base,
      lineId: r.id,
      originalLineId: r.line_item_id,
      discount: { amountMinor: discount, currency },
      tax: { amountMinor: tax, currency },
      lineTotal: { amountMinor: gross - discount + (shop.taxesIncluded ? 0 : tax), currency },
    };
  });
  return {
    kind: 'transaction',
    record: {
      kind: 'return',
      sourceSystem,
      sourceTransactionId: `${shop.domain}/refunds/${refund.id}`,
      originalSourceTransactionId: orderSourceId(shop, refund.order_id),
      channel: 'ecommerce',
      storeId: shop.storeId,
      region: shop.region,
      country: shop.country,
      associateId: null,
      occurredAt: refund.processed_at ?? refund.created_at,
      currency,
      taxIncluded: shop.taxesIncluded,
      lines,
      total: { amountMinor: -lines.reduce((acc, l) => acc + l.lineTotal.amountMinor, 0), currency },
    },
  };
}

export function mapCustomer(shop: ShopConfig, payload: unknown): Mapped {
  const c = parse(shopifyCustomer, payload);
  const given = c.first_name?.trim();
  const family = c.last_name?.trim();
  const country = c.default_address?.country_code?.toUpperCase();
  const record: ProfileIngestRecord = {
    sourceSystem,
    sourceRecordId: `${shop.domain}/customers/${c.id}`,
    occurredAt: c.updated_at ?? c.created_at ?? new Date(0).toISOString(),
    region: shop.region,
    storeId: shop.storeId,
    customer: customerRefs(shop, c).map((r) => ({
      type: r.type,
      value: r.value,
      ...(r.scope ? { scope: r.scope } : {}),
    })),
    fields: {
      ...(given || family
        ? { name: { latin: { ...(given ? { given } : {}), ...(family ? { family } : {}) } } }
        : {}),
      ...(country && /^[A-Z]{2}$/.test(country) ? { country } : {}),
    },
  };
  return { kind: 'profile', record };
}

function parse<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ShopifyMappingError(
    `/${(issue?.path ?? []).map(String).join('/')}`,
    issue?.message ?? 'invalid payload',
  );
}
