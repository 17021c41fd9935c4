import type { Region } from '@maison/event-contracts';
import {
  BOUTIQUES,
  CURRENCY_EXPONENT,
  UNITS_PER_EUR,
  WEB_SHOP,
  type DemoBoutique,
} from './boutiques.js';
import { CATALOGUE, type DemoProduct } from './catalogue.js';
import { demoName, emailLocalPart, type Culture, type DemoName } from './names.js';
import { Random } from './random.js';
import { dateOfDay, dayOf, localIso } from './time.js';

export type Segment = 'one_time' | 'regular' | 'vic' | 'collector';

export interface DemoIdentifier {
  readonly type: string;
  readonly value: string;
  readonly scope?: string;
}

export interface DemoAssociate {
  readonly associateId: string;
  readonly storeId: string;
  /** A display pseudonym ("Camille D."): associates are staff, not clients. */
  readonly displayName: string;
}

export interface DemoClient {
  /** The demo's own reference; the platform assigns client ids. */
  readonly key: string;
  readonly culture: Culture;
  readonly segment: Segment;
  readonly name: DemoName;
  readonly languages: readonly string[];
  readonly homeStoreId: string;
  readonly homeRegion: Region;
  readonly country: string;
  readonly birthday: { readonly day: number; readonly month: number; readonly year?: number };
  readonly email: string;
  /** In the national format of the client's country, as a boutique types it. */
  readonly phone: string;
  readonly phoneCountry: string;
  /** The same number in international form, as a boutique abroad types it. */
  readonly phoneInternational: string;
  readonly loyaltyId: string | null;
  readonly shopCustomerId: string | null;
  readonly messaging: DemoIdentifier | null;
  /** POS customer number per POS installation the client was registered in. */
  readonly posCustomerNumbers: Readonly<Record<string, string>>;
  readonly sizes: Readonly<Record<string, string>>;
  readonly preferredChannel: string;
  readonly primaryAssociateId: string;
}

export interface DemoLine {
  readonly lineId: string;
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly categoryPath: readonly string[];
  readonly collection: string | null;
  readonly quantity: number;
  readonly unitPriceMinor: number;
  readonly discountMinor: number;
  readonly taxMinor: number;
  readonly originalLineId?: string;
}

export interface DemoTransaction {
  readonly clientKey: string | null;
  readonly sourceSystem: string;
  readonly sourceTransactionId: string;
  readonly kind: 'sale' | 'return';
  readonly originalSourceTransactionId: string | null;
  readonly channel: 'boutique' | 'ecommerce' | 'clienteling_remote';
  readonly storeId: string | null;
  readonly region: Region;
  readonly country: string;
  readonly associateId: string | null;
  readonly occurredAt: string;
  readonly currency: string;
  readonly lines: readonly DemoLine[];
  /** Sum of line totals, signed from the client's side (negative for a return). */
  readonly totalMinor: number;
  /** What the source knows of the customer, raw; empty = anonymous. */
  readonly customer: readonly DemoIdentifier[];
}

export interface DemoConsent {
  readonly clientKey: string;
  readonly purpose: 'marketing' | 'profiling' | 'analytics' | 'cross_border_transfer';
  readonly channel: string | null;
  readonly state: 'granted' | 'denied' | 'withdrawn';
  readonly occurredAt: string;
  readonly method: 'store' | 'associate' | 'web_form';
  readonly point: string;
  readonly storeId: string | null;
  readonly associateId: string | null;
  readonly jurisdiction: string;
  readonly language: string;
  readonly recipient: string | null;
  readonly nightTime: boolean;
}

export interface DemoNote {
  readonly clientKey: string;
  readonly authorAssociateId: string;
  readonly storeId: string;
  readonly visibility: 'private' | 'store' | 'brand';
  readonly text: string;
  readonly at: string;
}

