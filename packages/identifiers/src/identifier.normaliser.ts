import { normaliseEmail } from './email.normaliser.js';
import {
  isIdentifierType,
  isScopedIdentifierType,
  type ClientIdentifier,
  type IdentifierType,
} from './identifier-types.js';
import { normaliseMessagingHandle } from './messaging-handle.normaliser.js';
import {
  normaliseEcomCustomerId,
  normaliseLoyaltyId,
  normaliseOpaqueId,
  normaliseWechatId,
} from './opaque-id.normaliser.js';
import { normalisePhone, parseDefaultCountry } from './phone.normaliser.js';
import { normaliseScope, unreachable } from './scope.normaliser.js';
import type { IssueField, PartResult, ValidationIssue } from './validation-issue.js';

export interface IdentifierInput {
  /** One of IDENTIFIER_TYPES; anything else is rejected with `unknown_type`. */
  readonly type: IdentifierType | (string & {});
  readonly value: string;
  /** Required for scoped types, refused for the others. Empty or blank counts as absent. */
  readonly scope?: string | null | undefined;
  /** ISO 3166-1 alpha-2 (e.g. the store's country) for national phone formats. */
  readonly defaultCountry?: string | null | undefined;
}

export type NormaliseFailure = { readonly ok: false } & ValidationIssue;

export type NormaliseResult<T extends IdentifierType = IdentifierType> =
  { readonly ok: true; readonly identifier: ClientIdentifier<T> } | NormaliseFailure;

/**
 * Validates and normalises one client identifier into its canonical form. Never throws on bad
 * input (whatever its runtime type): every rejection is a structured issue naming the field.
 * Idempotent: normalising an identifier's own `{ type, scope, value }` returns it unchanged.
 */
export function normaliseIdentifier<T extends IdentifierType>(
  input: IdentifierInput & { readonly type: T },
): NormaliseResult<T>;
export function normaliseIdentifier(input: IdentifierInput): NormaliseResult;
export function normaliseIdentifier(input: IdentifierInput): NormaliseResult {
  // Callers are edges handling untrusted JSON: check the shape at run time, whatever TS says.
  const candidate: unknown = input;
  if (typeof candidate !== 'object' || candidate === null)
    return fail('type', 'malformed', 'must be an object { type, value, scope? }');
  const { type, value, scope: rawScope, defaultCountry } = input;
  if (!isIdentifierType(type))
    return fail('type', 'unknown_type', 'is not a known identifier type');

  const scopeGiven = !isBlank(rawScope);
  let scope: string | null = null;
  if (isScopedIdentifierType(type)) {
    if (!scopeGiven) return fail('scope', 'scope_required', `is required for ${type}`);
    const scoped = normaliseScope(type, rawScope);
    if (!scoped.ok) return fail('scope', scoped.reason, scoped.message);
    scope = scoped.text;
  } else if (scopeGiven) {
    // Refused rather than ignored: a stray scope is a sign the edge mapped the wrong column.
    return fail('scope', 'scope_not_allowed', `is not allowed for ${type}`);
  }

  const normalised = normaliseValue(type, value, scope, defaultCountry);
  if ('field' in normalised) return normalised;
  if (!normalised.ok) return fail('value', normalised.reason, normalised.message);
  const identifier = Object.freeze({ type, scope, value: normalised.text });
  return { ok: true, identifier: identifier as ClientIdentifier };
}

function normaliseValue(
  type: IdentifierType,
  value: unknown,
  scope: string | null,
  defaultCountry: unknown,
): PartResult | NormaliseFailure {
  switch (type) {
    case 'email':
      return normaliseEmail(value);
    case 'phone':
    case 'whatsapp': {
      // A WhatsApp account is a phone number (E.164); it stays a separate type because the
      // client chose that number for WhatsApp, which says nothing about calls or SMS.
      const country = parseDefaultCountry(defaultCountry);
      if (!country.ok) return fail('defaultCountry', 'invalid_default_country', country.message);
      return normalisePhone(value, country.country);
    }
    case 'loyalty_id':
      return normaliseLoyaltyId(value);
    case 'pos_customer':
      return normaliseOpaqueId(value);
    case 'ecom_customer':
      return normaliseEcomCustomerId(value, (scope ?? '').split(':')[0] ?? '');
    case 'wechat_openid':
    case 'wechat_unionid':
      return normaliseWechatId(value);
    case 'kakao_id':
    case 'line_id':
      return normaliseMessagingHandle(type, value);
    default:
      return unreachable(type);
  }
}

function isBlank(scope: unknown): boolean {
  return (
    scope === undefined || scope === null || (typeof scope === 'string' && scope.trim() === '')
  );
}

function fail(
  field: IssueField,
  reason: ValidationIssue['reason'],
  message: string,
): NormaliseFailure {
  return { ok: false, reason, field, message };
}
