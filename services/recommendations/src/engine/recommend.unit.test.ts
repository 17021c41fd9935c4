import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { summarise } from './client-summary.js';
import { CATALOGUE, tx } from './engine.fixtures.js';
import { rank, type ItemInfo, type RankInput } from './recommend.js';

const items = new Map<string, ItemInfo>(
  CATALOGUE.map((c) => [
    c.sku,
    {
      sku: c.sku,
      productId: null,
      name: c.name,
      categoryPath: c.categoryPath,
      collection: c.collection,
      prices: { EUR: c.price },
    },
  ]),
);
const SKUS = CATALOGUE.map((c) => c.sku);

function input(overrides: Partial<RankInput> = {}): RankInput {
  const summary = summarise(
    [
      tx('t1', '2026-03-02T10:00:00+04:00', ['SLG-1']),
      tx('t2', '2026-04-10T10:00:00+02:00', ['RTW-1']),
      tx('t3', '2026-04-12T10:00:00+02:00', ['RTW-1'], 'return'),
    ],
    365,
  );
  return {
    first: 10,
    category: null,
    notPersonalisedBecause: null,
    summary,
    neighbours: [
      { anchor: 'SLG-1', sku: 'SLG-2', cosine: 0.8 },
      { anchor: 'SLG-1', sku: 'BAG-2', cosine: 0.4 },
      { anchor: 'SLG-1', sku: 'RTW-1', cosine: 0.9 },
    ],
    ladder: [
      { category: 'Leather goods', fromRung: 'Small leather goods', toRung: 'Bags', clients: 4 },
    ],
    pool: SKUS.map((sku, i) => ({ sku, value: 100 - i })),
    bestSellers: [{ scope: 'all', sellers: SKUS.map((sku, i) => ({ sku, value: 50 - i })) }],
    homeKnown: true,
    items,
    available: () => true,
    ...overrides,
  };
}

describe('ranking', () => {
  it('explains co-purchases and ladder steps with the purchase they come from', () => {
    const list = rank(input());
    expect(list.personalised).toBe(true);
    expect(list.basis).toBe('PERSONALISED');
    const wallet = list.items.find((i) => i.sku === 'SLG-2');
    expect(wallet?.strategy).toBe('CO_PURCHASE');
    expect(wallet?.reason).toBe(
      'Bought Card holder in Paris on 2026-03-02; clients who bought it often bought this.',
    );
    expect(wallet?.evidence).toEqual({
      transactionId: 't1',
      sku: 'SLG-1',
      name: 'Card holder',
      occurredAt: '2026-03-02T10:00:00+04:00',
      storeId: 'PAR-01',
    });
    const bag = list.items.find((i) => i.sku === 'BAG-1');
    expect(bag?.strategy).toBe('NEXT_STEP_UP');
    expect(bag?.reason).toContain('stepped up to Bags');
  });

  it('never proposes owned or returned pieces, nor unavailable ones', () => {
    const list = rank(input({ available: (sku) => sku !== 'SLG-2' }));
    const skus = list.items.map((i) => i.sku);
    expect(skus).not.toContain('SLG-1');
    expect(skus).not.toContain('RTW-1');
    expect(skus).not.toContain('SLG-2');
  });

  it('without consent gives best sellers only, and says why', () => {
    const list = rank(input({ notPersonalisedBecause: 'the client withdrew profiling consent' }));
    expect(list.personalised).toBe(false);
    expect(list.basis).toBe('NOT_PERSONALISED');
    expect(list.explanation).toBe(
      'Not personalised: the client withdrew profiling consent; best sellers only.',
    );
    expect(list.items.every((i) => i.strategy === 'BEST_SELLER' && i.evidence === null)).toBe(true);
    expect(list.items[0]?.reason).toBe(
      'One of the best sellers of all boutiques; not personalised: the client withdrew profiling consent.',
    );
  });

  it('cold-starts from the home boutique’s best sellers', () => {
    const list = rank(input({ summary: { items: new Map(), returned: new Set() } }));
    expect(list.basis).toBe('COLD_START');
    expect(list.personalised).toBe(true);
    expect(
      rank(input({ summary: { items: new Map(), returned: new Set() }, homeKnown: false }))
        .personalised,
    ).toBe(false);
  });

  it('diversifies: the first picks span categories', () => {
    const list = rank(input({ first: 4 }));
    const categories = new Set(list.items.map((i) => i.categoryPath[0]));
    expect(categories.size).toBeGreaterThan(1);
  });

  it('properties: at most `first`, scores not increasing, nothing owned, deterministic, category kept', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(null, 'Leather goods', 'bags', 'Fragrance', 'Nothing'),
        fc.boolean(),
        fc.shuffledSubarray(SKUS),
        fc.array(
          fc.record({
            anchor: fc.constantFrom('SLG-1'),
            sku: fc.constantFrom(...SKUS),
            cosine: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          { maxLength: 8 },
        ),
        (first, category, consent, order, neighbours) => {
          const base = input({
            first,
            category,
            notPersonalisedBecause: consent ? null : 'no profiling consent on record',
            neighbours,
            pool: order.map((sku, i) => ({ sku, value: 10 + i })),
          });
          const list = rank(base);
          expect(list.items.length).toBeLessThanOrEqual(first);
          for (let i = 1; i < list.items.length; i++)
            expect(list.items[i]!.score).toBeLessThanOrEqual(list.items[i - 1]!.score);
          for (const item of list.items) {
            expect(base.summary.items.has(item.sku) || base.summary.returned.has(item.sku)).toBe(
              false,
            );
            if (category !== null)
              expect(item.categoryPath.map((c) => c.toLowerCase())).toContain(
                category.toLowerCase(),
              );
            if (item.evidence)
              expect(base.summary.items.get(item.evidence.sku)?.lastTransactionId).toBe(
                item.evidence.transactionId,
              );
            if (!consent) expect(item.strategy).toBe('BEST_SELLER');
          }
          const reversed = rank({
            ...base,
            neighbours: [...base.neighbours].reverse(),
            pool: [...base.pool].reverse(),
          });
          expect(reversed).toEqual(list);
        },
      ),
    );
  });
});