export interface DemoData {
  readonly seed: number;
  readonly boutiques: readonly DemoBoutique[];
  readonly associates: readonly DemoAssociate[];
  readonly catalogue: readonly DemoProduct[];
  readonly clients: readonly DemoClient[];
  /** In business-time order. */
  readonly transactions: readonly DemoTransaction[];
  readonly consents: readonly DemoConsent[];
  readonly notes: readonly DemoNote[];
}

export interface DemoOptions {
  readonly clients?: number;
  readonly seed?: number;
  /** The last business day of the history (ISO date); defaults to 2026-11-27. */
  readonly until?: string;
  /** Days of history before `until`; defaults to ~3 years. */
  readonly days?: number;
}

const CULTURE_BY_STORE: Readonly<Record<string, readonly (readonly [Culture, number])[]>> = {
  'PAR-01': [
    ['fr', 6],
    ['us', 1],
    ['zh', 1],
    ['ar', 1],
    ['ru', 1],
  ],
  'LON-01': [
    ['en', 6],
    ['ar', 2],
    ['us', 1],
    ['ru', 1],
  ],
  'DXB-01': [
    ['ar', 7],
    ['ru', 2],
    ['en', 1],
  ],
  'SHA-01': [['zh', 10]],
  'TYO-01': [
    ['ja', 8],
    ['zh', 2],
  ],
  'SEL-01': [
    ['ko', 9],
    ['zh', 1],
  ],
  'NYC-01': [
    ['us', 8],
    ['zh', 1],
    ['en', 1],
  ],
};

const HOME_COUNTRY: Readonly<Record<Culture, string>> = {
  fr: 'FR',
  en: 'GB',
  ar: 'AE',
  zh: 'CN',
  ja: 'JP',
  ko: 'KR',
  ru: 'RU',
  us: 'US',
};
const LANGUAGES: Readonly<Record<Culture, readonly string[]>> = {
  fr: ['fr', 'en'],
  en: ['en'],
  ar: ['ar', 'en'],
  zh: ['zh-Hans', 'en'],
  ja: ['ja'],
  ko: ['ko', 'en'],
  ru: ['ru', 'en'],
  us: ['en'],
};
/** Where a culture's clients travel to shop, besides home. */
const TRAVEL: Readonly<Record<Culture, readonly string[]>> = {
  fr: ['LON-01', 'NYC-01'],
  en: ['PAR-01'],
  ar: ['LON-01', 'PAR-01'],
  zh: ['PAR-01', 'TYO-01'],
  ja: ['PAR-01', 'SEL-01'],
  ko: ['TYO-01', 'PAR-01'],
  ru: ['DXB-01', 'LON-01'],
  us: ['PAR-01', 'LON-01'],
};
const MESSAGING: Readonly<Record<Culture, string>> = {
  fr: 'whatsapp',
  en: 'whatsapp',
  ar: 'whatsapp',
  zh: 'wechat_unionid',
  ja: 'line_id',
  ko: 'kakao_id',
  ru: 'whatsapp',
  us: 'whatsapp',
};
const JURISDICTION: Readonly<Record<Region, string>> = {
  EU: 'EU',
  UK: 'UK',
  CH: 'CH',
  ME: 'AE',
  CN: 'CN',
  HK: 'HK',
  SG: 'SG',
  JP: 'JP',
  KR: 'KR',
  US: 'US-NY',
};

/**
 * A mobile number in the national format of the country, from blocks libphonenumber's full
 * metadata accepts as allocated mobile ranges (the unit test checks every generated number).
 */
function nationalPhone(country: string, r: Random): string {
  const d = (n: number): string => Array.from({ length: n }, () => String(r.int(0, 9))).join('');
  switch (country) {
    case 'FR':
      return `06 12 ${d(2)} ${d(2)} ${d(2)}`;
    case 'GB':
      return `07700 ${d(6)}`.replace('07700', r.pick(['07712', '07400', '07500']));
    case 'AE':
      return `050 ${d(3)} ${d(4)}`;
    case 'CN':
      return `139 ${d(4)} ${d(4)}`;
    case 'JP':
      return `090-${r.pick(['1', '3'])}${d(3)}-${d(4)}`;
    case 'KR':
      return `010-${r.pick(['2', '9'])}${d(3)}-${d(4)}`;
    case 'RU':
      return `8 (916) ${d(3)}-${d(2)}-${d(2)}`;
    case 'US':
      return `(212) ${String(r.int(2, 9))}${d(2)}-${d(4)}`;
    default:
      throw new RangeError(`no demo phone format for ${country}`);
  }
}

