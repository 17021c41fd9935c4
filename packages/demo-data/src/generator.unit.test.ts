import { describe, expect, it } from '@jest/globals';
import { normaliseIdentifier } from '@maison/identifiers';
import { ecbRatesCsv, generateDemoData, localIso, localPriceMinor } from './index.js';

const data = generateDemoData({ clients: 400 });

describe('demo data', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(generateDemoData({ clients: 50 })).toEqual(generateDemoData({ clients: 50 }));
    expect(generateDemoData({ clients: 50, seed: 2 }).clients[0]).not.toEqual(
      generateDemoData({ clients: 50 }).clients[0],
    );
  });

  it("gives every client identifiers the platform's normalisation accepts", () => {
    for (const c of data.clients) {
      expect(normaliseIdentifier({ type: 'email', value: c.email }).ok).toBe(true);
      const phone = normaliseIdentifier({
        type: 'phone',
        value: c.phone,
        defaultCountry: c.phoneCountry,
      });
      expect([c.key, phone.ok]).toEqual([c.key, true]);
      if (c.messaging) {
        const m = normaliseIdentifier({ type: c.messaging.type, value: c.messaging.value });
        expect([c.key, c.messaging.type, m.ok]).toEqual([c.key, c.messaging.type, true]);
      }
    }
  });

  it('gives every phone in a transaction a form the selling boutique can read', () => {
    for (const t of data.transactions)
      for (const ref of t.customer.filter((x) => x.type === 'phone')) {
        const result = normaliseIdentifier({
          type: 'phone',
          value: ref.value,
          defaultCountry: t.country,
        });
        expect([t.sourceTransactionId, result.ok]).toEqual([t.sourceTransactionId, true]);
      }
  });

  it('has multi-region travellers, web orders, anonymous sales and returns', () => {
    const stores = new Map<string, Set<string>>();
    for (const t of data.transactions) {
      if (t.clientKey === null) continue;
      const s = stores.get(t.clientKey) ?? new Set();
      s.add(t.region);
      stores.set(t.clientKey, s);
    }
    expect([...stores.values()].filter((s) => s.size > 1).length).toBeGreaterThan(20);
    expect(data.transactions.some((t) => t.channel === 'ecommerce')).toBe(true);
    expect(data.transactions.some((t) => t.customer.length === 0)).toBe(true);
    const returns = data.transactions.filter((t) => t.kind === 'return');
    expect(returns.length).toBeGreaterThan(0);
    for (const r of returns) {
      expect(r.totalMinor).toBeLessThan(0);
      expect(
        data.transactions.some((t) => t.sourceTransactionId === r.originalSourceTransactionId),
      ).toBe(true);
    }
  });

  it('keeps totals equal to the sum of lines and prices in minor units of each currency', () => {
    for (const t of data.transactions) {
      const sum = t.lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor - l.discountMinor, 0);
      expect(Math.abs(t.totalMinor)).toBe(sum);
      for (const l of t.lines) expect(Number.isInteger(l.unitPriceMinor)).toBe(true);
    }
    expect(localPriceMinor(39_000, 'JPY')).toBe(63_000); // ¥63,000, no decimals
    expect(localPriceMinor(39_000, 'KWD')).toBe(130_000); // 130.000 KWD, three decimals
  });

  it('writes business time with the boutique offset, DST included', () => {
    expect(localIso('Asia/Tokyo', { year: 2026, month: 3, day: 2, hour: 10, minute: 15 })).toBe(
      '2026-03-02T10:15:00+09:00',
    );
    expect(localIso('Europe/Paris', { year: 2026, month: 7, day: 2, hour: 10, minute: 0 })).toBe(
      '2026-07-02T10:00:00+02:00',
    );
    expect(
      localIso('America/New_York', { year: 2026, month: 1, day: 5, hour: 18, minute: 30 }),
    ).toBe('2026-01-05T18:30:00-05:00');
  });

  it('has names in several scripts and consents for every client', () => {
    const scripts = new Set(
      data.clients.map((c) => {
        const n = c.name.native?.full ?? c.name.latin.full;
        if (/\p{Script=Arabic}/u.test(n)) return 'Arabic';
        if (/\p{Script=Hangul}/u.test(n)) return 'Hangul';
        if (/\p{Script=Han}/u.test(n)) return 'Han';
        if (/\p{Script=Cyrillic}/u.test(n)) return 'Cyrillic';
        return 'Latin';
      }),
    );
    expect([...scripts].sort()).toEqual(['Arabic', 'Cyrillic', 'Han', 'Hangul', 'Latin']);
    const withConsent = new Set(data.consents.map((c) => c.clientKey));
    expect(withConsent.size).toBe(data.clients.length);
  });

  it('writes FX rates in the ECB history layout for every demo currency', () => {
    const csv = ecbRatesCsv({ from: '2026-11-02', to: '2026-11-06' });
    const [header, first] = csv.split('\n');
    expect(header).toBe('Date,USD,JPY,GBP,CNY,HKD,KRW,SGD,AED,SAR,KWD,BHD,');
    expect(first).toMatch(/^2026-11-06,\d+\.\d{4},\d+\.\d{2},/);
    expect(csv.trim().split('\n')).toHaveLength(6);
  });
});
