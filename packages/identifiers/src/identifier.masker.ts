import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { ClientIdentifier } from './identifier-types.js';
import { unreachable } from './scope.normaliser.js';

const MASK = '•';
// A fixed-width mask, so the display does not leak the length of what it hides.
const HIDDEN = MASK.repeat(3);
// Graphemes, not code points: a mask must not cut a letter from its accent or split an emoji.
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

function splitGraphemes(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
}

/**
 * A display form for people who may know that an identifier exists but not read it:
 * `j•••@example.com`, `+33 6 •• •• •• 78`, `••••5678`. The scope is not shown (it names a
 * system, not the client). Never a substitute for access control on the full value.
 */
export function maskIdentifier(identifier: ClientIdentifier): string {
  switch (identifier.type) {
    case 'email':
      return maskEmail(identifier.value);
    case 'phone':
    case 'whatsapp':
      return maskPhone(identifier.value);
    case 'loyalty_id':
    case 'pos_customer':
    case 'ecom_customer':
    case 'wechat_openid':
    case 'wechat_unionid':
    case 'kakao_id':
    case 'line_id':
      return maskTail(identifier.value);
    default:
      return unreachable(identifier);
  }
}

function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = splitGraphemes(email.slice(0, at));
  // With a one-character local part, showing that character would show all of it.
  const first = local.length >= 2 ? (local[0] ?? '') : '';
  return `${first}${HIDDEN}@${email.slice(at + 1)}`;
}

/** The country calling code, the first digit and the last two stay; grouping follows the country. */
function maskPhone(e164: string): string {
  let formatted: string;
  try {
    formatted = parsePhoneNumberWithError(e164).formatInternational();
  } catch {
    formatted = e164; // cannot happen for a normalised number; still never show it whole
  }
  const space = formatted.indexOf(' ');
  const prefix = space === -1 ? '' : formatted.slice(0, space + 1);
  const national = space === -1 ? formatted.replace(/^\+/, '') : formatted.slice(space + 1);
  const digits = national.replace(/\D/g, '').length;
  const keepFirst = digits >= 6 ? 1 : 0;
  let seen = 0;
  const masked = national.replace(/\d/g, (d) => {
    seen++;
    return seen <= keepFirst || seen > digits - 2 ? d : MASK;
  });
  return `${space === -1 ? '+' : prefix}${masked}`;
}

function maskTail(value: string): string {
  const chars = splitGraphemes(value);
  return chars.length >= 8 ? `${MASK.repeat(4)}${chars.slice(-4).join('')}` : MASK.repeat(4);
}