const ENTRY_CATEGORIES = [
  'Leather goods',
  'Fragrance',
  'Accessories',
  'Jewellery',
  'Shoes',
  'Ready-to-wear',
];

/** Local price: converted from euros and rounded like a price list (to 10 units; JPY/KRW to 1000). */
export function localPriceMinor(priceEurMinor: number, currency: string): number {
  const units = UNITS_PER_EUR[currency];
  const exponent = CURRENCY_EXPONENT[currency];
  if (units === undefined || exponent === undefined)
    throw new RangeError(`unknown currency ${currency}`);
  const major = (priceEurMinor / 100) * units;
  const step = exponent === 0 ? 1000 : 10;
  return Math.max(step, Math.round(major / step) * step) * 10 ** exponent;
}

function taxRate(country: string): number {
  return (
    (
      { FR: 0.2, GB: 0.2, AE: 0.05, CN: 0.13, JP: 0.1, KR: 0.1, US: 0.08875 } as Record<
        string,
        number
      >
    )[country] ?? 0
  );
}

/** Generates the demo house: deterministic for a seed. */
export function generateDemoData(options: DemoOptions = {}): DemoData {
  const seed = options.seed ?? 1921;
  const r = new Random(seed);
  const clientCount = options.clients ?? 2000;
  const lastDay = dayOf(options.until ?? '2026-11-27');
  const firstDay = lastDay - (options.days ?? 1060);

  const associates: DemoAssociate[] = BOUTIQUES.flatMap((b) =>
    Array.from({ length: 6 }, (_, i) => {
      const name = demoName(r.pick(['fr', 'en', 'us'] as const), (xs) => r.pick(xs));
      return {
        associateId: `${b.storeId.toLowerCase()}-a${String(i + 1)}`,
        storeId: b.storeId,
        displayName: `${name.latin.given} ${name.latin.family.charAt(0)}.`,
      };
    }),
  );
  const associatesOf = (storeId: string): DemoAssociate[] =>
    associates.filter((a) => a.storeId === storeId);

  const clients: DemoClient[] = [];
  const transactions: DemoTransaction[] = [];
  const consents: DemoConsent[] = [];
  const notes: DemoNote[] = [];
  let txSeq = 0;

  for (let i = 0; i < clientCount; i++) {
    const home = r.weighted(
      BOUTIQUES.map((b) => [b, b.storeId === 'PAR-01' || b.storeId === 'SHA-01' ? 3 : 2] as const),
    );
    const culture = r.weighted<Culture>(CULTURE_BY_STORE[home.storeId] ?? [['en', 1]]);
    const country = HOME_COUNTRY[culture];
    const name = demoName(culture, (xs) => r.pick(xs));
    const national = nationalPhone(country, r);
    const segment = r.weighted<Segment>([
      ['one_time', 45],
      ['regular', 40],
      ['vic', 12],
      ['collector', 3],
    ]);
    const key = `c${String(i + 1).padStart(5, '0')}`;
    const primary = r.pick(associatesOf(home.storeId));
    const messagingType = MESSAGING[culture];
    const client: DemoClient = {
      key,
      culture,
      segment,
      name,
      languages: LANGUAGES[culture],
      homeStoreId: home.storeId,
      homeRegion: home.region,
      country,
      birthday: {
        day: r.chance(0.01) ? 29 : r.int(1, 28),
        month: r.chance(0.01) ? 2 : r.int(1, 12),
        ...(r.chance(0.6) ? { year: r.int(1955, 2002) } : {}),
      },
      email: `${emailLocalPart(name)}.${key}@${r.pick(['example.com', 'example.net', 'example.org'])}`,
      // Typed as the boutique does: national format for a local number, international otherwise.
      phone: country === home.country ? national : toInternational(country, national),
      phoneInternational: toInternational(country, national),
      phoneCountry: country,
      loyaltyId: segment === 'one_time' && r.chance(0.7) ? null : `MA-${String(100000 + i)}`,
      shopCustomerId: r.chance(0.35) ? String(7_100_000_000 + i * 7) : null,
      messaging: r.chance(0.5)
        ? messagingType === 'whatsapp'
          ? { type: 'whatsapp', value: nationalPhoneE164Hint(country, r) }
          : {
              type: messagingType,
              value:
                messagingType === 'wechat_unionid'
                  ? `oUn${r.uuid().replace(/-/g, '').slice(0, 25)}`
                  : `${emailLocalPart(name)
                      .replace(/[^a-z]/g, '')
                      .slice(0, 12)}${String(r.int(10, 9999))}`,
            }
        : null,
      posCustomerNumbers: { [home.posScope]: `C${String(880000 + i)}` },
      sizes: {
        shoes: String(r.int(36, 44)),
        'ready-to-wear': r.pick(['34', '36', '38', '40', '42', '48', '50']),
        ring: String(r.int(48, 58)),
      },
      preferredChannel: r.weighted([
        ['email', 3],
        [
          messagingType === 'wechat_unionid'
            ? 'wechat'
            : messagingType === 'kakao_id'
              ? 'kakaotalk'
              : messagingType === 'line_id'
                ? 'line'
                : 'whatsapp',
          4,
        ],
        ['phone', 1],
        ['in_store', 2],
      ]),
      primaryAssociateId: primary.associateId,
    };

    // Purchase history: count by segment, a favourite category, a price ladder that climbs.
    const purchases = {
      one_time: 1,
      regular: r.int(2, 6),
      vic: r.int(6, 16),
      collector: r.int(10, 24),
    }[segment];
    const favourite = r.pick(ENTRY_CATEGORIES);
    let ladder = segment === 'collector' ? 2 : 0;
    let day = r.int(firstDay, lastDay - 30);
    const posNumbers: Record<string, string> = { ...client.posCustomerNumbers };
    for (let p = 0; p < purchases && day <= lastDay; p++) {
      const online = r.chance(0.15);
      const travel = !online && r.chance(0.22);
      const store = online
        ? null
        : travel
          ? (BOUTIQUES.find((b) => b.storeId === r.pick(TRAVEL[culture])) ?? home)
          : home;
      if (store && posNumbers[store.posScope] === undefined && r.chance(0.6))
        posNumbers[store.posScope] = `C${String(500000 + i * 3 + p)}`;
      const category = r.chance(0.7) ? favourite : r.pick(ENTRY_CATEGORIES);
      const inCategory = CATALOGUE.filter((x) => x.categoryPath[0] === category).sort(
        (a, b) => a.priceEurMinor - b.priceEurMinor,
      );
      const step = Math.min(inCategory.length - 1, ladder + r.int(0, 1));
      const product = inCategory[Math.max(0, step)] ?? r.pick(CATALOGUE);
      const extra = r.chance(segment === 'vic' || segment === 'collector' ? 0.35 : 0.12)
        ? r.pick(CATALOGUE)
        : null;
      const currency = store?.currency ?? WEB_SHOP.currency;
      const countryOfSale = store?.country ?? 'FR';
      const date = dateOfDay(day);
      const occurredAt = localIso(store?.timeZone ?? 'Europe/Paris', {
        ...date,
        hour: r.int(10, 19),
        minute: r.int(0, 59),
      });
      const lines: DemoLine[] = [
        product,
        ...(extra && extra.sku !== product.sku ? [extra] : []),
      ].map((x, n) => {
        const unit = localPriceMinor(x.priceEurMinor, currency);
        const discount = segment === 'vic' && r.chance(0.1) ? Math.round(unit * 0.1) : 0;
        return {
          lineId: String(n + 1),
          sku: x.sku,
          productId: x.productId,
          name: x.name,
          categoryPath: x.categoryPath,
          collection: x.collection,
          quantity: 1,
          unitPriceMinor: unit,
          discountMinor: discount,
          // Prices are tax-inclusive (boutique price); the tax is shown, not added.
          taxMinor: Math.round(
            ((unit - discount) * taxRate(countryOfSale)) / (1 + taxRate(countryOfSale)),
          ),
        };
      });
      const total = lines.reduce((s, l) => s + l.quantity * l.unitPriceMinor - l.discountMinor, 0);
      // What the source knows: POS has its customer number (and often the loyalty card);
      // the web shop has the customer id and the e-mail; some boutique sales stay anonymous.
      const anonymous = !online && r.chance(0.08);
      const customer: DemoIdentifier[] = anonymous
        ? []
        : online
          ? [
              ...(client.shopCustomerId
                ? [{ type: 'ecom_customer', value: client.shopCustomerId, scope: WEB_SHOP.scope }]
                : []),
              { type: 'email', value: r.chance(0.3) ? client.email.toUpperCase() : client.email },
            ]
          : [
              ...(store && posNumbers[store.posScope]
                ? [
                    {
                      type: 'pos_customer',
                      value: posNumbers[store.posScope] ?? '',
                      scope: store.posScope,
                    },
                  ]
                : []),
              ...(client.loyaltyId && r.chance(0.7)
                ? [{ type: 'loyalty_id', value: client.loyaltyId }]
                : []),
              ...(r.chance(0.5) ? [{ type: 'email', value: client.email }] : []),
              ...(r.chance(0.4)
                ? [
                    {
                      type: 'phone',
                      value:
                        store?.country === client.country
                          ? client.phone
                          : client.phoneInternational,
                    },
                  ]
                : []),
            ];
      const associate = store
        ? r.chance(0.7) && store.storeId === home.storeId
          ? primary
          : r.pick(associatesOf(store.storeId))
        : null;
      txSeq++;
      const sourceSystem = online
        ? 'shopify'
        : store?.posScope.startsWith('cegid')
          ? 'pos.cegid'
          : 'pos.xstore';
      const sale: DemoTransaction = {
        clientKey: anonymous ? null : key,
        sourceSystem,
        sourceTransactionId: online
          ? `#${String(100000 + txSeq)}`
          : `${store?.storeId ?? 'WEB'}/${String(date.year)}/${String(txSeq).padStart(7, '0')}`,
        kind: 'sale',
        originalSourceTransactionId: null,
        channel: online
          ? 'ecommerce'
          : associate && r.chance(0.05)
            ? 'clienteling_remote'
            : 'boutique',
        storeId: store?.storeId ?? null,
        region: store?.region ?? WEB_SHOP.region,
        country: countryOfSale,
        associateId: associate?.associateId ?? null,
        occurredAt,
        currency,
        lines,
        totalMinor: total,
        customer,
      };
      transactions.push(sale);
      if (r.chance(0.04) && day + 10 <= lastDay) {
        const returned = lines[0];
        if (returned) {
          txSeq++;
          const rDate = dateOfDay(day + r.int(2, 10));
          transactions.push({
            ...sale,
            sourceTransactionId: `${sale.sourceTransactionId}-R`,
            kind: 'return',
            originalSourceTransactionId: sale.sourceTransactionId,
            occurredAt: localIso(store?.timeZone ?? 'Europe/Paris', {
              ...rDate,
              hour: r.int(10, 19),
              minute: r.int(0, 59),
            }),
            lines: [{ ...returned, lineId: '1', originalLineId: returned.lineId }],
            totalMinor: -(returned.quantity * returned.unitPriceMinor - returned.discountMinor),
          });
        }
      }
      if (p % 2 === 1) ladder++;
      day += r.int(20, segment === 'one_time' ? 400 : 140);
    }
    clients.push({ ...client, posCustomerNumbers: posNumbers });

    // Consents, collected at the first visit (web form for web-first clients).
    const firstAt = localIso(home.timeZone, {
      ...dateOfDay(firstDay + r.int(0, 30)),
      hour: 11,
      minute: r.int(0, 59),
    });
    const jurisdiction = JURISDICTION[home.region];
    const base = {
      clientKey: key,
      occurredAt: firstAt,
      method: 'associate' as const,
      point: home.storeId,
      storeId: home.storeId,
      associateId: primary.associateId,
      jurisdiction,
      language: client.languages[0] ?? 'en',
      recipient: null,
      nightTime: false,
    };
    consents.push({
      ...base,
      purpose: 'marketing',
      channel: 'email',
      state: r.chance(0.65) ? 'granted' : 'denied',
    });
    if (r.chance(0.5))
      consents.push({
        ...base,
        purpose: 'marketing',
        channel: client.preferredChannel === 'in_store' ? 'sms' : client.preferredChannel,
        state: 'granted',
        nightTime: home.region === 'KR' && r.chance(0.3),
      });
    const profiling = r.chance(0.6);
    consents.push({
      ...base,
      purpose: 'profiling',
      channel: null,
      state: profiling ? 'granted' : 'denied',
    });
    if (home.region === 'CN' && r.chance(0.35))
      consents.push({
        ...base,
        purpose: 'cross_border_transfer',
        channel: null,
        state: 'granted',
        recipient: 'Maison Aurèle SAS (Paris)',
      });
    if (profiling && r.chance(0.06)) {
      consents.push({
        ...base,
        purpose: 'profiling',
        channel: null,
        state: 'withdrawn',
        method: 'web_form',
        point: 'preference-centre',
        storeId: null,
        associateId: null,
        occurredAt: localIso(home.timeZone, {
          ...dateOfDay(lastDay - r.int(1, 200)),
          hour: 21,
          minute: 5,
        }),
      });
    }

    if (segment !== 'one_time' && r.chance(0.6)) {
      const texts = NOTE_TEXTS;
      for (let n = r.int(1, 3); n > 0; n--) {
        notes.push({
          clientKey: key,
          authorAssociateId: primary.associateId,
          storeId: home.storeId,
          visibility: r.weighted([
            ['private', 2],
            ['store', 5],
            ['brand', 3],
          ]),
          text: r.pick(texts),
          at: localIso(home.timeZone, {
            ...dateOfDay(r.int(firstDay, lastDay)),
            hour: r.int(10, 19),
            minute: r.int(0, 59),
          }),
        });
      }
    }
  }

  transactions.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  return {
    seed,
    boutiques: BOUTIQUES,
    associates,
    catalogue: CATALOGUE,
    clients,
    transactions,
    consents,
    notes,
  };
}

