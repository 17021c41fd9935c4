import { deterministicEventId, type Region } from '@maison/event-contracts';

/**
 * A generated luxury purchase history for offline evaluation — seeded, so every run of the bench
 * sees the same clients. What it models, and why (DOMAIN.md):
 *
 * - **Catalogue**: five categories (Leather goods, Ready-to-wear, Jewellery, Watches, Fragrance),
 *   each a price ladder of three rungs (e.g. Small leather goods → Bags → Exotic bags, roughly ×5
 *   per rung), 6–9 SKUs per rung spread over five collections (Monogram, Riviera, Etoile, Atelier,
 *   Nuit). Prices in EUR, sold in 14 boutiques in local currency with a fixed rate to EUR (the
 *   reporting currency) plus e-commerce.
 * - **Clients** (segments as the trade names them): one-time buyers (~40%, a gift, mostly
 *   fragrance or a small leather good), regulars (~45%, 2–8 purchases), VICs (~10%, 8–30) and
 *   collectors (~5%, who buy deep into one collection). Each has one or two favourite categories,
 *   often a favourite collection, a home boutique, and a starting rung set by the segment.
 * - **Ladders**: after a purchase in a category, the next one in it steps up a rung with a
 *   segment-dependent probability (a card holder today, a bag tomorrow).
 * - **Baskets**: complementary pieces bought together (a bag with a small leather good of its
 *   collection, a scarf with ready-to-wear, a fragrance as an add-on).
 * - **Travel**: ~25% of clients also buy abroad (Gulf clients in London and Paris in summer,
 *   Chinese clients in Paris and Milan, others anywhere), ~15% of purchases are online.
 * - **Seasonality**: November–December gifting (fragrance and jewellery up), a summer travel peak.
 * - **Returns**: ~5% of sale lines come back within a month; ~8% of transactions stay anonymous.
 */
export interface GeneratedItem {
  readonly sku: string;
  readonly name: string;
  readonly categoryPath: readonly [string, string];
  readonly collection: string;
  /** EUR minor units. */
  readonly priceEur: number;
  readonly rungIndex: number;
}

export interface GeneratedStore {
  readonly storeId: string;
  readonly region: Region;
  readonly country: string;
  readonly currency: string;
  /** Local currency minor units → EUR minor units. */
  readonly eurRate: number;
}

export interface GeneratedLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface GeneratedTransaction {
  readonly transactionId: string;
  readonly clientId: string | null;
  readonly kind: 'sale' | 'return';
  readonly storeId: string | null;
  readonly channel: 'boutique' | 'ecommerce';
  readonly occurredAt: string;
  readonly occurredAtMs: number;
  readonly lines: readonly GeneratedLine[];
  readonly originalTransactionId: string | null;
  /** The boutique (or the client's home boutique, online) whose currency was used. */
  readonly store: GeneratedStore;
}

export interface GeneratedClient {
  readonly clientId: string;
  readonly segment: 'one-time' | 'regular' | 'vic' | 'collector';
  readonly homeStore: GeneratedStore;
}

export interface GeneratedHistory {
  readonly items: readonly GeneratedItem[];
  readonly stores: readonly GeneratedStore[];
  readonly clients: readonly GeneratedClient[];
  /** In time order. */
  readonly transactions: readonly GeneratedTransaction[];
  readonly from: string;
  readonly to: string;
}

export interface GeneratorOptions {
  readonly clients: number;
  readonly seed?: number;
  /** History start (ISO date) and length in days. */
  readonly from?: string;
  readonly days?: number;
}

