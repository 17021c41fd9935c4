/**
 * Where a purchase happened, in words an associate reads: the boutique's city from its code
 * (`DXB-01` → Dubai), "online" for e-commerce, else the country. Store codes are operational
 * data, never personal.
 */
const CITIES: Readonly<Record<string, string>> = {
  PAR: 'Paris',
  LON: 'London',
  MIL: 'Milan',
  DXB: 'Dubai',
  RUH: 'Riyadh',
  SHA: 'Shanghai',
  PEK: 'Beijing',
  BJS: 'Beijing',
  HKG: 'Hong Kong',
  SIN: 'Singapore',
  TYO: 'Tokyo',
  SEL: 'Seoul',
  NYC: 'New York',
  LAX: 'Los Angeles',
  GVA: 'Geneva',
  ZRH: 'Zurich',
  MUC: 'Munich',
  MAD: 'Madrid',
  KWI: 'Kuwait City',
  BAH: 'Manama',
};

let regionNames: Intl.DisplayNames | undefined;
function countryName(code: string): string | undefined {
  try {
    regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
    const name = regionNames.of(code);
    return name === code ? undefined : name;
  } catch {
    return undefined;
  }
}

/** The city of a store code, when its prefix is a known city code. */
export function storeCity(storeId: string | null): string | undefined {
  if (storeId === null) return undefined;
  const prefix = /^[A-Za-z]{3}/.exec(storeId)?.[0]?.toUpperCase();
  return prefix === undefined ? undefined : CITIES[prefix];
}

/** "in Dubai", "online", "in France", "in boutique X-1". */
export function placePhrase(storeId: string | null, channel: string, country: string): string {
  if (channel === 'ecommerce') return 'online';
  const city = storeCity(storeId);
  if (city) return `in ${city}`;
  const name = countryName(country);
  if (name) return `in ${name}`;
  return storeId ? `in boutique ${storeId}` : 'in store';
}

/** "boutique DXB-01 (Dubai)", "region ME", "all boutiques". */
export function scopeLabel(scope: string): string {
  if (scope === 'all') return 'all boutiques';
  if (scope.startsWith('region:')) return `region ${scope.slice('region:'.length)}`;
  const store = scope.slice('store:'.length);
  const city = storeCity(store);
  return city ? `boutique ${store} (${city})` : `boutique ${store}`;
}

/** The local calendar date of an ISO instant with offset (as the store saw it). */
export function localDate(iso: string): string {
  return iso.slice(0, 10);
}
