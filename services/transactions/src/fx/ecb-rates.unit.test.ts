import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SAMPLE_RATES_FILE } from '../config.js';
import { currencyExponent, decimalToMinor, isCurrency, minorToDecimal } from '../money/currency.js';
import { FxFileError, FxRates } from './ecb-rates.js';

const CSV = `Date,USD,JPY,GBP,KWD,
2026-11-20,1.0433,156.51,0.82890,0.32058,
2026-11-19,1.0447,N/A,0.82937,0.32101,
2026-11-16,1.0481,157.63,0.83101,0.32206,
`;

describe('currencies', () => {
  it('knows ISO 4217 codes and their exponents', () => {
    expect([
      isCurrency('EUR'),
      isCurrency('JPY'),
      isCurrency('KWD'),
      isCurrency('XYZ'),
      isCurrency('eur'),
      isCurrency('XAU'),
    ]).toEqual([true, true, true, false, false, false]);
    expect(['EUR', 'JPY', 'KRW', 'BHD', 'KWD', 'USD'].map(currencyExponent)).toEqual([
      2, 0, 0, 3, 3, 2,
    ]);
  });

  it('converts decimals exactly and refuses extra precision', () => {
    expect(decimalToMinor('1250.5', 'EUR')).toEqual({ ok: true, minor: 125050 });
    expect(decimalToMinor('125000', 'JPY')).toEqual({ ok: true, minor: 125000 });
    expect(decimalToMinor('12.345', 'KWD')).toEqual({ ok: true, minor: 12345 });
    expect(decimalToMinor('1.50', 'JPY')).toMatchObject({ ok: false });
    expect(decimalToMinor('12,50', 'EUR')).toMatchObject({ ok: false });
    expect(minorToDecimal(12345, 'KWD')).toBe('12.345');
    expect(minorToDecimal(-5, 'EUR')).toBe('-0.05');
  });

  it('round-trips minor units through decimals for every exponent (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.constantFrom('EUR', 'JPY', 'KWD', 'CLF'),
        (n, c) => {
          expect(decimalToMinor(minorToDecimal(n, c), c)).toEqual({ ok: true, minor: n });
        },
      ),
    );
  });
});

describe('ECB reference rates', () => {
  const fx = FxRates.parse(CSV);

  it('converts at the business date, or the nearest earlier one within the gap', () => {
    // 100.00 USD on 2026-11-20 → EUR at 1.0433 → 95.85
    expect(fx.convert(10_000, 'USD', 'EUR', '2026-11-20', 5)).toMatchObject({
      ok: true,
      conversion: { amountMinor: 9585, rateDate: '2026-11-20' },
    });
    // a Saturday takes Friday's rate
    expect(fx.convert(10_000, 'USD', 'EUR', '2026-11-21', 5)).toMatchObject({
      ok: true,
      conversion: { rateDate: '2026-11-20' },
    });
    // N/A for JPY on the 19th: the 16th, three days before
    expect(fx.convert(100_000, 'JPY', 'EUR', '2026-11-19', 5)).toMatchObject({
      ok: true,
      conversion: { rateDate: '2026-11-16' },
    });
    // cross rates through the euro, exponents 0 → 3
    const r = fx.convert(100_000, 'JPY', 'KWD', '2026-11-20', 5);
    expect(r).toMatchObject({
      ok: true,
      conversion: { amountMinor: Math.round((100_000 / 156.51) * 0.32058 * 1000), currency: 'KWD' },
    });
  });

  it('refuses to guess beyond the gap or before the file', () => {
    expect(fx.convert(100, 'USD', 'EUR', '2026-11-30', 5)).toMatchObject({ ok: false });
    expect(fx.convert(100, 'USD', 'EUR', '2020-01-01', 5)).toMatchObject({ ok: false });
    expect(fx.convert(100, 'AED', 'EUR', '2026-11-20', 5)).toMatchObject({
      ok: false,
      message: expect.stringContaining('AED/EUR'),
    });
    expect(fx.convert(100, 'EUR', 'EUR', '1999-01-01', 0)).toMatchObject({
      ok: true,
      conversion: { amountMinor: 100, rate: '1' },
    });
  });

  it('rejects files that are not in the format, naming the line', () => {
    expect(() => FxRates.parse('Day,USD\n2026-01-01,1.1\n')).toThrow(FxFileError);
    expect(() => FxRates.parse('Date,USD\n2026-02-30,1.1\n')).toThrow(/line 2/);
    expect(() => FxRates.parse('Date,USD\n2026-01-02,abc\n')).toThrow(/line 2: USD/);
  });

  it('reads the shipped sample and keeps sign and rounding symmetric (property)', () => {
    const sample = FxRates.parse(readFileSync(SAMPLE_RATES_FILE, 'utf8'));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e10 }),
        fc.constantFrom('USD', 'JPY', 'GBP', 'KRW', 'BHD', 'AED'),
        (n, c) => {
          const a = sample.convert(n, c, 'EUR', '2026-06-15', 5);
          const b = sample.convert(-n, c, 'EUR', '2026-06-15', 5);
          expect(a.ok && b.ok && a.conversion.amountMinor === -b.conversion.amountMinor).toBe(true);
        },
      ),
    );
  });
});
