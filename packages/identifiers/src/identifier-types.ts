/**
 * The identifier types, in one place. Adding a type is backwards compatible; renaming or removing
 * one is not, because the type name is part of every canonical key (and so of every stored blind
 * index) computed for it.
 */
export const IDENTIFIER_TYPES = [
  'email',
  'phone',
  'loyalty_id',
  'pos_customer',
  'ecom_customer',
  'wechat_openid',
  'wechat_unionid',
  'whatsapp',
  'kakao_id',
  'line_id',
] as const;

export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

/**
 * Types whose value only means something inside a namespace: a POS customer code is unique within
 * one POS installation, a shop's customer id within one shop, a WeChat OpenID within one app.
 * Without the scope, two different clients would share a key.
 */
export const SCOPED_IDENTIFIER_TYPES = [
  'pos_customer',
  'ecom_customer',
  'wechat_openid',
] as const satisfies readonly IdentifierType[];

export type ScopedIdentifierType = (typeof SCOPED_IDENTIFIER_TYPES)[number];
export type UnscopedIdentifierType = Exclude<IdentifierType, ScopedIdentifierType>;

const typeSet: ReadonlySet<string> = new Set(IDENTIFIER_TYPES);
const scopedSet: ReadonlySet<string> = new Set(SCOPED_IDENTIFIER_TYPES);

export function isIdentifierType(value: unknown): value is IdentifierType {
  return typeof value === 'string' && typeSet.has(value);
}

export function isScopedIdentifierType(type: IdentifierType): type is ScopedIdentifierType {
  return scopedSet.has(type);
}

// Type-only brand: a ClientIdentifier can only come out of normaliseIdentifier(), so code that
// builds a canonical key or a mask cannot be handed a raw, un-normalised value by mistake.
// Exported only so declaration files can name it; it has no run-time value and index.ts does not
// re-export it.
export declare const normalised: unique symbol;

/**
 * A normalised client identifier. `scope` is a string for scoped types and null otherwise.
 * Identifiers read back from storage or JSON lose the brand: pass them through
 * normaliseIdentifier() again (normalisation is idempotent, so the result is unchanged).
 */
export type ClientIdentifier<T extends IdentifierType = IdentifierType> = T extends IdentifierType
  ? {
      readonly type: T;
      readonly scope: T extends ScopedIdentifierType ? string : null;
      readonly value: string;
      readonly [normalised]: true;
    }
  : never;
