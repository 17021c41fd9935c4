import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getCountries, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import {
  canonicalKey,
  IDENTIFIER_TYPES,
  ISSUE_FIELDS,
  ISSUE_REASONS,
  isScopedIdentifierType,
  normaliseIdentifier,
  type ClientIdentifier,
  type IdentifierInput,
  type IdentifierType,
} from './index.js';

const RUNS = { numRuns: 300 };
const STORE_COUNTRIES = ['FR', 'GB', 'IT', 'AE', 'SA', 'CN', 'HK', 'SG', 'JP', 'KR', 'US'] as const;

// ---- generators -------------------------------------------------------------------------------

const whitespace = fc.constantFrom(' ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2003', '');
const toFullWidth = (c: string) =>
  c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c;

/** The same text as a person or an IME may produce it: case, full-width forms, padding. */
function typedVariant(text: string, options: { changeCase: boolean }) {
  return fc
    .tuple(
      fc.array(fc.constantFrom('keep', 'upper', 'lower', 'wide'), {
        minLength: text.length,
        maxLength: text.length,
      }),
      whitespace,
      whitespace,
    )
    .map(([modes, before, after]) => {
      // Code points on purpose: the inputs are ASCII emails and digits.
      const chars = Array.from(text).map((c, i) => {
        const mode = modes[i] ?? 'keep';
        if (mode === 'wide') return toFullWidth(c);
        if (!options.changeCase || mode === 'keep') return c;
        return mode === 'upper' ? c.toUpperCase() : c.toLowerCase();
      });
      return `${before}${chars.join('')}${after}`;
    });
}

const separator = fc.constantFrom(' ', '-', '.', '', '', '');
/** Digits with separators wherever a person might put them. */
function punctuated(digits: string) {
  return fc.array(separator, { minLength: digits.length, maxLength: digits.length }).map((seps) =>
    Array.from(digits)
      .map((d, i) => (i === 0 ? d : `${seps[i] ?? ''}${d}`))
      .join(''),
  );
}

const EXAMPLES = getCountries().flatMap((country) => {
  const number = getExampleNumber(country, examples);
  return number === undefined ? [] : [{ country, number }];
});

const scopeSegment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/);
const scopeFor: Record<string, fc.Arbitrary<string>> = {
  pos_customer: fc.oneof(
    scopeSegment,
    fc.tuple(scopeSegment, scopeSegment).map(([a, b]) => `${a}:${b}`),
  ),
  ecom_customer: fc.oneof(
    fc.stringMatching(/^[a-z0-9]{1,12}$/).map((s) => `shopify:${s}.myshopify.com`),
    fc.tuple(scopeSegment, scopeSegment).map(([a, b]) => `${a}:${b}`),
  ),
  wechat_openid: fc.stringMatching(/^wx[0-9a-f]{16}$/),
};

/** Plausible raw values for a type, most of them valid, plus arbitrary text (one in four). */
function rawValueFor(type: IdentifierType): fc.Arbitrary<string> {
  const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
  const arbitrary = { arbitrary: text, weight: 1 };
  const plausible = (a: fc.Arbitrary<string>) => ({ arbitrary: a, weight: 3 });
  switch (type) {
    case 'email':
      return fc.oneof(
        plausible(fc.emailAddress().chain((e) => typedVariant(e, { changeCase: true }))),
        arbitrary,
      );
    case 'phone':
    case 'whatsapp':
      return fc.oneof(
        plausible(
          fc.constantFrom(...EXAMPLES).chain(({ number }) =>
            fc.oneof(
              punctuated(number.number.slice(1)).map((d) => `+${d}`),
              fc.constant(number.formatNational()),
            ),
          ),
        ),
        arbitrary,
      );
    case 'loyalty_id':
      return fc.oneof(plausible(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 -]{0,20}$/)), arbitrary);
    case 'pos_customer':
    case 'ecom_customer':
      return fc.oneof(
        plausible(fc.stringMatching(/^[1-9][0-9]{0,15}$/)),
        plausible(
          fc.stringMatching(/^[1-9][0-9]{0,15}$/).map((n) => `gid://shopify/Customer/${n}`),
        ),
        plausible(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 })),
        arbitrary,
      );
    case 'wechat_openid':
    case 'wechat_unionid':
      return fc.oneof(plausible(fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)), arbitrary);
    case 'kakao_id':
    case 'line_id':
      return fc.oneof(plausible(fc.stringMatching(/^@?[A-Za-z0-9._-]{4,20}$/)), arbitrary);
    default: {
      const unhandled: never = type;
      throw new Error(`no generator for ${String(unhandled)}`);
    }
  }
}

