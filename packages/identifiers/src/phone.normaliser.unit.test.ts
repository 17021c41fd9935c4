import { describe, expect, it } from '@jest/globals';
import { canonicalKey, normaliseIdentifier, type IssueReason } from './index.js';

function e164(value: string, defaultCountry?: string): string {
  const result = normaliseIdentifier({ type: 'phone', value, defaultCountry });
  if (!result.ok) throw new Error(`${JSON.stringify(value)} (${defaultCountry}): ${result.reason}`);
  return result.identifier.value;
}

function reason(value: string, defaultCountry?: string): IssueReason | 'accepted' {
  const result = normaliseIdentifier({ type: 'phone', value, defaultCountry });
  return result.ok ? 'accepted' : result.reason;
}

// One client's number as it reaches us from each kind of edge: typed nationally by an associate
// in a boutique of that country, typed internationally, or written with a foreign dialling
// prefix by an associate elsewhere (the store country is the default country).
const MATRIX: readonly {
  readonly country: string;
  readonly e164: string;
  readonly national: readonly string[];
  readonly international: readonly (readonly [string, string | undefined])[];
}[] = [
  {
    country: 'FR',
    e164: '+33612345678',
    national: [
      '06 12 34 56 78',
      '06-12-34-56-78',
      '06.12.34.56.78',
      '0612345678',
      '(06) 12 34 56 78',
    ],
    international: [
      ['+33 6 12 34 56 78', undefined],
      ['+33 (0)6 12 34 56 78', undefined],
      ['+33612345678', 'JP'],
      ['0033 6 12 34 56 78', 'FR'],
      ['00 33 6 12 34 56 78', undefined],
      ['011 33 6 12 34 56 78', 'US'],
      ['0033-6-12-34-56-78', 'US'],
    ],
  },
  {
    country: 'AE',
    e164: '+971501234567',
    national: ['050 123 4567', '050-123-4567', '(050) 123 4567', '0501234567', '٠٥٠ ١٢٣ ٤٥٦٧'],
    international: [
      ['+971 50 123 4567', undefined],
      ['+971-50-123-4567', 'FR'],
      ['00971 50 123 4567', 'AE'],
      ['00 971 (50) 123 4567', 'SA'],
      ['\u200e+971 50 123 4567\u200e', undefined],
    ],
  },
  {
    country: 'CN',
    e164: '+8613800138000',
    national: ['138 0013 8000', '138-0013-8000', '13800138000', '(138) 0013 8000'],
    international: [
      ['+86 138 0013 8000', undefined],
      ['+86-138-0013-8000', 'HK'],
      ['0086 138 0013 8000', 'CN'],
      ['0086 138 0013 8000', 'SG'],
    ],
  },
  {
    country: 'KR',
    e164: '+821012345678',
    national: ['010-1234-5678', '010 1234 5678', '(010) 1234-5678', '01012345678'],
    international: [
      ['+82 10-1234-5678', undefined],
      ['+82 (0)10 1234 5678', undefined],
      ['001 82 10 1234 5678', 'KR'],
      ['00 82 10 1234 5678', 'KR'],
      ['0082 10 1234 5678', 'FR'],
    ],
  },
  {
    country: 'JP',
    e164: '+819012345678',
    national: [
      '090-1234-5678',
      '090 1234 5678',
      '(090) 1234-5678',
      '09012345678',
      '０９０－１２３４－５６７８',
    ],
    international: [
      ['+81 90 1234 5678', undefined],
      ['+81 (0)90-1234-5678', 'US'],
      ['010 81 90 1234 5678', 'JP'],
      ['0081 90 1234 5678', 'JP'],
      ['＋８１ ９０ １２３４ ５６７８', undefined],
    ],
  },
  {
    country: 'US',
    e164: '+12125550123',
    national: ['(212) 555-0123', '212-555-0123', '212.555.0123', '2125550123', '1 (212) 555-0123'],
    international: [
      ['+1 (212) 555-0123', undefined],
      ['+1-212-555-0123', 'GB'],
      ['001 212 555 0123', 'FR'],
      ['00 1 212 555 0123', 'US'],
      ['tel:+1-212-555-0123', undefined],
    ],
  },
  {
    country: 'SG',
    e164: '+6581234567',
    national: ['8123 4567', '8123-4567', '81234567'],
    international: [
      ['+65 8123 4567', undefined],
      ['+65-8123-4567', 'MY'],
      ['000 65 8123 4567', 'SG'],
      ['0065 8123 4567', 'SG'],
      ['0065 8123 4567', 'AE'],
    ],
  },
];

