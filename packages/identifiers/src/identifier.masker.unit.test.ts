import { describe, expect, it } from '@jest/globals';
import { maskIdentifier, normaliseIdentifier, type IdentifierInput } from './index.js';

function mask(input: IdentifierInput): string {
  const result = normaliseIdentifier(input);
  if (!result.ok) throw new Error(`${input.type}: ${result.reason}`);
  return maskIdentifier(result.identifier);
}

describe('maskIdentifier', () => {
  it.each<[IdentifierInput, string]>([
    [{ type: 'email', value: 'Jane.Doe@Example.com' }, 'j•••@example.com'],
    [{ type: 'email', value: 'j@example.com' }, '•••@example.com'],
    [{ type: 'email', value: 'élodie@exemple.fr' }, 'é•••@exemple.fr'],
    [{ type: 'phone', value: '06 12 34 56 78', defaultCountry: 'FR' }, '+33 6 •• •• •• 78'],
    [{ type: 'phone', value: '(212) 555-0123', defaultCountry: 'US' }, '+1 2•• ••• ••23'],
    [{ type: 'whatsapp', value: '+971 50 123 4567' }, '+971 5• ••• ••67'],
    [{ type: 'phone', value: '090-1234-5678', defaultCountry: 'JP' }, '+81 9• •••• ••78'],
    [{ type: 'loyalty_id', value: 'MC12345678' }, '••••5678'],
    [
      { type: 'wechat_openid', value: 'oLVPpjqs9BhvzwPj5A-vTYAX3GLc', scope: 'wx4f28b4b2dcaafca1' },
      '••••3GLc',
    ],
    [{ type: 'pos_customer', value: 'C000123', scope: 'cegid:fr' }, '••••'],
    [{ type: 'line_id', value: 'hanako_t' }, '••••ko_t'],
    [{ type: 'kakao_id', value: 'jane' }, '••••'],
  ])('%j → %s', (input, expected) => {
    expect(mask(input)).toBe(expected);
  });

  it('hides the length of the local part', () => {
    expect(mask({ type: 'email', value: 'jo@example.com' })).toBe(
      mask({ type: 'email', value: 'jonathan.alexander@example.com' }),
    );
  });

  it('never shows a phone number whole', () => {
    for (const value of ['+33612345678', '+8613800138000', '+821012345678', '+6581234567']) {
      const masked = mask({ type: 'phone', value });
      expect(masked.replace(/\D/g, '')).not.toContain(value.slice(-6));
      expect(masked).toContain('•');
    }
  });
});
