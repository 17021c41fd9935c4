import { describe, expect, it } from '@jest/globals';
import { catalogRegistry } from '@maison/event-contracts';
import { historyEvents, metricsAtK, popularityBaseline, splitByTime } from './evaluate.js';
import { generateHistory } from './generator.js';

describe('luxury history generator', () => {
  const history = generateHistory({ clients: 300, seed: 7 });

  it('is reproducible from its seed', () => {
    expect(generateHistory({ clients: 300, seed: 7 })).toEqual(history);
    expect(generateHistory({ clients: 300, seed: 8 }).transactions).not.toEqual(
      history.transactions,
    );
  });

  it('has the shape of a luxury house: segments, repeat clients, travellers, ladders, returns', () => {
    const perClient = new Map<string, number>();
    for (const t of history.transactions)
      if (t.clientId && t.kind === 'sale')
        perClient.set(t.clientId, (perClient.get(t.clientId) ?? 0) + 1);
    const repeat = [...perClient.values()].filter((n) => n > 1).length;
    expect(repeat / perClient.size).toBeGreaterThan(0.4);
    const home = new Map(history.clients.map((c) => [c.clientId, c.homeStore.region]));
    const abroad = history.transactions.filter(
      (t) => t.clientId && t.store.region !== home.get(t.clientId),
    );
    expect(abroad.length).toBeGreaterThan(0);
    expect(history.transactions.some((t) => t.kind === 'return')).toBe(true);
    expect(history.transactions.some((t) => t.clientId === null)).toBe(true);
    const categories = new Set(history.items.map((i) => i.categoryPath[0]));
    expect([...categories].sort()).toEqual([
      'Fragrance',
      'Jewellery',
      'Leather goods',
      'Ready-to-wear',
      'Watches',
    ]);
    // Seasonality: more sales per day in November–December than in February–March.
    const perDay = (months: number[]) =>
      history.transactions.filter((t) => months.includes(new Date(t.occurredAtMs).getUTCMonth()))
        .length / months.length;
    expect(perDay([10, 11])).toBeGreaterThan(perDay([1, 2]));
  });

  it('produces events the catalogue accepts', () => {
    const registry = catalogRegistry();
    const events = historyEvents(history, history.transactions.slice(0, 200));
    for (const e of [
      ...events.transactions,
      ...events.profiles.slice(0, 20),
      ...events.consent.slice(0, 20),
    ])
      expect(() => registry.validate(e)).not.toThrow();
  });

  it('splits by time and scores hit-rate and recall against a popularity baseline', () => {
    const split = splitByTime(history, Date.parse('2025-06-01T00:00:00Z'));
    expect(split.train.every((t) => t.occurredAtMs < Date.parse('2025-06-01T00:00:00Z'))).toBe(
      true,
    );
    expect(split.truth.size).toBeGreaterThan(10);
    for (const [client, skus] of split.truth)
      for (const sku of skus) expect(split.seen.get(client)?.has(sku)).toBe(false);
    const baseline = popularityBaseline(split, 10);
    const m = metricsAtK(baseline, split.truth, 10);
    expect(m.clients).toBe(split.truth.size);
    expect(m.hitRate).toBeGreaterThanOrEqual(m.recall);
    const perfect = new Map([...split.truth].map(([c, s]) => [c, [...s]]));
    expect(metricsAtK(perfect, split.truth, 1000)).toEqual({
      clients: split.truth.size,
      hitRate: 1,
      recall: 1,
    });
  });
});
