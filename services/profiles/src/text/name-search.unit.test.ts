import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { foldForSearch, likePrefix, queryTerms, searchTokens } from './name-search.js';

/** What the read model's SQL does: every term is a prefix of some token. */
function finds(names: string[], query: string): boolean {
  const tokens = searchTokens(names);
  const terms = queryTerms(query);
  return terms.length > 0 && terms.every((t) => tokens.some((token) => token.startsWith(t)));
}

describe('name search keys', () => {
  it.each([
    [
      'Chinese',
      ['王芳', 'Wang Fang'],
      ['王芳', '芳', '王', 'wang', 'Fang', 'wang fang', 'wangfang', 'WANG'],
    ],
    [
      'Arabic',
      ['مُحَمَّد الأحمد', 'Mohammed Al-Ahmad'],
      ['محمد', 'مُحَمَّد', 'الاحمد', 'mohammed', 'al-ahmad', 'ahmad', 'alahmad'],
    ],
    [
      'Korean',
      ['김민준', 'Kim Min-jun'],
      ['김민준', '민준', 'kim', 'min-jun', 'minjun', 'min jun'],
    ],
    [
      'Japanese',
      ['山田 花子', 'やまだ はなこ', 'Yamada Hanako'],
      ['花子', '山田', 'ヤマダ', 'やまだ', 'hanako', 'ｙａｍａｄａ'],
    ],
    [
      'Cyrillic',
      ['Алёна Соколова', 'Alyona Sokolova'],
      ['алена', 'Алёна', 'соколова', 'sokolova', 'alyona'],
    ],
    [
      'combining accents',
      ['José Nuñez', 'Françoise Dupré'],
      ['jose', 'José', 'Jose\u0301', 'nunez', 'NUÑEZ', 'francoise', 'dupre'],
    ],
  ])('%s names are found in native and transliterated forms', (_script, names, queries) => {
    for (const q of queries) expect([q, finds(names, q)]).toEqual([q, true]);
  });

  it('does not find what is not there', () => {
    expect(finds(['王芳', 'Wang Fang'], 'li')).toBe(false);
    expect(finds(['山田 花子'], 'かな')).toBe(false);
    // voiced marks are kept: が is not か
    expect(finds(['がくと'], 'かくと')).toBe(false);
    expect(finds(['José'], 'josef')).toBe(false);
    expect(finds(['Wang'], '   ')).toBe(false);
  });

  it('folds compatibility, case, accents, Arabic variants and katakana', () => {
    expect(foldForSearch('Ｗａｎｇ')).toBe('wang');
    expect(foldForSearch('STRAßE')).toBe('strasse');
    expect(foldForSearch('Ёлка Йогурт')).toBe('елка иогурт');
    expect(foldForSearch('أَحْمَد')).toBe('احمد');
    expect(foldForSearch('ｶﾀｶﾅ')).toBe('かたかな');
    expect(foldForSearch('김민준')).toBe('김민준');
  });

  it('escapes LIKE wildcards', () => {
    expect(likePrefix('50%_off\\')).toBe('50\\%\\_off\\\\%');
  });

  it('property: folding is idempotent and NFC/NFD/NFKC forms of a name give the same tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (s) => {
        expect(foldForSearch(foldForSearch(s))).toBe(foldForSearch(s));
        expect(searchTokens([s.normalize('NFD')])).toEqual(searchTokens([s.normalize('NFC')]));
      }),
    );
  });

  it('property: a name is found by each of its words and by itself', () => {
    const word = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (parts) => {
        const name = parts.join(' ');
        if (queryTerms(name).length === 0) return;
        expect(finds([name], name)).toBe(true);
        for (const p of parts) if (queryTerms(p).length > 0) expect(finds([name], p)).toBe(true);
      }),
    );
  });
});
