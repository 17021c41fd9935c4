import { describe, expect, it } from '@jest/globals';
import {
  canonicalKey,
  clientIdentifierListSchema,
  clientIdentifierSchema,
  customerReferenceListSchema,
  customerReferenceSchema,
  MAX_CUSTOMER_REFERENCES,
} from './index.js';

function issues(result: { success: boolean; error?: { issues: readonly unknown[] } }) {
  return (result.error?.issues ?? []).map((i) => {
    const issue = i as { path: PropertyKey[]; params?: { reason?: string } };
    return { path: issue.path, reason: issue.params?.reason };
  });
}

describe('customerReferenceSchema', () => {
  it('accepts a reference and keeps the value as written', () => {
    const parsed = customerReferenceSchema.parse({ type: 'email', value: ' Jane@Example.com ' });
    expect(parsed).toEqual({ type: 'email', value: ' Jane@Example.com ' });
    expect(
      customerReferenceSchema.parse({ type: 'pos_customer', value: 'C1', scope: 'cegid:fr' }),
    ).toEqual({ type: 'pos_customer', value: 'C1', scope: 'cegid:fr' });
  });

  it('rejects unknown types, empty values and scope mistakes with reasons', () => {
    expect(customerReferenceSchema.safeParse({ type: 'fax', value: '1' }).success).toBe(false);
    expect(customerReferenceSchema.safeParse({ type: 'email', value: '' }).success).toBe(false);
    expect(
      issues(customerReferenceSchema.safeParse({ type: 'pos_customer', value: 'C1' })),
    ).toEqual([{ path: ['scope'], reason: 'scope_required' }]);
    expect(
      issues(customerReferenceSchema.safeParse({ type: 'email', value: 'a@b.co', scope: 'x' })),
    ).toEqual([{ path: ['scope'], reason: 'scope_not_allowed' }]);
  });

  it('treats a null scope as absent', () => {
    expect(
      customerReferenceSchema.safeParse({ type: 'email', value: 'a@b.co', scope: null }).success,
    ).toBe(true);
  });

  it('bounds the list', () => {
    const ref = { type: 'email', value: 'a@b.co' };
    expect(customerReferenceListSchema.safeParse([ref, ref]).success).toBe(true);
    const tooMany = Array.from({ length: MAX_CUSTOMER_REFERENCES + 1 }, () => ref);
    expect(customerReferenceListSchema.safeParse(tooMany).success).toBe(false);
  });
});

describe('clientIdentifierSchema', () => {
  it('normalises with the store country', () => {
    const parsed = clientIdentifierSchema({ defaultCountry: 'JP' }).parse({
      type: 'phone',
      value: '090-1234-5678',
    });
    expect(canonicalKey(parsed)).toBe('v1|phone||+819012345678');
  });

  it('reports each rejection at its path with the reason, never the value', () => {
    const result = clientIdentifierListSchema({ defaultCountry: 'FR' }).safeParse([
      { type: 'email', value: 'jane@example.com' },
      { type: 'email', value: 'secret-client-at-example.com' },
      { type: 'pos_customer', value: 'C1' },
      { type: 'phone', value: '06 12 34 56 7' },
    ]);
    expect(result.success).toBe(false);
    expect(issues(result)).toEqual([
      { path: [1, 'value'], reason: 'malformed' },
      { path: [2, 'scope'], reason: 'scope_required' },
      { path: [3, 'value'], reason: 'phone_invalid' },
    ]);
    expect(JSON.stringify(result.error)).not.toContain('secret-client');
  });

  it('returns identifiers that canonicalKey accepts', () => {
    const ids = clientIdentifierListSchema().parse([
      { type: 'loyalty_id', value: 'mc 1234-5678' },
      { type: 'ecom_customer', value: '42', scope: 'shopify:maison-eu.myshopify.com' },
    ]);
    expect(ids.map(canonicalKey)).toEqual([
      'v1|loyalty_id||MC12345678',
      'v1|ecom_customer|shopify:maison-eu.myshopify.com|42',
    ]);
  });
});
