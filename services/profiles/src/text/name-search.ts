/**
 * Search keys for client names in any script, computed in the service (not by the database), so
 * PostgreSQL and PGlite behave the same with no extension and whatever the collation.
 *
 * `foldForSearch` makes the forms a person may type meet the forms stored:
 * - NFKC: compatibility forms become ordinary ones (full-width Ｗａｎｇ → wang, half-width ｶﾀｶﾅ
 *   → カタカナ, ligatures ﬁ → fi), and canonically equivalent sequences (NFD José, NFC José) meet;
 * - case folding (lower case; ß → ss);
 * - accent folding for Latin, Greek and Cyrillic (é → e, ñ → n, ё → е, й → и): combining marks are
 *   dropped after letters of those scripts only. Japanese voiced marks stay (が is not か) and
 *   Hangul syllables are left whole;
 * - Arabic: harakat and tatweel removed, alef/yeh/teh marbuta variants unified (أحمد = احمد);
 * - katakana folded to hiragana (ワン = わん), as Japanese search usually does.
 *
 * `searchTokens` indexes every word of every name form, the words joined from each word on
 * (Kim Min-jun → kimminjun, minjun), and
 * for scripts written without spaces (Han, kana, Hangul) every suffix of each run, so a prefix
 * match on the tokens is a substring match on the name (芳 finds 王芳).
 */

const COMBINING = /\p{M}/u;
const FOLDABLE_BASE = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;
const ARABIC_MARKS =
  /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED\u0640]/gu;
const ARABIC_LETTERS: Readonly<Record<string, string>> = {
  آ: 'ا',
  أ: 'ا',
  إ: 'ا',
  ٱ: 'ا',
  ى: 'ي',
  ئ: 'ي',
  ؤ: 'و',
  ة: 'ه',
};
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー々]/u;
const SEPARATORS = /[\s\p{P}\p{S}]+/u;

export const MAX_TOKEN_LENGTH = 100;

function dropAccents(text: string): string {
  let out = '';
  let base = '';
  for (const ch of text.normalize('NFD')) {
    if (COMBINING.test(ch)) {
      if (FOLDABLE_BASE.test(base)) continue;
      out += ch;
      continue;
    }
    base = ch;
    out += ch;
  }
  return out.normalize('NFC');
}

function katakanaToHiragana(text: string): string {
  return text.replace(/[\u30A1-\u30F6]/gu, (c) =>
    String.fromCodePoint((c.codePointAt(0) ?? 0) - 0x60),
  );
}

/** The search form of a text. Idempotent. */
export function foldForSearch(text: string): string {
  let s = text.normalize('NFKC').toLowerCase().replaceAll('ß', 'ss');
  s = dropAccents(s);
  s = s.replace(ARABIC_MARKS, '').replace(/[آأإٱىئؤة]/gu, (c) => ARABIC_LETTERS[c] ?? c);
  s = katakanaToHiragana(s);
  return s.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

function words(folded: string): string[] {
  return folded.split(SEPARATORS).filter((w) => w.length > 0);
}

/** Runs of characters of unspaced scripts inside a word. */
function unspacedRuns(word: string): string[] {
  const runs: string[] = [];
  let run = '';
  for (const ch of word) {
    if (UNSPACED.test(ch)) run += ch;
    else if (run.length > 0) {
      runs.push(run);
      run = '';
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function suffixes(run: string): string[] {
  const chars = Array.from(run);
  return chars.map((_, i) => chars.slice(i).join(''));
}

const clip = (t: string) => Array.from(t).slice(0, MAX_TOKEN_LENGTH).join('');

/** Every token a name can be found by. */
export function searchTokens(texts: readonly string[]): string[] {
  const tokens = new Set<string>();
  for (const text of texts) {
    const ws = words(foldForSearch(text));
    if (ws.length === 0) continue;
    for (const w of ws) {
      tokens.add(clip(w));
      for (const run of unspacedRuns(w)) for (const s of suffixes(run)) tokens.add(clip(s));
    }
    // the words joined from each position on: Kim Min-jun → kimminjun, minjun
    for (let i = 0; i < ws.length - 1; i++) tokens.add(clip(ws.slice(i).join('')));
  }
  return [...tokens].filter((t) => t.length > 0);
}

/**
 * What a search query must match: each term is a prefix of some token (all terms must match).
 * Terms are at most 10, each clipped like tokens.
 */
export function queryTerms(query: string): string[] {
  return [...new Set(words(foldForSearch(query)).map(clip))].slice(0, 10);
}

/** Escapes LIKE wildcards for a prefix pattern (`term%`). */
export function likePrefix(term: string): string {
  return `${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