/** A WhatsApp number: the client's mobile in international form. */
function nationalPhoneE164Hint(country: string, r: Random): string {
  return toInternational(country, nationalPhone(country, r));
}

/** A national mobile number in international form (`+7 9161234567`). */
function toInternational(country: string, national: string): string {
  const cc: Record<string, string> = {
    FR: '33',
    GB: '44',
    AE: '971',
    CN: '86',
    JP: '81',
    KR: '82',
    RU: '7',
    US: '1',
  };
  const digits = national.replace(/\D/g, '');
  const trunk =
    country === 'RU'
      ? digits.replace(/^8/, '')
      : country === 'US' || country === 'CN'
        ? digits
        : digits.replace(/^0/, '');
  return `+${cc[country] ?? ''} ${trunk}`;
}

const NOTE_TEXTS: readonly string[] = [
  'Prefers appointments after 6 pm, private salon if possible.',
  'Interested in the Lune collection; asked to be told when the 36 mm arrives.',
  'Shopping for an anniversary in spring; likes rose gold.',
  'Travels to Paris every June; books a fitting ahead.',
  'Allergic to nickel: steel pieces only after checking.',
  'Collects Constellation pieces, owns the pendant and earrings.',
  'Prefers to be contacted by message, not by phone.',
  'Bought a gift for her mother; may come back for the matching bracelet.',
  'Asked about bespoke engraving on small leather goods.',
  'Likes neutral colours, no logos.',
];
