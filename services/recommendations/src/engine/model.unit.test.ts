import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { EMPTY_SUMMARY, summarise, type ClientSummary } from './client-summary.js';
import {
  addClientChange,
  addTransaction,
  emptyDelta,
  ladderSteps,
  SEP,
  type ModelDelta,
} from './contributions.js';
import { CATALOGUE, tx } from './engine.fixtures.js';
import { DECAY_EPOCH, decayWeight } from './weights.js';

const HALF_LIFE = 365;
const skuArb = fc.constantFrom(...CATALOGUE.map((c) => c.sku));
const dayArb = fc.integer({ min: 0, max: 900 });
const txArb = fc.record({
  day: dayArb,
  skus: fc.uniqueArray(skuArb, { minLength: 1, maxLength: 3 }),
  kind: fc.constantFrom<'sale' | 'return'>('sale', 'sale', 'sale', 'return'),
});
const at = (day: number) =>
  new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().replace('Z', '+01:00');

function facts(list: { day: number; skus: string[]; kind: 'sale' | 'return' }[], client: string) {
  return list.map((t, i) =>
    tx(`${client}-${String(i).padStart(3, '0')}`, at(t.day), t.skus, t.kind),
  );
}

/** The model of a set of clients computed from scratch: Σ over clients of their contribution. */
function fromScratch(baskets: ClientSummary[]): ModelDelta {
  const d = emptyDelta();
  for (const b of baskets) addClientChange(d, EMPTY_SUMMARY, b);
  return d;
}

function plain(d: ModelDelta) {
  const sorted = (m: Map<string, bigint>) =>
    [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, String(v)]);
  return {
    norms: sorted(d.norms),
    pairs: sorted(d.pairs),
    ladder: sorted(d.ladder),
    popularity: sorted(d.popularity),
  };
}

describe('time decay', () => {
  it('doubles a weight every half-life and is exact integers', () => {
    expect(decayWeight(DECAY_EPOCH, 365)).toBe(1024n);
    expect(decayWeight(DECAY_EPOCH + 365 * 86_400_000, 365)).toBe(2048n);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 * 365 }), (day) => {
        const w = decayWeight(Date.UTC(2020, 0, 1) + day * 86_400_000, HALF_LIFE);
        return (
          w >= 1n && w <= decayWeight(Date.UTC(2020, 0, 1) + (day + 1) * 86_400_000, HALF_LIFE)
        );
      }),
    );
  });
});

describe('client summary', () => {
  it('keeps pieces owned, drops what was given back, and lists returns', () => {
    const s = summarise(
      [
        tx('t1', '2026-03-02T10:00:00+04:00', ['SLG-1', 'RTW-1']),
        tx('t2', '2026-03-05T10:00:00+01:00', ['RTW-1'], 'return'),
      ],
      HALF_LIFE,
    );
    expect([...s.items.keys()]).toEqual(['SLG-1']);
    expect([...s.returned]).toEqual(['RTW-1']);
    expect(s.items.get('SLG-1')?.lastTransactionId).toBe('t1');
    expect(s.items.get('SLG-1')?.lastAt).toBe('2026-03-02T10:00:00+04:00');
  });

  it('does not depend on the order transactions arrive in', () => {
    fc.assert(
      fc.property(fc.array(txArb, { maxLength: 8 }), fc.infiniteStream(fc.nat()), (list, seeds) => {
        const f = facts(list, 'c');
        const shuffled = [...f].sort(() => ((seeds.next().value as number) % 3) - 1);
        expect(summarise(shuffled, HALF_LIFE)).toEqual(summarise(f, HALF_LIFE));
      }),
    );
  });
});

describe('contribution deltas', () => {
  it('incremental updates in any order equal the model computed from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(txArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        fc.infiniteStream(fc.nat()),
        (clients, seeds) => {
          // Each client's transactions arrive one by one, clients interleaved at random.
          const queue = clients.flatMap((list, c) =>
            facts(list, `c${String(c)}`).map((f) => ({ c, f })),
          );
          queue.sort(() => ((seeds.next().value as number) % 3) - 1);
          const seen = clients.map(() => [] as ReturnType<typeof tx>[]);
          const summaries = clients.map(() => EMPTY_SUMMARY);
          const incremental = emptyDelta();
          for (const { c, f } of queue) {
            seen[c]!.push(f);
            const next = summarise(seen[c]!, HALF_LIFE);
            addClientChange(incremental, summaries[c]!, next);
            summaries[c] = next;
          }
          const scratch = fromScratch(
            clients.map((list, c) => summarise(facts(list, `c${String(c)}`), HALF_LIFE)),
          );
          expect(plain(incremental)).toEqual(plain(scratch));
        },
      ),
    );
  });

  it('removing a client (erasure) leaves exactly the others’ model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(txArb, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
        (clients) => {
          const summaries = clients.map((list, c) =>
            summarise(facts(list, `c${String(c)}`), HALF_LIFE),
          );
          const all = fromScratch(summaries);
          addClientChange(all, summaries[0]!, EMPTY_SUMMARY);
          expect(plain(all)).toEqual(plain(fromScratch(summaries.slice(1))));
        },
      ),
    );
  });

  it('keeps co-purchase symmetric and norms as sums of squares', () => {
    const s = summarise([tx('t1', '2026-01-01T10:00:00+01:00', ['SLG-1', 'BAG-1'])], HALF_LIFE);
    const d = fromScratch([s]);
    const w = s.items.get('SLG-1')!.weight;
    expect(d.norms.get('SLG-1')).toBe(w * w);
    expect(d.pairs.get(`SLG-1${SEP}BAG-1`)).toBe(d.pairs.get(`BAG-1${SEP}SLG-1`));
  });

  it('learns a ladder step from a dearer piece bought later in the same category', () => {
    const s = summarise(
      [
        tx('t1', '2026-01-01T10:00:00+01:00', ['SLG-1']),
        tx('t2', '2026-02-01T10:00:00+01:00', ['BAG-1', 'FRG-1']),
      ],
      HALF_LIFE,
    );
    expect([...ladderSteps(s)]).toEqual([
      ['Leather goods', 'Small leather goods', 'Bags'].join(SEP),
    ]);
    const cheaperLater = summarise(
      [
        tx('t1', '2026-01-01T10:00:00+01:00', ['BAG-1']),
        tx('t2', '2026-02-01T10:00:00+01:00', ['SLG-1']),
      ],
      HALF_LIFE,
    );
    expect(ladderSteps(cheaperLater).size).toBe(0);
  });

  it('counts sales and returns in best sellers per scope, and cancels out exactly', () => {
    const d = emptyDelta();
    const sale = tx('t1', '2026-01-01T10:00:00+01:00', ['SLG-1']);
    addTransaction(d, sale, 1n, HALF_LIFE);
    expect([...d.popularity.keys()].sort()).toEqual(
      [`all${SEP}SLG-1`, `region:EU${SEP}SLG-1`, `store:PAR-01${SEP}SLG-1`].sort(),
    );
    addTransaction(d, sale, -1n, HALF_LIFE);
    expect(d.popularity.size).toBe(0);
    expect(d.priceCount.size).toBe(0);
  });
});