/** mulberry32: a small, fast, seeded PRNG (the generator must be reproducible). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES: readonly { name: string; rungs: readonly [string, number][]; gift: number }[] = [
  {
    name: 'Leather goods',
    rungs: [
      ['Small leather goods', 45_000],
      ['Bags', 280_000],
      ['Exotic bags', 1_800_000],
    ],
    gift: 1,
  },
  {
    name: 'Ready-to-wear',
    rungs: [
      ['Accessories', 48_000],
      ['Knitwear', 160_000],
      ['Outerwear', 420_000],
    ],
    gift: 0.7,
  },
  {
    name: 'Jewellery',
    rungs: [
      ['Fashion jewellery', 65_000],
      ['Fine jewellery', 480_000],
      ['High jewellery', 4_500_000],
    ],
    gift: 1.6,
  },
  {
    name: 'Watches',
    rungs: [
      ['Quartz watches', 380_000],
      ['Automatic watches', 1_100_000],
      ['Complications', 5_500_000],
    ],
    gift: 0.6,
  },
  {
    name: 'Fragrance',
    rungs: [
      ['Eau de toilette', 14_000],
      ['Eau de parfum', 26_000],
      ['Extraits', 52_000],
    ],
    gift: 2.2,
  },
];
const COLLECTIONS = ['Monogram', 'Riviera', 'Etoile', 'Atelier', 'Nuit'] as const;

export const STORES: readonly GeneratedStore[] = [
  { storeId: 'PAR-01', region: 'EU', country: 'FR', currency: 'EUR', eurRate: 1 },
  { storeId: 'PAR-02', region: 'EU', country: 'FR', currency: 'EUR', eurRate: 1 },
  { storeId: 'MIL-01', region: 'EU', country: 'IT', currency: 'EUR', eurRate: 1 },
  { storeId: 'LON-01', region: 'UK', country: 'GB', currency: 'GBP', eurRate: 1.17 },
  { storeId: 'DXB-01', region: 'ME', country: 'AE', currency: 'AED', eurRate: 0.25 },
  { storeId: 'RUH-01', region: 'ME', country: 'SA', currency: 'SAR', eurRate: 0.245 },
  { storeId: 'SHA-01', region: 'CN', country: 'CN', currency: 'CNY', eurRate: 0.128 },
  { storeId: 'PEK-01', region: 'CN', country: 'CN', currency: 'CNY', eurRate: 0.128 },
  { storeId: 'HKG-01', region: 'HK', country: 'HK', currency: 'HKD', eurRate: 0.118 },
  { storeId: 'SIN-01', region: 'SG', country: 'SG', currency: 'SGD', eurRate: 0.69 },
  // JPY and KRW have no minor unit: one yen is 0.0058 EUR, i.e. 0.58 euro cents.
  { storeId: 'TYO-01', region: 'JP', country: 'JP', currency: 'JPY', eurRate: 0.58 },
  { storeId: 'SEL-01', region: 'KR', country: 'KR', currency: 'KRW', eurRate: 0.068 },
  { storeId: 'NYC-01', region: 'US', country: 'US', currency: 'USD', eurRate: 0.92 },
  { storeId: 'LAX-01', region: 'US', country: 'US', currency: 'USD', eurRate: 0.92 },
];

const ADJECTIVES = [
  'Classic',
  'Signature',
  'Mini',
  'Grand',
  'Soft',
  'Heritage',
  'Twist',
  'Voyage',
  'Plume',
];

function catalogue(random: () => number): GeneratedItem[] {
  const items: GeneratedItem[] = [];
  for (const [c, cat] of CATEGORIES.entries()) {
    for (const [r, [rung, base]] of cat.rungs.entries()) {
      const n = 6 + Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        const collection = COLLECTIONS[(i + r + c) % COLLECTIONS.length] ?? 'Monogram';
        const adjective = ADJECTIVES[(i * 7 + r * 3 + c) % ADJECTIVES.length] ?? 'Classic';
        items.push({
          sku: `${cat.name.slice(0, 3).toUpperCase()}-${String(r + 1)}${String(i + 1).padStart(2, '0')}`,
          name: `${adjective} ${rung.replace(/s$/, '').toLowerCase()} ${collection}`,
          categoryPath: [cat.name, rung],
          collection,
          priceEur: Math.round((base * (0.7 + random() * 0.8)) / 100) * 100,
          rungIndex: r,
        });
      }
    }
  }
  return items;
}

function pick<T>(random: () => number, list: readonly T[]): T {
  const x = list[Math.floor(random() * list.length)];
  if (x === undefined) throw new Error('empty list');
  return x;
}

function weighted<T>(random: () => number, list: readonly (readonly [T, number])[]): T {
  const total = list.reduce((n, [, w]) => n + w, 0);
  let x = random() * total;
  for (const [v, w] of list) {
    x -= w;
    if (x <= 0) return v;
  }
  const last = list.at(-1);
  if (!last) throw new Error('empty list');
  return last[0];
}

/** Seasonal weight of a day-of-year for a category (gifting in Nov–Dec, summer travel). */
function seasonal(dayOfYear: number, category: string): number {
  const gifting =
    dayOfYear >= 305 ? (category === 'Fragrance' || category === 'Jewellery' ? 2.5 : 1.6) : 1;
  const summer = dayOfYear >= 170 && dayOfYear <= 240 ? 1.3 : 1;
  return gifting * summer;
}

