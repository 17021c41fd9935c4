import { describe, expect, it } from '@jest/globals';
import {
  canonicalKey,
  IDENTIFIER_TYPES,
  normaliseIdentifier,
  SCOPED_IDENTIFIER_TYPES,
  type IdentifierInput,
  type IdentifierType,
  type IssueReason,
} from './index.js';

function keyOf(input: IdentifierInput): string {
  const result = normaliseIdentifier(input);
  if (!result.ok) throw new Error(`${input.type} ${JSON.stringify(input.value)}: ${result.reason}`);
  return canonicalKey(result.identifier);
}

function failure(input: IdentifierInput): { reason: IssueReason; field: string } | 'accepted' {
  const result = normaliseIdentifier(input);
  return result.ok ? 'accepted' : { reason: result.reason, field: result.field };
}

/** A value each type accepts, with the scope it needs. */
const VALID: Readonly<Record<IdentifierType, IdentifierInput>> = {
  email: { type: 'email', value: 'jane@example.com' },
  phone: { type: 'phone', value: '+33612345678' },
  loyalty_id: { type: 'loyalty_id', value: 'MC12345678' },
  pos_customer: { type: 'pos_customer', value: 'C000123', scope: 'cegid:fr' },
  ecom_customer: {
    type: 'ecom_customer',
    value: '7654321098765',
    scope: 'shopify:maison-eu.myshopify.com',
  },
  wechat_openid: {
    type: 'wechat_openid',
    value: 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc',
    scope: 'wx4f28b4b2dcaafca1',
  },
  wechat_unionid: { type: 'wechat_unionid', value: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' },
  whatsapp: { type: 'whatsapp', value: '+971501234567' },
  kakao_id: { type: 'kakao_id', value: 'jane.kim' },
  line_id: { type: 'line_id', value: 'hanako_t' },
};

describe('every type', () => {
  it.each(IDENTIFIER_TYPES)('%s accepts its example and returns a frozen identifier', (type) => {
    const result = normaliseIdentifier(VALID[type]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.identifier.type).toBe(type);
    expect(Object.isFrozen(result.identifier)).toBe(true);
  });

  it.each(IDENTIFIER_TYPES)('%s rejects control characters inside the value', (type) => {
    const input = VALID[type];
    const value = `${input.value.slice(0, 3)}\u0001${input.value.slice(3)}`;
    expect(failure({ ...input, value })).toEqual({ reason: 'control_character', field: 'value' });
  });

  it.each(IDENTIFIER_TYPES)('%s rejects an empty or blank value', (type) => {
    for (const value of ['', '   ', '\u3000\t']) {
      expect(failure({ ...VALID[type], value })).toEqual({ reason: 'empty', field: 'value' });
    }
  });

  it.each(IDENTIFIER_TYPES)('%s rejects values over the hard size limit', (type) => {
    expect(failure({ ...VALID[type], value: 'a'.repeat(5000) })).toEqual({
      reason: 'too_long',
      field: 'value',
    });
  });

  it.each(SCOPED_IDENTIFIER_TYPES)('%s requires a scope', (type) => {
    const { scope: _scope, ...unscoped } = VALID[type];
    for (const scope of [undefined, null, '', '  ']) {
      expect(failure({ ...unscoped, scope })).toEqual({ reason: 'scope_required', field: 'scope' });
    }
  });

  it.each(
    IDENTIFIER_TYPES.filter((t) => !(SCOPED_IDENTIFIER_TYPES as readonly string[]).includes(t)),
  )('%s refuses a scope but treats a blank one as absent', (type) => {
    expect(failure({ ...VALID[type], scope: 'cegid:fr' })).toEqual({
      reason: 'scope_not_allowed',
      field: 'scope',
    });
    expect(failure({ ...VALID[type], scope: '' })).toBe('accepted');
    expect(failure({ ...VALID[type], scope: null })).toBe('accepted');
  });
});

describe('scopes', () => {
  it('are lower-cased, so one POS installation has one scope', () => {
    expect(keyOf({ type: 'pos_customer', value: 'C000123', scope: ' Cegid:FR ' })).toBe(
      'v1|pos_customer|cegid:fr|C000123',
    );
    expect(keyOf({ type: 'pos_customer', value: 'C000123', scope: 'lightspeed' })).toBe(
      'v1|pos_customer|lightspeed|C000123',
    );
  });

  it.each<[IdentifierType, string]>([
    ['pos_customer', 'cegid:fr:paris'],
    ['pos_customer', 'cegid|fr'],
    ['pos_customer', 'cegid::fr'],
    ['pos_customer', 'cegid:'],
    ['pos_customer', 'cégid:fr'],
    ['pos_customer', 'cegid fr'],
    ['ecom_customer', 'shopify'],
    ['ecom_customer', 'shopify:maison.com'],
    ['ecom_customer', 'shopify:maison-eu.myshopify.com:eu'],
    ['wechat_openid', 'wechat:wx4f28b4b2dcaafca1'],
  ])('%s rejects the scope %j', (type, scope) => {
    expect(failure({ ...VALID[type], scope })).toEqual({ reason: 'malformed', field: 'scope' });
  });

  it('reject control characters and non-strings', () => {
    expect(failure({ ...VALID.pos_customer, scope: 'cegid:\u0000fr' })).toEqual({
      reason: 'control_character',
      field: 'scope',
    });
    const numeric = { ...VALID.pos_customer, scope: 42 } as unknown as IdentifierInput;
    expect(failure(numeric)).toEqual({ reason: 'not_a_string', field: 'scope' });
  });

  it('separate WeChat OpenIDs by the app that issued them', () => {
    const a = keyOf({ ...VALID.wechat_openid, scope: 'wx4f28b4b2dcaafca1' });
    const b = keyOf({ ...VALID.wechat_openid, scope: 'wx0000000000000001' });
    expect(a).not.toBe(b);
  });
});

describe('loyalty_id', () => {
  it('drops the grouping printed on the card and ignores case', () => {
    const variants = [
      'MC12345678',
      'mc 1234 5678',
      'MC-1234-5678',
      ' mc1234-5678 ',
      'ＭＣ１２３４５６７８',
    ];
    expect(new Set(variants.map((value) => keyOf({ type: 'loyalty_id', value })))).toEqual(
      new Set(['v1|loyalty_id||MC12345678']),
    );
  });

  it.each(['MC_1234', 'MC.1234', 'straße', 'MC#1', '- -'])('rejects %j', (value) => {
    const result = failure({ type: 'loyalty_id', value });
    expect(result).not.toBe('accepted');
  });
});

describe('pos_customer', () => {
  it('is compared exactly: case is the POS system’s business', () => {
    const upper = keyOf({ type: 'pos_customer', value: 'C000123', scope: 'cegid:fr' });
    const lower = keyOf({ type: 'pos_customer', value: 'c000123', scope: 'cegid:fr' });
    expect(upper).not.toBe(lower);
  });

  it('keeps a customer code that contains the key separator', () => {
    expect(keyOf({ type: 'pos_customer', value: 'PAR|0042', scope: 'cegid' })).toBe(
      'v1|pos_customer|cegid|PAR|0042',
    );
  });

  it('rejects inner whitespace and over-long codes', () => {
    expect(failure({ ...VALID.pos_customer, value: 'C 000123' })).toEqual({
      reason: 'malformed',
      field: 'value',
    });
    expect(failure({ ...VALID.pos_customer, value: 'C'.repeat(129) })).toEqual({
      reason: 'too_long',
      field: 'value',
    });
  });
});

describe('ecom_customer', () => {
  const shop = 'shopify:maison-eu.myshopify.com';

  it('gives a Shopify customer one key whether it came from REST or GraphQL', () => {
    expect(
      keyOf({ type: 'ecom_customer', value: 'gid://shopify/Customer/7654321098765', scope: shop }),
    ).toBe(`v1|ecom_customer|${shop}|7654321098765`);
    expect(keyOf({ type: 'ecom_customer', value: '7654321098765', scope: shop })).toBe(
      `v1|ecom_customer|${shop}|7654321098765`,
    );
  });

  it.each(['gid://shopify/Order/1', 'abc', '0123', 'gid://shopify/Customer/', '-5'])(
    'rejects %j as a Shopify customer id',
    (value) => {
      expect(failure({ type: 'ecom_customer', value, scope: shop })).toEqual({
        reason: 'malformed',
        field: 'value',
      });
    },
  );

  it('keeps other platforms’ ids as they are', () => {
    expect(keyOf({ type: 'ecom_customer', value: 'abCD-0001', scope: 'sfcc:maison-jp' })).toBe(
      'v1|ecom_customer|sfcc:maison-jp|abCD-0001',
    );
  });

  it('separates shops', () => {
    const eu = keyOf({ type: 'ecom_customer', value: '1001', scope: shop });
    const us = keyOf({
      type: 'ecom_customer',
      value: '1001',
      scope: 'shopify:maison-us.myshopify.com',
    });
    expect(eu).not.toBe(us);
  });
});

describe('WeChat ids', () => {
  it('keep their case', () => {
    expect(keyOf({ type: 'wechat_unionid', value: 'oAbC' })).not.toBe(
      keyOf({ type: 'wechat_unionid', value: 'oabc' }),
    );
  });

  it.each(['o6_bm asd', 'o6_bm/asd', '微信号'])('reject %j', (value) => {
    expect(failure({ type: 'wechat_unionid', value })).toEqual({
      reason: 'malformed',
      field: 'value',
    });
  });
});

describe('kakao_id and line_id', () => {
  it.each(['kakao_id', 'line_id'] as const)('%s lower-cases and drops a leading @', (type) => {
    expect(keyOf({ type, value: '@Jane_K' })).toBe(`v1|${type}||jane_k`);
    expect(keyOf({ type, value: 'ｊａｎｅ．ｋ' })).toBe(`v1|${type}||jane.k`);
  });

  it.each(['kakao_id', 'line_id'] as const)('%s rejects what the app cannot hold', (type) => {
    for (const value of ['abc', 'a'.repeat(21), 'jane k', 'jane@k', '김민지']) {
      expect(failure({ type, value })).toEqual({ reason: 'malformed', field: 'value' });
    }
  });

  it('refuses LINE platform user IDs, which are issued per provider', () => {
    expect(failure({ type: 'line_id', value: 'U8189cf6745fc0d808977bdb0b9f22995' })).toEqual({
      reason: 'provider_scoped_id',
      field: 'value',
    });
  });
});

describe('bad input never throws', () => {
  it.each<[string, unknown, { reason: IssueReason; field: string }]>([
    ['an unknown type', { type: 'fax', value: '1' }, { reason: 'unknown_type', field: 'type' }],
    ['a missing type', { value: '1' }, { reason: 'unknown_type', field: 'type' }],
    [
      'a type in the wrong case',
      { type: 'EMAIL', value: 'a@b.co' },
      { reason: 'unknown_type', field: 'type' },
    ],
    [
      'a numeric value',
      { type: 'loyalty_id', value: 12345678 },
      { reason: 'not_a_string', field: 'value' },
    ],
    ['a missing value', { type: 'email' }, { reason: 'not_a_string', field: 'value' }],
    ['null', null, { reason: 'malformed', field: 'type' }],
    ['a string', 'jane@example.com', { reason: 'malformed', field: 'type' }],
    [
      'a numeric default country',
      { type: 'phone', value: '0612345678', defaultCountry: 33 },
      { reason: 'invalid_default_country', field: 'defaultCountry' },
    ],
  ])('%s', (_label, input, expected) => {
    expect(failure(input as IdentifierInput)).toEqual(expected);
  });

  it('ignores defaultCountry for types that are not phone numbers', () => {
    expect(failure({ ...VALID.email, defaultCountry: 'not a country' })).toBe('accepted');
  });
});
