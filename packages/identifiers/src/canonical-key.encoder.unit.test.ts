import { describe, expect, it } from '@jest/globals';
import {
  canonicalKey,
  CANONICAL_KEY_VERSION,
  normaliseIdentifier,
  type ClientIdentifier,
  type IdentifierInput,
} from './index.js';

function identifier(input: IdentifierInput): ClientIdentifier {
  const result = normaliseIdentifier(input);
  if (!result.ok) throw new Error(`${input.type}: ${result.reason}`);
  return result.identifier;
}

describe('canonicalKey', () => {
  // Golden values: stored blind indexes are HMACs of exactly these strings. If one of these
  // expectations has to change, every index already written becomes unfindable: add a v2 instead.
  it.each<[IdentifierInput, string]>([
    [{ type: 'email', value: ' Jane.Doe@Example.com ' }, 'v1|email||jane.doe@example.com'],
    [{ type: 'phone', value: '06 12 34 56 78', defaultCountry: 'FR' }, 'v1|phone||+33612345678'],
    [{ type: 'whatsapp', value: '+971 50 123 4567' }, 'v1|whatsapp||+971501234567'],
    [{ type: 'loyalty_id', value: 'mc 1234-5678' }, 'v1|loyalty_id||MC12345678'],
    [
      { type: 'pos_customer', value: 'C000123', scope: 'Cegid:FR' },
      'v1|pos_customer|cegid:fr|C000123',
    ],
    [
      {
        type: 'ecom_customer',
        value: 'gid://shopify/Customer/7654321098765',
        scope: 'shopify:maison-eu.myshopify.com',
      },
      'v1|ecom_customer|shopify:maison-eu.myshopify.com|7654321098765',
    ],
    [
      { type: 'wechat_openid', value: 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc', scope: 'wx4f28b4b2dcaafca1' },
      'v1|wechat_openid|wx4f28b4b2dcaafca1|oLVPpjqs9BhvzwPj5A-vTYAX3GLc',
    ],
    [
      { type: 'wechat_unionid', value: 'o6_bmasdasdsad6_2sgVt7hMZOPfL' },
      'v1|wechat_unionid||o6_bmasdasdsad6_2sgVt7hMZOPfL',
    ],
    [{ type: 'kakao_id', value: 'Jane.Kim' }, 'v1|kakao_id||jane.kim'],
    [{ type: 'line_id', value: '@hanako_t' }, 'v1|line_id||hanako_t'],
  ])('%j → %s', (input, expected) => {
    expect(canonicalKey(identifier(input))).toBe(expected);
  });

  it('starts with the format version', () => {
    expect(CANONICAL_KEY_VERSION).toBe('v1');
  });

  it('separates types for the same raw value', () => {
    const keys = [
      identifier({ type: 'kakao_id', value: 'jane.kim' }),
      identifier({ type: 'line_id', value: 'jane.kim' }),
      identifier({ type: 'wechat_unionid', value: 'janekim' }),
      identifier({ type: 'loyalty_id', value: 'janekim' }),
      identifier({ type: 'pos_customer', value: 'janekim', scope: 'cegid' }),
    ].map(canonicalKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('cannot be confused by a separator moved between scope and value', () => {
    // With ":" as the separator these two would both be "pos_customer:a:b:c".
    const a = identifier({ type: 'pos_customer', scope: 'a:b', value: 'c' });
    const b = identifier({ type: 'pos_customer', scope: 'a', value: 'b:c' });
    expect(canonicalKey(a)).not.toBe(canonicalKey(b));
    // And "|" inside a value cannot forge a scope, because scopes can never contain it.
    const c = identifier({ type: 'pos_customer', scope: 'a', value: 'b|c' });
    expect(canonicalKey(c)).toBe('v1|pos_customer|a|b|c');
    expect(normaliseIdentifier({ type: 'pos_customer', scope: 'a|b', value: 'c' }).ok).toBe(false);
  });

  it('refuses objects that did not come from normaliseIdentifier', () => {
    const forged = [
      { type: 'fax', scope: null, value: '1' },
      { type: 'email', scope: null, value: '' },
      { type: 'email', scope: 'x', value: 'a@b.co' },
      { type: 'pos_customer', scope: null, value: 'C1' },
      { type: 'pos_customer', scope: 'a|b', value: 'C1' },
    ] as unknown as ClientIdentifier[];
    for (const id of forged) expect(() => canonicalKey(id)).toThrow(TypeError);
  });

  it('does not change when the identifier is read back from JSON and normalised again', () => {
    const original = identifier({ type: 'phone', value: '090-1234-5678', defaultCountry: 'JP' });
    const stored = JSON.parse(JSON.stringify(original)) as IdentifierInput;
    expect(canonicalKey(identifier(stored))).toBe(canonicalKey(original));
  });
});
