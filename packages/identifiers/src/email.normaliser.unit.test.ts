import { describe, expect, it } from '@jest/globals';
import { canonicalKey, EMAIL_MAX_LENGTH, normaliseIdentifier, type IssueReason } from './index.js';

function key(value: string): string {
  const result = normaliseIdentifier({ type: 'email', value });
  if (!result.ok) throw new Error(`${JSON.stringify(value)}: ${result.reason}`);
  return canonicalKey(result.identifier);
}

function reason(value: string): IssueReason | 'accepted' {
  const result = normaliseIdentifier({ type: 'email', value });
  return result.ok ? 'accepted' : result.reason;
}

describe('email normalisation', () => {
  it('trims, lower-cases and applies NFKC to give one canonical key', () => {
    const variants = [
      'jane.doe@example.com',
      'Jane.Doe@Example.COM',
      '  jane.doe@example.com\t',
      '\njane.doe@example.com\r\n',
      '\u00a0JANE.DOE@EXAMPLE.COM\u3000', // no-break and ideographic spaces around it
      'ｊａｎｅ.ｄｏｅ＠ｅｘａｍｐｌｅ.ｃｏｍ', // full-width, as typed with a CJK IME
      'jane.doe﹫example.com', // small commercial at
      '\ufeffjane.doe@example.com', // byte-order mark left at the start of a CSV file
    ];
    expect(new Set(variants.map(key))).toEqual(new Set(['v1|email||jane.doe@example.com']));
  });

  it('unifies composed and decomposed accents', () => {
    const composed = 'h\u00e9l\u00e8ne@exemple.fr';
    const decomposed = 'he\u0301le\u0300ne@exemple.fr';
    expect(composed).not.toBe(decomposed);
    expect(key(decomposed)).toBe(key(composed));
    expect(key(composed)).toBe('v1|email||hélène@exemple.fr');
  });

  it('lower-cases without the server locale (Turkish dotted capital I)', () => {
    expect(key('İlker@Example.com')).toBe('v1|email||i\u0307lker@example.com');
  });

  it('keeps internationalised domains in their Unicode form', () => {
    expect(key('Kunde@Bücher.DE')).toBe('v1|email||kunde@bücher.de');
    expect(key('客户@例子.中国')).toBe('v1|email||客户@例子.中国');
  });

  it('applies no provider rules: dots, plus tags and googlemail stay significant', () => {
    const distinct = [
      'janedoe@gmail.com',
      'jane.doe@gmail.com',
      'jane.doe+paris@gmail.com',
      'jane.doe@googlemail.com',
    ].map(key);
    expect(new Set(distinct).size).toBe(4);
  });

  it('accepts the RFC-violating dots that Japanese carriers issued', () => {
    expect(key('taro..yamada.@docomo.ne.jp')).toBe('v1|email||taro..yamada.@docomo.ne.jp');
    expect(key('.hanako@ezweb.ne.jp')).toBe('v1|email||.hanako@ezweb.ne.jp');
  });

  it(`accepts up to ${EMAIL_MAX_LENGTH} characters and rejects ${EMAIL_MAX_LENGTH + 1}`, () => {
    const local = 'a'.repeat(64);
    const labels = (n: number) => Array.from({ length: n }, () => 'b'.repeat(63));
    // 64 + 1 + 255 = 320: four labels of 63 and a 3-letter TLD.
    const longest = `${local}@${[...labels(3), 'c'.repeat(63)].join('.')}`.slice(0, 316) + '.com';
    expect(longest).toHaveLength(EMAIL_MAX_LENGTH);
    expect(reason(longest)).toBe('accepted');
    expect(reason(`x${longest}`)).toBe('too_long');
    expect(reason(`${'a'.repeat(400)}@example.com`)).toBe('too_long');
  });

  it('enforces the RFC 5321 part limits in bytes', () => {
    expect(reason(`${'a'.repeat(64)}@example.com`)).toBe('accepted');
    expect(reason(`${'a'.repeat(65)}@example.com`)).toBe('too_long');
    // 33 × "é" is 33 characters but 66 bytes.
    expect(reason(`${'é'.repeat(33)}@example.com`)).toBe('too_long');
    expect(reason(`jane@${'b'.repeat(64)}.com`)).toBe('malformed');
  });

  it.each<[string, IssueReason]>([
    ['', 'empty'],
    ['   \t ', 'empty'],
    ['jane.doe', 'malformed'],
    ['jane@doe@example.com', 'malformed'],
    ['@example.com', 'malformed'],
    ['jane@', 'malformed'],
    ['jane@localhost', 'malformed'],
    ['jane@example..com', 'malformed'],
    ['jane@example.com.', 'malformed'],
    ['jane@-example.com', 'malformed'],
    ['jane@[192.0.2.1]', 'malformed'],
    ['jane doe@example.com', 'malformed'],
    ['Jane Doe <jane@example.com>', 'malformed'],
    ['mailto:jane@example', 'malformed'],
    ['jane\u0000@example.com', 'control_character'],
    ['jane@example.com\u0007', 'control_character'],
    ['ja\u0085ne@example.com', 'control_character'],
    ['jane\u200b@example.com', 'invalid_character'],
    ['ja\ufeffne@example.com', 'invalid_character'],
    ['ja\u00adne@example.com', 'invalid_character'],
    ['jane\ue000@example.com', 'invalid_character'],
    ['jane\u{e01f0}@example.com', 'invalid_character'],
    ['jane\ud800@example.com', 'invalid_character'],
  ])('rejects %j as %s', (value, expected) => {
    expect(normaliseIdentifier({ type: 'email', value })).toMatchObject({
      ok: false,
      field: 'value',
      reason: expected,
    });
  });

  it('never echoes the address in its messages', () => {
    const result = normaliseIdentifier({ type: 'email', value: 'secret.client@@example.com' });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('secret');
  });
});
