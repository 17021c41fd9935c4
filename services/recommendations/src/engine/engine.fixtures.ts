import type { TransactionFacts } from './facts.js';

/** Small builders for the engine's unit tests (not a test file: no tier suffix). */
export const CATALOGUE = [
  {
    sku: 'SLG-1',
    name: 'Card holder',
    categoryPath: ['Leather goods', 'Small leather goods'],
    collection: 'Monogram',
    price: 400,
  },
  {
    sku: 'SLG-2',
    name: 'Wallet',
    categoryPath: ['Leather goods', 'Small leather goods'],
    collection: 'Monogram',
    price: 600,
  },
  {
    sku: 'BAG-1',
    name: 'Top handle',
    categoryPath: ['Leather goods', 'Bags'],
    collection: 'Monogram',
    price: 3000,
  },
  {
    sku: 'BAG-2',
    name: 'Tote',
    categoryPath: ['Leather goods', 'Bags'],
    collection: 'Riviera',
    price: 2100,
  },
  {
    sku: 'RTW-1',
    name: 'Scarf',
    categoryPath: ['Ready-to-wear', 'Accessories'],
    collection: 'Riviera',
    price: 420,
  },
  { sku: 'FRG-1', name: 'Perfume', categoryPath: ['Fragrance'], collection: null, price: 280 },
  {
    sku: 'JWL-1',
    name: 'Ring',
    categoryPath: ['Jewellery', 'Rings'],
    collection: 'Etoile',
    price: 4800,
  },
] as const;

export function tx(
  id: string,
  at: string,
  skus: readonly string[],
  kind: TransactionFacts['kind'] = 'sale',
): TransactionFacts {
  return {
    transactionId: id,
    kind,
    occurredAt: at,
    storeId: 'PAR-01',
    channel: 'boutique',
    region: 'EU',
    country: 'FR',
    originalTransactionId: null,
    lines: skus.map((sku) => {
      const p = CATALOGUE.find((c) => c.sku === sku) ?? CATALOGUE[0];
      return {
        sku,
        productId: null,
        name: p.name,
        categoryPath: p.categoryPath,
        collection: p.collection,
        quantity: 1,
        flow: kind === 'return' ? 'in' : 'out',
        price: { amountMinor: p.price, currency: 'EUR' },
      };
    }),
  };
}
