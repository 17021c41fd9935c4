import type { IdentifierType } from './identifier-types.js';

/**
 * Which identifier attributes a record that carries several, strongest first. Records issued by
 * the house to one client come first, then contact points the client gave, then messaging
 * handles. The README explains each step.
 */
export const ATTRIBUTION_PRIORITY = [
  'loyalty_id',
  'ecom_customer',
  'pos_customer',
  'email',
  'phone',
  'whatsapp',
  'wechat_unionid',
  'wechat_openid',
  'kakao_id',
  'line_id',
] as const satisfies readonly IdentifierType[];

type Unranked = Exclude<IdentifierType, (typeof ATTRIBUTION_PRIORITY)[number]>;
// Compile-time check that every identifier type has a place: a new type must be ranked on purpose.
const _everyTypeRanked: [Unranked] extends [never] ? true : Unranked = true;

const RANK: ReadonlyMap<string, number> = new Map(ATTRIBUTION_PRIORITY.map((type, i) => [type, i]));

/**
 * A new array, strongest identifier first. Stable: identifiers of the same type keep their input
 * order, so the result depends only on the input, never on the engine.
 */
export function byAttributionPriority<T extends { readonly type: IdentifierType }>(
  identifiers: readonly T[],
): T[] {
  return [...identifiers].sort((a, b) => rank(a.type) - rank(b.type));
}

// Unknown types (from JS callers) sort last rather than first.
function rank(type: string): number {
  return RANK.get(type) ?? ATTRIBUTION_PRIORITY.length;
}