function inputFor(type: IdentifierType): fc.Arbitrary<IdentifierInput> {
  return fc.record({
    type: fc.constant(type),
    value: rawValueFor(type),
    scope: isScopedIdentifierType(type)
      ? (scopeFor[type] ?? fc.constant('x'))
      : fc.constant(undefined),
    defaultCountry: fc.constantFrom(...STORE_COUNTRIES),
  });
}

const anyInput = fc.constantFrom(...IDENTIFIER_TYPES).chain(inputFor);

function ok(input: IdentifierInput): ClientIdentifier | undefined {
  const result = normaliseIdentifier(input);
  return result.ok ? result.identifier : undefined;
}

// ---- properties -------------------------------------------------------------------------------

describe('normalisation is idempotent for every type', () => {
  it.each(IDENTIFIER_TYPES)('%s', (type) => {
    let accepted = 0;
    fc.assert(
      fc.property(inputFor(type), fc.constantFrom(...STORE_COUNTRIES), (input, otherCountry) => {
        const first = ok(input);
        if (first === undefined) return;
        accepted++;
        // Read back without the original store country: the canonical form must not need it.
        const again = normaliseIdentifier({
          type: first.type,
          value: first.value,
          scope: first.scope,
          defaultCountry: otherCountry,
        });
        expect(again).toEqual({ ok: true, identifier: first });
      }),
      RUNS,
    );
    // Guards against a generator that only ever produces rejected values.
    expect(accepted).toBeGreaterThan(RUNS.numRuns / 10);
  });
});

