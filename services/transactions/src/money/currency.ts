/**
 * ISO 4217: which codes exist and how many minor-unit digits each has. Money is integer minor
 * units everywhere in the service; decimal strings (Shopify prices, CSV backfills) are converted
 * here, exactly, by the currency's exponent.
 */

/** Exponents other than 2 (ISO 4217 list one, current and fund codes). */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

// Precious metals, testing and "no currency" codes are not money a client pays with.
const NOT_MONEY = new Set([
  'XAU',
  'XAG',
  'XPT',
  'XPD',
  'XTS',
  'XXX',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XSU',
  'XUA',
]);

const KNOWN: ReadonlySet<string> = new Set(
  Intl.supportedValuesOf('currency').filter((c) => /^[A-Z]{3}$/.test(c) && !NOT_MONEY.has(c)),
);

export function isCurrency(code: string): boolean {
  return KNOWN.has(code);
}

/** Minor-unit digits of a currency (JPY 0, EUR 2, KWD 3). */
export function currencyExponent(code: string): number {
  return EXPONENTS[code] ?? 2;
}

/** `"1250.5"` EUR → 125050; refuses more decimals than the currency has, signs other than `-`. */
export function decimalToMinor(
  value: string,
  currency: string,
): { ok: true; minor: number } | { ok: false; message: string } {
  const exponent = currencyExponent(currency);
  const m = /^(-?)(\d{1,15})(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return { ok: false, message: 'must be a decimal number such as 1250.00' };
  const [, sign = '', whole = '0', fraction = ''] = m;
  if (fraction.length > exponent && /[1-9]/.test(fraction.slice(exponent)))
    return { ok: false, message: `has more decimals than ${currency} allows (${exponent})` };
  const digits = whole + fraction.slice(0, exponent).padEnd(exponent, '0');
  const minor = Number(digits) * (sign === '-' ? -1 : 1);
  if (!Number.isSafeInteger(minor)) return { ok: false, message: 'is too large' };
  return { ok: true, minor: minor === 0 ? 0 : minor };
}

/** 125050 EUR → "1250.50"; 125000 JPY → "125000". */
export function minorToDecimal(minor: number | bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const n = BigInt(minor);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}