export function generateHistory(options: GeneratorOptions): GeneratedHistory {
  const random = prng(options.seed ?? 20_260_301);
  const from = Date.parse(`${options.from ?? '2023-01-01'}T00:00:00Z`);
  const days = options.days ?? 3 * 365;
  const items = catalogue(random);
  const byRung = new Map<string, GeneratedItem[]>();
  for (const item of items) {
    const key = `${item.categoryPath[0]}|${String(item.rungIndex)}`;
    byRung.set(key, [...(byRung.get(key) ?? []), item]);
  }
  const clients: GeneratedClient[] = [];
  const transactions: GeneratedTransaction[] = [];
  let n = 0;
  const id = (kind: string) =>
    deterministicEventId({
      sourceSystem: 'eval.generator',
      sourceId: `${String(options.seed ?? 0)}/${String(n++)}`,
      type: kind,
    });

  for (let c = 0; c < options.clients; c++) {
    const clientId = `eval-client-${String(c).padStart(6, '0')}`;
    const segment = weighted(random, [
      ['one-time', 40],
      ['regular', 45],
      ['vic', 10],
      ['collector', 5],
    ] as const);
    const homeStore = pick(random, STORES);
    clients.push({ clientId, segment, homeStore });
    const favourites = [pick(random, CATEGORIES)];
    if (random() < 0.5) favourites.push(pick(random, CATEGORIES));
    const collection = segment === 'collector' || random() < 0.6 ? pick(random, COLLECTIONS) : null;
    const traveller = random() < 0.25;
    const purchases =
      segment === 'one-time'
        ? 1
        : segment === 'regular'
          ? 2 + Math.floor(random() * 7)
          : 8 + Math.floor(random() * 23);
    const startRung = segment === 'vic' ? (random() < 0.4 ? 1 : 0) : 0;
    const stepUp = segment === 'vic' ? 0.45 : segment === 'collector' ? 0.3 : 0.3;
    const rung = new Map<string, number>();
    const owned = new Set<string>();
    const start = from + random() * days * 0.6 * 86_400_000;
    let t = start;
    for (let p = 0; p < purchases; p++) {
      t += (20 + random() * (segment === 'vic' ? 80 : 200)) * 86_400_000;
      if (t > from + days * 86_400_000) break;
      const date = new Date(t);
      const doy = Math.floor((t - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000);
      const category = weighted(
        random,
        CATEGORIES.map((cat) => [
          cat,
          (favourites.includes(cat) ? 6 : 0.6) *
            seasonal(doy, cat.name) *
            (segment === 'one-time' ? cat.gift : 1),
        ]),
      );
      const current = rung.get(category.name);
      const next =
        current === undefined ? startRung : Math.min(2, current + (random() < stepUp ? 1 : 0));
      rung.set(category.name, next);
      const choose = (cat: string, r: number): GeneratedItem | undefined => {
        const options = (byRung.get(`${cat}|${String(r)}`) ?? []).filter((i) => !owned.has(i.sku));
        if (options.length === 0) return undefined;
        const inCollection = options.filter((i) => i.collection === collection);
        const pool =
          collection !== null && inCollection.length > 0 && random() < 0.7 ? inCollection : options;
        // Within a rung, the first pieces of each collection are the icons: they sell more.
        return weighted(
          random,
          pool.map((i, k) => [i, 1 / (1 + k * 0.35)]),
        );
      };
      const main = choose(category.name, next);
      if (!main) continue;
      const basket = [main];
      if (category.name === 'Leather goods' && next >= 1 && random() < 0.4) {
        const slg = choose('Leather goods', 0);
        if (slg && slg.sku !== main.sku) basket.push(slg);
      }
      if (category.name === 'Ready-to-wear' && next >= 1 && random() < 0.35) {
        const acc = choose('Ready-to-wear', 0);
        if (acc && acc.sku !== main.sku) basket.push(acc);
      }
      if (category.name !== 'Fragrance' && random() < 0.12) {
        const frg = choose('Fragrance', Math.min(2, next));
        if (frg) basket.push(frg);
      }
      for (const i of basket) if (i.categoryPath[0] !== 'Fragrance') owned.add(i.sku);
      const month = date.getUTCMonth();
      let store = homeStore;
      let channel: 'boutique' | 'ecommerce' = 'boutique';
      if (traveller && random() < 0.45) {
        if (homeStore.region === 'ME')
          store =
            month >= 5 && month <= 8
              ? pick(
                  random,
                  STORES.filter((s) => ['LON-01', 'PAR-01'].includes(s.storeId)),
                )
              : homeStore;
        else if (homeStore.region === 'CN')
          store = pick(
            random,
            STORES.filter((s) => ['PAR-01', 'MIL-01', 'HKG-01'].includes(s.storeId)),
          );
        else store = pick(random, STORES);
      } else if (random() < 0.15) channel = 'ecommerce';
      const occurredAtMs = Math.floor(t / 60_000) * 60_000;
      const sale: GeneratedTransaction = {
        transactionId: id('sale'),
        clientId: random() < 0.08 ? null : clientId,
        kind: 'sale',
        storeId: channel === 'ecommerce' ? null : store.storeId,
        channel,
        occurredAt: new Date(occurredAtMs).toISOString(),
        occurredAtMs,
        lines: basket.map((i) => ({ sku: i.sku, quantity: 1 })),
        originalTransactionId: null,
        store,
      };
      transactions.push(sale);
      const returned = basket.filter(() => random() < 0.05);
      if (returned.length > 0) {
        const at = occurredAtMs + Math.floor(((2 + random() * 25) * 86_400_000) / 60_000) * 60_000;
        for (const r of returned) owned.delete(r.sku);
        transactions.push({
          ...sale,
          transactionId: id('return'),
          kind: 'return',
          occurredAt: new Date(at).toISOString(),
          occurredAtMs: at,
          lines: returned.map((i) => ({ sku: i.sku, quantity: 1 })),
          originalTransactionId: sale.transactionId,
        });
      }
    }
  }
  transactions.sort(
    (a, b) => a.occurredAtMs - b.occurredAtMs || (a.transactionId < b.transactionId ? -1 : 1),
  );
  return {
    items,
    stores: STORES,
    clients,
    transactions,
    from: new Date(from).toISOString(),
    to: new Date(from + days * 86_400_000).toISOString(),
  };
}
