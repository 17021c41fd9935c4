import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { testIndex } from '../testing/world.js';
import { fromRawIdentifiers } from './references.js';

// What POST /v1/identify does with the identifiers it is sent: the platform's normalisation and
// blind index. Two properties the resolution depends on: normalising twice changes nothing, and
// a phone number typed in any local or international form gives one E.164 (so one index).

const privacy = { blindIndex: (type: string, key: string) => testIndex(`${type}|${key}`) };

/** Real numbers (mobile and fixed line) of the boutiques' countries, in E.164. */
const NUMBERS: Readonly<Record<string, readonly string[]>> = {
  FR: ['+33612345670', '+33142685300', '+33755512345'],
  AE: ['+971501234567', '+97143123456', '+971556789012'],
  CN: ['+8613912345678', '+861012345678', '+8618612345678'],
  KR: ['+821023456789', '+82221234567', '+821098765432'],
  JP: ['+819012345678', '+81312345678', '+818012345678'],
  US: ['+12125550123', '+14155552671', '+13105550199'],
  SG: ['+6581234567', '+6561234567', '+6591234567'],
};
const COUNTRIES = Object.keys(NUMBERS) as CountryCode[];

const FULL_WIDTH = (c: string) =>
  c >= '0' && c <= '9' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c;

/** The same digits as people write them: separators anywhere, padding, full-width digits. */
function written(text: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.array(fc.constantFrom('', '', '', ' ', '-', '.'), {
        minLength: text.length,
        maxLength: text.length,
      }),
      fc.constantFrom('', ' ', '  ', '\u00a0'),
      fc.boolean(),
    )
    .map(([seps, pad, wide]) => {
      const body = Array.from(text)
        .map((c, i) => (i > 0 && /\d/.test(c) ? `${seps[i] ?? ''}${c}` : c))
        .join('');
      return `${pad}${wide ? Array.from(body).map(FULL_WIDTH).join('') : body}${pad}`;
    });
}

const number = fc
  .constantFrom(...COUNTRIES)
  .chain((country) =>
    fc.constantFrom(...(NUMBERS[country] ?? [])).map((e164) => ({ country, e164 })),
  );

function normalise(value: string, country: string | null, type = 'phone') {
  const result = fromRawIdentifiers(privacy, [{ type, value }], country);
  if (!result.ok) throw new Error(`${value} (${String(country)}): ${result.issue.reason}`);
  const [ref] = result.references;
  if (ref === undefined) throw new Error('no reference');
  return ref;
}

describe('identifiers sent to identify', () => {
  it('phone numbers of FR, AE, CN, KR, JP, US and SG, national or international, give one E.164', () => {
    fc.assert(
      fc.property(
        number.chain(({ country, e164 }) => {
          const parsed = parsePhoneNumberWithError(e164);
          const national = parsed.formatNational();
          const international = parsed.formatInternational();
          return fc.record({
            country: fc.constant(country),
            e164: fc.constant(e164),
            typed: fc.oneof(
              written(national),
              written(international),
              written(parsed.number),
              written(`tel:${parsed.number}`),
            ),
          });
        }),
        ({ country, e164, typed }) => {
          const ref = normalise(typed, country);
          expect(ref.value).toBe(e164);
          expect(ref.index).toBe(normalise(e164, null).index);
          // the same number as a WhatsApp account is another identifier, with its own index
          expect(normalise(typed, country, 'whatsapp').index).not.toBe(ref.index);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('every country gives its numbers one E.164 even written the way other countries would', () => {
    for (const country of COUNTRIES)
      for (const e164 of NUMBERS[country] ?? []) {
        const parsed = parsePhoneNumberWithError(e164);
        // an international number means the same wherever the store is
        for (const store of COUNTRIES)
          expect(normalise(parsed.formatInternational(), store).value).toBe(e164);
      }
  });

  it('normalisation is idempotent: the normalised value normalises to itself, with the same index', () => {
    const inputs = fc.oneof(
      number.chain(({ country, e164 }) =>
        written(parsePhoneNumberWithError(e164).formatNational()).map((v) => ({
          type: 'phone',
          value: v,
          country,
        })),
      ),
      fc
        .tuple(
          fc.stringMatching(/^[A-Za-z0-9._%+-]{1,20}$/),
          fc.constantFrom('Example.com', 'example.CO.JP', 'exemple.fr', 'EXAMPLE.ae'),
          fc.constantFrom('', ' ', '\t'),
        )
        .map(([local, domain, pad]) => ({
          type: 'email',
          value: `${pad}${local}@${domain}${pad}`,
          country: null,
        })),
      fc.stringMatching(/^[A-Za-z]{2}[ -]?\d{4}-?\d{4}$/).map((v) => ({
        type: 'loyalty_id',
        value: v,
        country: null,
      })),
    );
    fc.assert(
      fc.property(inputs, ({ type, value, country }) => {
        const result = fromRawIdentifiers(privacy, [{ type, value }], country);
        fc.pre(result.ok);
        const [once] = result.references;
        if (once === undefined) throw new Error('no reference');
        const twice = normalise(once.value, null, type);
        expect(twice).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });
});
