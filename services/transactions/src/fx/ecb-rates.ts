import { currencyExponent } from '../money/currency.js';

/**
 * Dated FX reference rates in the ECB's CSV format (`eurofxref-hist.csv`): a header
 * `Date,USD,JPY,…` (often with a trailing comma), one row per TARGET working day, newest first,
 * each value the units of that currency for one euro, `N/A` where the ECB published none. The
 * house may add columns for currencies the ECB does not quote (AED, SAR, KWD, BHD) in the same
 * format. Conversions are exact rational arithmetic on the decimal strings, rounded half away
 * from zero once, at the end.
 */

interface Decimal {
  readonly digits: bigint;
  readonly scale: number;
}

export class FxFileError extends Error {
  override readonly name = 'FxFileError';
}

function parseDecimal(text: string): Decimal | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const fraction = m[2] ?? '';
  const digits = BigInt(`${m[1] ?? '0'}${fraction}`);
  return digits === 0n ? undefined : { digits, scale: fraction.length };
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** `2024-01-05`, or the daily file's `05 January 2024`. */
function parseDate(text: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && isCalendarDate(text)) return text;
  const m = /^(\d{1,2}) ([A-Za-z]+) (\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf((m[2] ?? '').toLowerCase()) : -1;
  if (!m || month < 0) return undefined;
  const iso = `${m[3] ?? ''}-${String(month + 1).padStart(2, '0')}-${(m[1] ?? '').padStart(2, '0')}`;
  return isCalendarDate(iso) ? iso : undefined;
}

export function isCalendarDate(iso: string): boolean {
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso;
}

function daysBetween(earlier: string, later: string): number {
  return Math.round(
    (Date.parse(`${later}T00:00:00Z`) - Date.parse(`${earlier}T00:00:00Z`)) / 86_400_000,
  );
}

export interface Conversion {
  readonly amountMinor: number;
  readonly currency: string;
  /** Units of the target currency per unit of the source, 10 decimals. */
  readonly rate: string;
  readonly rateDate: string;
  readonly source: string;
}

export type ConversionResult =
  | { readonly ok: true; readonly conversion: Conversion }
  | { readonly ok: false; readonly message: string };

export class FxRates {
  /** Dates ascending; rates per date (EUR implicit 1). */
  readonly #dates: string[];
  readonly #rates: Map<string, Map<string, Decimal>>;
  readonly source: string;

  private constructor(rates: Map<string, Map<string, Decimal>>, source: string) {
    this.#rates = rates;
    this.#dates = [...rates.keys()].sort();
    this.source = source;
  }

  static parse(csv: string, source = 'ecb-eurofxref'): FxRates {
    const lines = csv.split(/\r?\n/);
    const header = (lines[0] ?? '').split(',').map((h) => h.trim());
    if (header[0] !== 'Date') throw new FxFileError('line 1: the first column must be "Date"');
    const columns = header.slice(1);
    for (const [i, c] of columns.entries()) {
      if (c === '' && i === columns.length - 1) continue; // the ECB's trailing comma
      if (!/^[A-Z]{3}$/.test(c))
        throw new FxFileError(`line 1: column ${i + 2} is not a currency code`);
    }
    const rates = new Map<string, Map<string, Decimal>>();
    for (let n = 1; n < lines.length; n++) {
      const line = (lines[n] ?? '').trim();
      if (line === '') continue;
      const cells = line.split(',').map((c) => c.trim());
      const date = parseDate(cells[0] ?? '');
      if (date === undefined) throw new FxFileError(`line ${n + 1}: not a date`);
      if (rates.has(date)) throw new FxFileError(`line ${n + 1}: ${date} appears twice`);
      const day = new Map<string, Decimal>();
      for (const [i, code] of columns.entries()) {
        const cell = cells[i + 1] ?? '';
        if (code === '' || cell === '' || cell === 'N/A') continue;
        const rate = parseDecimal(cell);
        if (rate === undefined)
          throw new FxFileError(`line ${n + 1}: ${code} is not a positive rate`);
        day.set(code, rate);
      }
      rates.set(date, day);
    }
    if (rates.size === 0) throw new FxFileError('the file has no rates');
    return new FxRates(rates, source);
  }

  get firstDate(): string {
    return this.#dates[0] ?? '';
  }

  get lastDate(): string {
    return this.#dates.at(-1) ?? '';
  }

  #rate(date: string, currency: string): Decimal | undefined {
    if (currency === 'EUR') return { digits: 1n, scale: 0 };
    return this.#rates.get(date)?.get(currency);
  }

  /**
   * The amount in `to`, at the rates of `businessDate` or the nearest earlier date that has both
   * currencies, at most `maxGapDays` before; otherwise a refusal that says why.
   */
  convert(
    amountMinor: number,
    from: string,
    to: string,
    businessDate: string,
    maxGapDays: number,
  ): ConversionResult {
    if (from === to)
      return {
        ok: true,
        conversion: {
          amountMinor,
          currency: to,
          rate: '1',
          rateDate: businessDate,
          source: 'identity',
        },
      };
    // binary search for the last date <= businessDate
    let lo = 0;
    let hi = this.#dates.length - 1;
    let start = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#dates[mid] ?? '') <= businessDate) {
        start = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = start; i >= 0; i--) {
      const date = this.#dates[i] ?? '';
      if (daysBetween(date, businessDate) > maxGapDays) break;
      const rFrom = this.#rate(date, from);
      const rTo = this.#rate(date, to);
      if (rFrom === undefined || rTo === undefined) continue;
      return {
        ok: true,
        conversion: convertAt(amountMinor, from, to, rFrom, rTo, date, this.source),
      };
    }
    return {
      ok: false,
      message: `no ${from}/${to} rate on ${businessDate} or within ${maxGapDays} days before it`,
    };
  }
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** a / b rounded half away from zero. */
function divRound(a: bigint, b: bigint): bigint {
  const negative = a < 0n !== b < 0n;
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  const q = (2n * x + y) / (2n * y);
  return negative ? -q : q;
}

function convertAt(
  amountMinor: number,
  from: string,
  to: string,
  rFrom: Decimal,
  rTo: Decimal,
  rateDate: string,
  source: string,
): Conversion {
  // to per from = (tD / 10^tS) / (fD / 10^fS); minor units differ by 10^(eTo - eFrom)
  const expDiff = currencyExponent(to) - currencyExponent(from);
  let num = BigInt(amountMinor) * rTo.digits * pow10(rFrom.scale);
  let den = rFrom.digits * pow10(rTo.scale);
  if (expDiff >= 0) num *= pow10(expDiff);
  else den *= pow10(-expDiff);
  const amount = divRound(num, den);
  const scaled = divRound(
    rTo.digits * pow10(rFrom.scale) * pow10(10),
    rFrom.digits * pow10(rTo.scale),
  );
  const text = scaled.toString().padStart(11, '0');
  const rate = `${text.slice(0, -10)}.${text.slice(-10)}`.replace(/\.?0+$/, '') || '0';
  return { amountMinor: Number(amount), currency: to, rate, rateDate, source };
}
