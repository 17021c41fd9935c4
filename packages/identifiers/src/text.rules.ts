import { rejected, type PartResult } from './validation-issue.js';

// Upper bound on what we even look at, so a multi-megabyte string cannot make NFKC or regexes
// expensive. Every type's own limit is far below it.
const MAX_RAW_LENGTH = 2048;

const CONTROL = /\p{Cc}/u;
// Format characters (zero-width space and joiners, bidi marks, BOM, soft hyphen): invisible, so
// two values that look identical on screen would give different keys.
const FORMAT = /\p{Cf}/u;
const FORMAT_ALL = /\p{Cf}/gu;
// Unassigned code points are rejected because Unicode only guarantees that NFKC of *assigned*
// characters never changes; accepting them could make a key depend on the Node/ICU version.
// Private-use characters have no agreed meaning across systems.
const UNSTABLE = /[\p{Cn}\p{Co}]/u;

export interface TextOptions {
  /** What to do with invisible format characters: phone numbers drop them, the rest reject. */
  readonly formatCharacters: 'reject' | 'strip';
}

/**
 * The steps every identifier shares: a string, NFKC (full-width digits and letters typed with
 * Chinese, Japanese and Korean IMEs, no-break spaces, compatibility forms), trimmed, non-empty,
 * and free of control, unassigned and private-use characters.
 */
export function prepareText(raw: unknown, options: TextOptions): PartResult {
  if (typeof raw !== 'string') return rejected('not_a_string', 'must be a string');
  if (raw.length > MAX_RAW_LENGTH)
    return rejected('too_long', `must be at most ${MAX_RAW_LENGTH} characters`);
  if (!raw.isWellFormed()) return rejected('invalid_character', 'must be well-formed Unicode');
  let text = raw.normalize('NFKC').trim();
  if (CONTROL.test(text))
    return rejected('control_character', 'must not contain control characters');
  if (UNSTABLE.test(text))
    return rejected('invalid_character', 'must not contain unassigned or private-use characters');
  if (options.formatCharacters === 'strip') text = text.replace(FORMAT_ALL, '').trim();
  else if (FORMAT.test(text))
    return rejected('invalid_character', 'must not contain invisible formatting characters');
  if (text.length === 0) return rejected('empty', 'must not be empty');
  return { ok: true, text };
}

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const encoder = new TextEncoder();
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
