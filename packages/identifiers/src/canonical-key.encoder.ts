import {
  isIdentifierType,
  isScopedIdentifierType,
  type ClientIdentifier,
} from './identifier-types.js';

/** Format version, the first part of every key. A new format would be `v2`, never a changed v1. */
export const CANONICAL_KEY_VERSION = 'v1';
const SEPARATOR = '|';

/**
 * The exact string to feed a blind index: `v1|<type>|<scope>|<value>`, the scope empty for
 * unscoped types.
 *
 *     v1|email||jane.doe@example.com
 *     v1|phone||+33612345678
 *     v1|pos_customer|cegid:fr|C000123
 *     v1|ecom_customer|shopify:maison-eu.myshopify.com|7654321098765
 *
 * Unambiguous: the version, the type and the scope can never contain `|` (types are fixed
 * snake_case names, scopes are validated to lower-case ASCII letters, digits, `.`, `_`, `-`, `:`),
 * so the first three `|` always end those parts and everything after them is the value, which may
 * itself contain `|`. Two identifiers get the same key only if type, scope and value are all equal.
 *
 * Frozen: stored blind indexes are HMACs of these strings, so changing the format, a type name or
 * any normalisation rule would make every stored index unfindable.
 */
export function canonicalKey(identifier: ClientIdentifier): string {
  const { type, scope, value } = identifier;
  // The brand already stops TS callers from passing raw objects; this guards JS callers and casts,
  // since a malformed key would silently corrupt an index instead of failing.
  const scoped = isIdentifierType(type) && isScopedIdentifierType(type);
  if (
    !isIdentifierType(type) ||
    typeof value !== 'string' ||
    value.length === 0 ||
    (scoped ? typeof scope !== 'string' || scope.includes(SEPARATOR) : scope !== null)
  )
    throw new TypeError('canonicalKey needs an identifier returned by normaliseIdentifier()');
  return [CANONICAL_KEY_VERSION, type, scope ?? '', value].join(SEPARATOR);
}