describe('phone numbers normalise to E.164', () => {
  describe.each(MATRIX)(
    '$country $e164',
    ({ country, e164: expected, national, international }) => {
      it.each(national)('national %j with the store in the same country', (value) => {
        expect(e164(value, country)).toBe(expected);
      });

      it.each(international)('international %j (store country %s)', (value, store) => {
        expect(e164(value, store)).toBe(expected);
      });

      it('gives one canonical key for every format', () => {
        const keys = new Set(
          [...national.map((v) => [v, country] as const), ...international].map(([v, c]) => {
            const result = normaliseIdentifier({ type: 'phone', value: v, defaultCountry: c });
            return result.ok ? canonicalKey(result.identifier) : result.reason;
          }),
        );
        expect([...keys]).toEqual([`v1|phone||${expected}`]);
      });
    },
  );

  it('reads a national number by the store country, not by a guess', () => {
    // Same digits, three countries: the default country decides, as at a real till.
    expect(e164('010 1234 5678', 'KR')).toBe('+821012345678');
    expect(e164('010 1234 5678', 'CN')).toBe('+861012345678');
    expect(reason('010 1234 5678', 'FR')).not.toBe('accepted');
  });

  it('keeps landlines as well as mobiles', () => {
    expect(e164('01 42 68 53 00', 'FR')).toBe('+33142685300');
    expect(e164('(010) 6552-9988', 'CN')).toBe('+861065529988');
    expect(e164('03-1234-5678', 'JP')).toBe('+81312345678');
    expect(e164('6123 4567', 'SG')).toBe('+6561234567');
  });

  it('accepts a country code typed without + when the country is the store country', () => {
    expect(e164('33 6 12 34 56 78', 'FR')).toBe('+33612345678');
  });

  it('accepts default countries in any case and refuses ones that are not ISO 3166 alpha-2', () => {
    expect(e164('06 12 34 56 78', 'fr')).toBe('+33612345678');
    for (const defaultCountry of ['France', 'FRA', 'XX', '', ' ']) {
      const result = normaliseIdentifier({
        type: 'phone',
        value: '06 12 34 56 78',
        defaultCountry,
      });
      expect(result).toMatchObject({
        ok: false,
        field: 'defaultCountry',
        reason: 'invalid_default_country',
      });
    }
  });

  it('ignores the default country for international numbers', () => {
    expect(e164('+81 90 1234 5678', 'FR')).toBe(e164('+81 90 1234 5678', 'US'));
  });
});

describe('phone numbers that are rejected, with the reason', () => {
  it.each<[string, string | undefined, IssueReason]>([
    ['06 12 34 56 78', undefined, 'phone_country_required'],
    ['+999 123 456 789', undefined, 'phone_unknown_country_code'],
    ['Tel: 06 12 34 56 78', 'FR', 'phone_not_a_number'],
    ['06 12 34 56 78 (mobile)', 'FR', 'phone_not_a_number'],
    ['abc', 'FR', 'phone_not_a_number'],
    ['+', undefined, 'phone_not_a_number'],
    ['0', 'FR', 'phone_invalid_length'],
    ['+33 6 12 34 56 78 90', undefined, 'phone_invalid_length'],
    ['8123 456', 'SG', 'phone_invalid_length'],
    ['(212) 055-0123', 'US', 'phone_invalid'],
    ['+1 212 055 0123', undefined, 'phone_invalid'],
    ['+33 0 12 34 56 78', undefined, 'phone_invalid'],
    ['+971 10 123 4567', undefined, 'phone_invalid'],
    ['+65 1234 5678', undefined, 'phone_invalid'],
    ['090-1234-567', 'JP', 'phone_invalid'],
    ['138 0013 800', 'CN', 'phone_invalid'],
    ['+1 212 555 0123 ext. 45', undefined, 'phone_extension'],
    ['06 12 34 56 78 x12', 'FR', 'phone_extension'],
    ['tel:+1-212-555-0123;ext=12', undefined, 'phone_extension'],
    ['+33 6 12\u0000 34 56 78', undefined, 'control_character'],
    ['   ', 'FR', 'empty'],
    [`+33 ${'6'.repeat(70)}`, undefined, 'too_long'],
  ])('%j (store %s) → %s', (value, defaultCountry, expected) => {
    const result = normaliseIdentifier({ type: 'phone', value, defaultCountry });
    expect(result).toMatchObject({ ok: false, field: 'value', reason: expected });
  });
});

describe('whatsapp', () => {
  it('is normalised like a phone number but keyed as its own type', () => {
    const phone = normaliseIdentifier({
      type: 'phone',
      value: '050 123 4567',
      defaultCountry: 'AE',
    });
    const whatsapp = normaliseIdentifier({
      type: 'whatsapp',
      value: '+971 50 123 4567',
      defaultCountry: 'FR',
    });
    expect(phone.ok && whatsapp.ok).toBe(true);
    if (!phone.ok || !whatsapp.ok) return;
    expect(whatsapp.identifier.value).toBe(phone.identifier.value);
    expect(canonicalKey(whatsapp.identifier)).toBe('v1|whatsapp||+971501234567');
    expect(canonicalKey(whatsapp.identifier)).not.toBe(canonicalKey(phone.identifier));
  });

  it('rejects what phone rejects', () => {
    expect(normaliseIdentifier({ type: 'whatsapp', value: '050 123 4567' })).toMatchObject({
      ok: false,
      reason: 'phone_country_required',
    });
  });
});
