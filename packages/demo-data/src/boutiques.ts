import type { Region } from '@maison/event-contracts';

export interface DemoBoutique {
  readonly storeId: string;
  readonly name: string;
  readonly city: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  readonly region: Region;
  readonly currency: string;
  readonly timeZone: string;
  /** The POS system and its installation (scope of POS customer numbers). */
  readonly posScope: string;
  readonly language: string;
}

/** The house's boutiques (and its web shop, storeId null in transactions). */
export const BOUTIQUES: readonly DemoBoutique[] = [
  {
    storeId: 'PAR-01',
    name: 'Paris Faubourg',
    city: 'Paris',
    country: 'FR',
    region: 'EU',
    currency: 'EUR',
    timeZone: 'Europe/Paris',
    posScope: 'cegid:fr',
    language: 'fr',
  },
  {
    storeId: 'LON-01',
    name: 'London Bond Street',
    city: 'London',
    country: 'GB',
    region: 'UK',
    currency: 'GBP',
    timeZone: 'Europe/London',
    posScope: 'cegid:gb',
    language: 'en',
  },
  {
    storeId: 'DXB-01',
    name: 'Dubai Mall',
    city: 'Dubai',
    country: 'AE',
    region: 'ME',
    currency: 'AED',
    timeZone: 'Asia/Dubai',
    posScope: 'xstore:me',
    language: 'ar',
  },
  {
    storeId: 'SHA-01',
    name: 'Shanghai Plaza 66',
    city: 'Shanghai',
    country: 'CN',
    region: 'CN',
    currency: 'CNY',
    timeZone: 'Asia/Shanghai',
    posScope: 'xstore:cn',
    language: 'zh',
  },
  {
    storeId: 'TYO-01',
    name: 'Tokyo Ginza',
    city: 'Tokyo',
    country: 'JP',
    region: 'JP',
    currency: 'JPY',
    timeZone: 'Asia/Tokyo',
    posScope: 'xstore:jp',
    language: 'ja',
  },
  {
    storeId: 'SEL-01',
    name: 'Seoul Cheongdam',
    city: 'Seoul',
    country: 'KR',
    region: 'KR',
    currency: 'KRW',
    timeZone: 'Asia/Seoul',
    posScope: 'xstore:kr',
    language: 'ko',
  },
  {
    storeId: 'NYC-01',
    name: 'New York Madison Avenue',
    city: 'New York',
    country: 'US',
    region: 'US',
    currency: 'USD',
    timeZone: 'America/New_York',
    posScope: 'cegid:us',
    language: 'en',
  },
];

/** The web shop: one Shopify store per currency zone in reality; one here. */
export const WEB_SHOP = {
  scope: 'shopify:maison-aurele.myshopify.com',
  region: 'EU',
  currency: 'EUR',
} as const;

/** Euros per unit of each currency on the demo's reference day (ECB-style: units per EUR). */
export const UNITS_PER_EUR: Readonly<Record<string, number>> = {
  EUR: 1,
  GBP: 0.85,
  AED: 3.98,
  SAR: 4.06,
  CNY: 7.82,
  HKD: 8.45,
  SGD: 1.46,
  JPY: 162.5,
  KRW: 1475,
  USD: 1.083,
  KWD: 0.333,
  BHD: 0.408,
};

/** ISO 4217 minor-unit exponents of the demo's currencies. */
export const CURRENCY_EXPONENT: Readonly<Record<string, number>> = {
  EUR: 2,
  GBP: 2,
  AED: 2,
  SAR: 2,
  CNY: 2,
  HKD: 2,
  SGD: 2,
  USD: 2,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  BHD: 3,
};
