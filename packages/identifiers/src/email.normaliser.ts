import { codePointLength, prepareText, utf8Length } from './text.rules.js';
import { rejected, type PartResult } from './validation-issue.js';

/** The limit the platform accepts: 64 (local part) + 1 + 255 (domain), RFC 5321 §4.5.3.1. */
export const EMAIL_MAX_LENGTH = 320;
const LOCAL_MAX_OCTETS = 64; // RFC 5321 §4.5.3.1.1
const DOMAIN_MAX_OCTETS = 255; // RFC 5321 §4.5.3.1.2
const LABEL_MAX_OCTETS = 63; // RFC 1035 §2.3.4
const WHITESPACE = /\s/u;
// Letters, digits and marks from any script (internationalised domains stay in their Unicode
// form) with inner hyphens.
const LABEL = /^[\p{L}\p{N}\p{M}](?:[\p{L}\p{N}\p{M}-]*[\p{L}\p{N}\p{M}])?$/u;

/**
 * Canonical email: NFKC, trimmed, lower-cased. Nothing provider-specific: Gmail's dot and plus
 * rules, googlemail.com ≡ gmail.com and sub-addressing are equivalences between *different*
 * addresses, which the identity service may apply as resolution rules; folding them in here
 * would silently merge mailboxes at providers where dots and plus signs are significant.
 *
 * Lower-casing the local part is a deliberate trade: RFC 5321 §2.4 lets a server treat it as
 * case-sensitive, but clients and associates type their addresses in any case and no mainstream
 * provider distinguishes them. The privacy package's blind index does the same.
 */
export function normaliseEmail(raw: unknown): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'reject' });
  if (!prepared.ok) return prepared;
  const email = lowerCase(prepared.text);
  if (codePointLength(email) > EMAIL_MAX_LENGTH)
    return rejected('too_long', `must be at most ${EMAIL_MAX_LENGTH} characters`);
  if (WHITESPACE.test(email)) return rejected('malformed', 'must not contain spaces');
  const parts = email.split('@');
  if (parts.length !== 2) return rejected('malformed', 'must contain exactly one @');
  const [local = '', domain = ''] = parts;
  if (local.length === 0) return rejected('malformed', 'must have a local part before @');
  // Dots are not checked in the local part: Japanese mobile carriers issued addresses with
  // leading, trailing and doubled dots that RFC 5322 forbids, and those clients still exist.
  if (utf8Length(local) > LOCAL_MAX_OCTETS)
    return rejected('too_long', `local part must be at most ${LOCAL_MAX_OCTETS} bytes`);
  if (utf8Length(domain) > DOMAIN_MAX_OCTETS)
    return rejected('too_long', `domain must be at most ${DOMAIN_MAX_OCTETS} bytes`);
  const labels = domain.split('.');
  if (labels.length < 2) return rejected('malformed', 'domain must have at least two labels');
  for (const label of labels) {
    if (!LABEL.test(label) || utf8Length(label) > LABEL_MAX_OCTETS)
      return rejected('malformed', 'domain labels must be letters, digits and inner hyphens');
  }
  return { ok: true, text: email };
}

/**
 * NFKC (done by prepareText), lower-case, NFKC again. toLowerCase, never toLocaleLowerCase: the
 * server's locale (Turkish dotted İ) must not change a key. The second NFKC guarantees the result
 * is in NFKC whatever lower-casing produced; for every single code point the composition is
 * already idempotent (checked exhaustively against Node 24's ICU), and the property tests check
 * idempotence on arbitrary strings.
 */
function lowerCase(text: string): string {
  return text.toLowerCase().normalize('NFKC');
}
