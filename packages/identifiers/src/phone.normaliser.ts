import {
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { prepareText } from './text.rules.js';
import { rejected, type IssueReason, type PartResult } from './validation-issue.js';

// Longer than any formatted number with an international prefix and punctuation; anything beyond
// is not a phone number and not worth parsing.
const PHONE_MAX_LENGTH = 64;

export type DefaultCountryResult =
  | { readonly ok: true; readonly country: CountryCode | undefined }
  | { readonly ok: false; readonly message: string };

/**
 * ISO 3166-1 alpha-2, any case (`fr` → `FR`), and one libphonenumber-js has metadata for.
 * Absent is fine: international numbers need no default country.
 */
export function parseDefaultCountry(raw: unknown): DefaultCountryResult {
  if (raw === undefined || raw === null) return { ok: true, country: undefined };
  if (typeof raw !== 'string') return { ok: false, message: 'must be a string' };
  const code = raw.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code))
    return { ok: false, message: 'must be an ISO 3166-1 alpha-2 country code' };
  return { ok: true, country: code };
}

/**
 * Canonical phone number: E.164 (`+33612345678`), parsed by libphonenumber-js with the full
 * ("max") metadata so that validity is checked against each country's numbering plan, not just
 * its lengths. `defaultCountry` (the store's country) resolves national formats.
 *
 * - The whole input must be a number (`extract: false`): "Tel: 06…" is rejected, not mined. A
 *   `tel:` URI prefix (RFC 3966) is the one wrapper accepted.
 * - Invisible bidi marks and zero-width characters are dropped first: they surround numbers copied
 *   from right-to-left interfaces (Arabic in Dubai and Riyadh) and would otherwise fail parsing.
 * - A leading `00` is read as `+` when the default country's own rules give no valid number. `00`
 *   is the international prefix in most countries, but not in the US (011), Japan (010), Korea
 *   (001, 002…) or Singapore (000, 001…), where associates still receive numbers written that way.
 * - Numbers with an extension are rejected: E.164 cannot carry one, and dropping it would give
 *   everyone behind a switchboard the same identifier.
 */
export function normalisePhone(raw: unknown, defaultCountry: CountryCode | undefined): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'strip' });
  if (!prepared.ok) return prepared;
  // RFC 3966 URIs (vCards, e-commerce exports): the number after `tel:` is parsed like any other.
  const text = prepared.text.replace(/^tel:(?=[+0-9])/i, '');
  if (text.length > PHONE_MAX_LENGTH)
    return rejected('too_long', `must be at most ${PHONE_MAX_LENGTH} characters`);

  const primary = parse(text, defaultCountry);
  if (primary.ok && primary.number.isValid()) return accept(primary.number);
  if (text.startsWith('00')) {
    const international = parse(`+${text.slice(2)}`, undefined);
    if (international.ok && international.number.isValid()) return accept(international.number);
  }
  if (!primary.ok) return rejected(primary.reason, primary.message);
  return primary.number.isPossible()
    ? rejected('phone_invalid', 'is not a valid number in its numbering plan')
    : rejected('phone_invalid_length', 'has the wrong number of digits for its country');
}

function accept(number: PhoneNumber): PartResult {
  if (number.ext !== undefined)
    return rejected('phone_extension', 'must not have an extension (E.164 cannot hold one)');
  return { ok: true, text: number.number };
}

type Parsed =
  | { readonly ok: true; readonly number: PhoneNumber }
  | { readonly ok: false; readonly reason: IssueReason; readonly message: string };

function parse(text: string, defaultCountry: CountryCode | undefined): Parsed {
  try {
    const options =
      defaultCountry === undefined ? { extract: false } : { defaultCountry, extract: false };
    return { ok: true, number: parsePhoneNumberWithError(text, options) };
  } catch (error) {
    // Anything but a ParseError is a bug in the library or here, not bad input: let it surface.
    if (!(error instanceof ParseError)) throw error;
    return { ok: false, ...parseFailure(error.message, text) };
  }
}

function parseFailure(code: string, text: string): { reason: IssueReason; message: string } {
  switch (code) {
    case 'INVALID_COUNTRY':
      return text.startsWith('+')
        ? { reason: 'phone_unknown_country_code', message: 'has an unknown country calling code' }
        : {
            reason: 'phone_country_required',
            message: 'is in national format: give defaultCountry or an international number',
          };
    case 'TOO_SHORT':
    case 'TOO_LONG':
    case 'INVALID_LENGTH':
      return {
        reason: 'phone_invalid_length',
        message: 'has the wrong number of digits for its country',
      };
    default:
      // NOT_A_NUMBER, and any code a later library version adds.
      return { reason: 'phone_not_a_number', message: 'is not a phone number' };
  }
}
