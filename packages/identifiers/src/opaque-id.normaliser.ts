import { codePointLength, prepareText } from './text.rules.js';
import { rejected, type PartResult } from './validation-issue.js';

const OPAQUE_MAX_LENGTH = 128;
const LOYALTY_MAX_LENGTH = 64;
const WHITESPACE = /\s/u;
const LOYALTY = /^[A-Za-z0-9]+$/;
// Documented examples of OpenIDs and UnionIDs are base64url-like (`oLVPpjqs9BhvzwPj5A-vTYAX3GLc`).
const WECHAT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SHOPIFY_NUMERIC_ID = /^[1-9][0-9]{0,19}$/;
// https://shopify.dev/docs/api/usage/gids: gid://shopify/{object_name}/{id}
const SHOPIFY_CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/([1-9][0-9]{0,19})$/;

/**
 * An id issued by another system (POS customer code, e-commerce customer id): compared exactly,
 * case included, because we do not know the issuer's rules and folding case could merge two
 * clients. NFKC and trimming only; inner whitespace is rejected rather than guessed at.
 */
export function normaliseOpaqueId(raw: unknown): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'reject' });
  if (!prepared.ok) return prepared;
  const id = prepared.text;
  if (codePointLength(id) > OPAQUE_MAX_LENGTH)
    return rejected('too_long', `must be at most ${OPAQUE_MAX_LENGTH} characters`);
  if (WHITESPACE.test(id)) return rejected('malformed', 'must not contain spaces');
  return { ok: true, text: id };
}

/**
 * The house's own loyalty number. Spaces and hyphens are presentation (the grouping printed on
 * the card and read out at the till) and case carries no meaning, so both are folded:
 * `mc 1234-5678` and `MC12345678` are one card. Only letters and digits remain.
 */
export function normaliseLoyaltyId(raw: unknown): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'reject' });
  if (!prepared.ok) return prepared;
  const id = prepared.text.replace(/[\s-]/gu, '');
  if (id.length === 0) return rejected('empty', 'must not be empty');
  if (id.length > LOYALTY_MAX_LENGTH)
    return rejected('too_long', `must be at most ${LOYALTY_MAX_LENGTH} characters`);
  // Checked before upper-casing, which would turn "ß" into "SS".
  if (!LOYALTY.test(id)) return rejected('malformed', 'must be ASCII letters and digits');
  return { ok: true, text: id.toUpperCase() };
}

/**
 * An e-commerce customer id within its shop. Shopify's GraphQL APIs return
 * `gid://shopify/Customer/123` where its REST APIs and webhooks return `123`: both become `123`,
 * or the same customer would get two keys depending on which API an edge used.
 */
export function normaliseEcomCustomerId(raw: unknown, platform: string): PartResult {
  const opaque = normaliseOpaqueId(raw);
  if (!opaque.ok || platform !== 'shopify') return opaque;
  const gid = SHOPIFY_CUSTOMER_GID.exec(opaque.text);
  const id = gid?.[1] ?? opaque.text;
  return SHOPIFY_NUMERIC_ID.test(id)
    ? { ok: true, text: id }
    : rejected('malformed', 'a Shopify customer id must be numeric or gid://shopify/Customer/<id>');
}

/** WeChat OpenID or UnionID: issued by Tencent, case-sensitive, kept exactly. */
export function normaliseWechatId(raw: unknown): PartResult {
  const prepared = prepareText(raw, { formatCharacters: 'reject' });
  if (!prepared.ok) return prepared;
  if (prepared.text.length > OPAQUE_MAX_LENGTH)
    return rejected('too_long', `must be at most ${OPAQUE_MAX_LENGTH} characters`);
  return WECHAT_ID.test(prepared.text)
    ? prepared
    : rejected('malformed', 'must be letters, digits, "_" or "-"');
}