describe('phone numbers of every country', () => {
  it('give the same E.164 from national and international forms, whatever the punctuation', () => {
    // [raw value, store country, expected E.164]
    const written = fc.constantFrom(...EXAMPLES).chain(({ country, number }) => {
      const e164 = number.number;
      const national = number.formatNational().replace(/\D/g, '');
      const store = fc.constantFrom<CountryCode>(...STORE_COUNTRIES);
      return fc
        .oneof(
          fc.tuple(punctuated(national), fc.constant<string | undefined>(country)),
          fc.tuple(
            punctuated(e164.slice(1)).map((d) => `+${d}`),
            store,
          ),
          fc.tuple(
            punctuated(e164.slice(1)).map((d) => `00${d}`),
            fc.constant('FR'),
          ),
          fc.tuple(fc.constant(number.formatInternational()), fc.constant(undefined)),
        )
        .map(([value, defaultCountry]) => ({ value, defaultCountry, e164 }));
    });
    fc.assert(
      fc.property(written, ({ value, defaultCountry, e164 }) => {
        const result = normaliseIdentifier({ type: 'phone', value, defaultCountry });
        expect(result).toMatchObject({ ok: true, identifier: { value: e164 } });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('emails', () => {
  it('differing only in case, padding and compatibility forms have one canonical key', () => {
    fc.assert(
      fc.property(
        fc
          .emailAddress()
          .chain((email) =>
            fc.tuple(fc.constant(email), typedVariant(email, { changeCase: true })),
          ),
        ([email, variant]) => {
          const base = ok({ type: 'email', value: email });
          const typed = ok({ type: 'email', value: variant });
          expect(base).toBeDefined();
          expect(typed).toBeDefined();
          expect(canonicalKey(typed!)).toBe(canonicalKey(base!));
          expect(canonicalKey(base!)).toBe(`v1|email||${email.toLowerCase()}`);
        },
      ),
      RUNS,
    );
  });

  it('in NFC and NFD have one canonical key', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', 'é', 'ñ', 'ü', 'ç', 'Å', 'ő'),
          minLength: 1,
          maxLength: 20,
        }),
        (local) => {
          const nfc = ok({ type: 'email', value: `${local.normalize('NFC')}@exemple.fr` });
          const nfd = ok({ type: 'email', value: `${local.normalize('NFD')}@exemple.fr` });
          expect(nfc).toBeDefined();
          expect(canonicalKey(nfd!)).toBe(canonicalKey(nfc!));
        },
      ),
      RUNS,
    );
  });
});

describe('canonical keys', () => {
  it('are equal exactly when type, scope and value are equal (no collisions)', () => {
    // A tiny alphabet full of separators makes accidental ambiguities likely to be found.
    const tricky = fc.string({
      unit: fc.constantFrom('a', 'b', ':', '|', '.', '@', '1', '-'),
      minLength: 1,
      maxLength: 8,
    });
    const rawInput = fc.record({
      type: fc.constantFrom(...IDENTIFIER_TYPES),
      value: tricky,
      scope: fc.option(tricky, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(rawInput, { minLength: 2, maxLength: 40 }), (inputs) => {
        const byKey = new Map<string, string>();
        for (const input of inputs) {
          const id = ok(input);
          if (id === undefined) continue;
          const identity = JSON.stringify([id.type, id.scope, id.value]);
          const key = canonicalKey(id);
          expect(byKey.get(key) ?? identity).toBe(identity);
          byKey.set(key, identity);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('cannot be forged by moving a separator across the scope/value boundary', () => {
    // Every way of cutting "p1|p2|…|pn" into scope and value: with an ambiguous encoding two of
    // these would be accepted and share a key.
    const piece = fc.stringMatching(/^[a-z0-9][a-z0-9:.]{0,5}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('pos_customer', 'ecom_customer', 'wechat_openid'),
        fc.array(piece, { minLength: 2, maxLength: 5 }),
        (type, pieces) => {
          const keys = pieces.slice(1).flatMap((_, i) => {
            const scope = pieces.slice(0, i + 1).join('|');
            const value = pieces.slice(i + 1).join('|');
            const id = ok({ type, scope, value });
            return id === undefined ? [] : [canonicalKey(id)];
          });
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('of different types or scopes never collide for the same raw value', () => {
    const scopes = [
      'cegid',
      'cegid:fr',
      'shopify:maison-eu.myshopify.com',
      'sfcc:maison-jp',
      'wx4f28b4b2dcaafca1',
    ];
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9._-]{4,20}$/), (raw) => {
        const keys = IDENTIFIER_TYPES.flatMap((type) =>
          (isScopedIdentifierType(type) ? scopes : [undefined]).flatMap((scope) => {
            const id = ok({ type, value: raw, scope, defaultCountry: 'FR' });
            return id === undefined ? [] : [canonicalKey(id)];
          }),
        );
        expect(keys.length).toBeGreaterThan(1);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      RUNS,
    );
  });

  it('are already NFKC, trimmed and free of control characters (so re-normalising is a no-op)', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const id = ok(input);
        if (id === undefined) return;
        const key = canonicalKey(id);
        expect(key.normalize('NFKC').trim()).toBe(key);
        expect(key).not.toMatch(/\p{Cc}/u);
        if (id.type === 'email') expect(key.toLowerCase()).toBe(key);
      }),
      RUNS,
    );
  });
});

describe('bad input', () => {
  const reasons: readonly string[] = ISSUE_REASONS;
  const fields: readonly string[] = ISSUE_FIELDS;

  it('gives a structured reason and never throws, whatever the shape', () => {
    const loose = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...IDENTIFIER_TYPES), fc.anything()),
        value: fc.oneof(fc.string({ unit: 'binary' }), fc.anything()),
        scope: fc.oneof(fc.string(), fc.anything()),
        defaultCountry: fc.oneof(fc.constantFrom(...STORE_COUNTRIES), fc.anything()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(loose, fc.anything()), (input) => {
        const result = normaliseIdentifier(input as IdentifierInput);
        if (result.ok) return;
        expect(reasons).toContain(result.reason);
        expect(fields).toContain(result.field);
        expect(typeof result.message).toBe('string');
      }),
      { numRuns: 1000 },
    );
  });

  it('with a control character anywhere is rejected as such, for every type', () => {
    const control = fc
      .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
      .map((c) => String.fromCharCode(c))
      .filter((c) => c.trim() !== '');
    fc.assert(
      fc.property(anyInput, control, fc.nat(), (input, c, at) => {
        const id = ok(input);
        if (id === undefined) return;
        // Between code points (never inside a surrogate pair) and never at the ends, which trim.
        const points = Array.from(id.value);
        const position = 1 + (at % Math.max(1, points.length - 1));
        const value = [...points.slice(0, position), c, ...points.slice(position)].join('');
        const result = normaliseIdentifier({ type: id.type, value, scope: id.scope });
        expect(result).toMatchObject({ ok: false, field: 'value', reason: 'control_character' });
      }),
      RUNS,
    );
  });

  it('never appears in the message', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const marked = { ...input, value: `Zq9x${input.value}` };
        const result = normaliseIdentifier(marked);
        if (!result.ok) expect(result.message).not.toContain('Zq9x');
      }),
      RUNS,
    );
  });
});
