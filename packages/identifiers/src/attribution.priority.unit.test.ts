import { describe, expect, it } from '@jest/globals';
import {
  ATTRIBUTION_PRIORITY,
  byAttributionPriority,
  IDENTIFIER_TYPES,
  type IdentifierType,
} from './index.js';

describe('ATTRIBUTION_PRIORITY', () => {
  it('ranks every identifier type exactly once', () => {
    expect([...ATTRIBUTION_PRIORITY].sort()).toEqual([...IDENTIFIER_TYPES].sort());
  });

  it('puts house-issued records before contact points before messaging handles', () => {
    const rank = (t: IdentifierType) => ATTRIBUTION_PRIORITY.indexOf(t);
    expect(ATTRIBUTION_PRIORITY[0]).toBe('loyalty_id');
    expect(rank('ecom_customer')).toBeLessThan(rank('pos_customer'));
    expect(rank('pos_customer')).toBeLessThan(rank('email'));
    expect(rank('email')).toBeLessThan(rank('phone'));
    expect(rank('phone')).toBeLessThan(rank('whatsapp'));
    expect(rank('wechat_unionid')).toBeLessThan(rank('wechat_openid'));
    for (const handle of ['wechat_openid', 'kakao_id', 'line_id'] as const)
      expect(rank('whatsapp')).toBeLessThan(rank(handle));
  });
});

describe('byAttributionPriority', () => {
  it('orders by priority, keeps input order within a type and does not mutate', () => {
    const ids = [
      { type: 'phone', n: 1 },
      { type: 'email', n: 2 },
      { type: 'line_id', n: 3 },
      { type: 'email', n: 4 },
      { type: 'loyalty_id', n: 5 },
    ] as const;
    const snapshot = JSON.stringify(ids);
    expect(byAttributionPriority(ids).map((i) => i.n)).toEqual([5, 2, 4, 1, 3]);
    expect(JSON.stringify(ids)).toBe(snapshot);
  });

  it('handles empty lists and sorts types it does not know last', () => {
    expect(byAttributionPriority([])).toEqual([]);
    const withUnknown = [{ type: 'fax' }, { type: 'line_id' }] as unknown as {
      type: IdentifierType;
    }[];
    expect(byAttributionPriority(withUnknown).map((i) => i.type)).toEqual(['line_id', 'fax']);
  });
});
