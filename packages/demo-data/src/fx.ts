import { UNITS_PER_EUR } from './boutiques.js';
import { Random } from './random.js';
import { dateOfDay, dayOf } from './time.js';

const CURRENCIES = [
  'USD',
  'JPY',
  'GBP',
  'CNY',
  'HKD',
  'KRW',
  'SGD',
  'AED',
  'SAR',
  'KWD',
  'BHD',
] as const;

const DECIMALS: Readonly<Record<string, number>> = { JPY: 2, KRW: 2 };

/**
 * Demo reference rates in the layout of the ECB's euro foreign exchange reference rates history
 * file (`eurofxref-hist.csv`: a `Date` column then one column per currency in units per euro,
 * newest day first, business days only). The ECB publishes no AED, SAR, KWD or BHD rate; the demo
 * adds those columns so every boutique's currency converts. Deterministic: a small random walk
 * around `UNITS_PER_EUR` from the seed.
 */
export function ecbRatesCsv(options: { from: string; to: string; seed?: number }): string {
  const r = new Random(options.seed ?? 7);
  const first = dayOf(options.from);
  const last = dayOf(options.to);
  const level = new Map<string, number>(CURRENCIES.map((c) => [c, UNITS_PER_EUR[c] ?? 1]));
  const rows: string[] = [];
  for (let day = first; day <= last; day++) {
    const weekday = new Date(day * 86_400_000).getUTCDay();
    for (const c of CURRENCIES) {
      const base = UNITS_PER_EUR[c] ?? 1;
      const current = level.get(c) ?? base;
      // Mean-reverting walk: stays within a few percent of the reference level.
      level.set(c, current + (base - current) * 0.05 + base * (r.next() - 0.5) * 0.006);
    }
    if (weekday === 0 || weekday === 6) continue;
    const { year, month, day: d } = dateOfDay(day);
    const date = `${String(year)}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const values = CURRENCIES.map((c) => (level.get(c) ?? 1).toFixed(DECIMALS[c] ?? 4));
    rows.push(`${date},${values.join(',')},`);
  }
  return `Date,${CURRENCIES.join(',')},\n${rows.reverse().join('\n')}\n`;
}
