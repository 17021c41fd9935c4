import type { ScopedIdentifierType } from './identifier-types.js';
import { prepareText } from './text.rules.js';
import { rejected, type PartResult } from './validation-issue.js';

const SCOPE_MAX_LENGTH = 200;
// One scope segment: a system, platform, instance, shop domain or app id. Lower-case ASCII only,
// so a scope can never contain the `|` that separates the parts of a canonical key.
const SEGMENT = /^[a-z0-9][a-z0-9._-]{0,99}$/;
// Shopify identifies a shop permanently by its myshopify.com domain; custom domains change and a
// shop can have several, so they would split one shop's customers across scopes.
const MYSHOPIFY = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

/**
 * Scopes are lower-cased: they are names the house assigns (POS system and instance codes,
 * platform names), DNS names (case-insensitive, RFC 4343) or WeChat AppIDs (lower-case hex), so
 * `cegid:FR` and `cegid:fr` are the same installation.
 *
 * - `pos_customer`: `<system>` or `<system>:<instance>`, e.g. `cegid:fr`, `lightspeed`.
 * - `ecom_customer`: `<platform>:<shop>`, e.g. `shopify:maison-eu.myshopify.com`, `sfcc:maison-jp`.
 * - `wechat_openid`: the AppID of the official account, mini program or app that issued it.
 */
export function normaliseScope(type: ScopedIdentifierType, raw: unknown): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'reject' });
  if (!prepared.ok) return prepared;
  const scope = prepared.text.toLowerCase();
  if (scope.length > SCOPE_MAX_LENGTH)
    return rejected('too_long', `must be at most ${SCOPE_MAX_LENGTH} characters`);
  const segments = scope.split(':');
  if (!segments.every((s) => SEGMENT.test(s)))
    return rejected('malformed', 'segments must be lower-case letters, digits, ".", "_" or "-"');
  switch (type) {
    case 'pos_customer':
      return segments.length <= 2
        ? { ok: true, text: scope }
        : rejected('malformed', 'must be <system> or <system>:<instance>');
    case 'ecom_customer':
      if (segments.length !== 2) return rejected('malformed', 'must be <platform>:<shop>');
      if (segments[0] === 'shopify' && !MYSHOPIFY.test(segments[1] ?? ''))
        return rejected('malformed', 'a Shopify shop must be its <name>.myshopify.com domain');
      return { ok: true, text: scope };
    case 'wechat_openid':
      return segments.length === 1
        ? { ok: true, text: scope }
        : rejected('malformed', 'must be the AppID that issued the OpenID');
    default:
      return unreachable(type);
  }
}

export function unreachable(value: never): never {
  throw new TypeError(`unhandled case ${String(value)}`);
}
