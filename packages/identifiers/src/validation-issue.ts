/** Why an identifier was rejected. Stable codes: edges count them for data-quality dashboards. */
export const ISSUE_REASONS = [
  'not_a_string',
  'unknown_type',
  'empty',
  'too_long',
  'control_character',
  'invalid_character',
  'malformed',
  'scope_required',
  'scope_not_allowed',
  'invalid_default_country',
  'phone_country_required',
  'phone_unknown_country_code',
  'phone_not_a_number',
  'phone_invalid_length',
  'phone_invalid',
  'phone_extension',
  'provider_scoped_id',
] as const;

export type IssueReason = (typeof ISSUE_REASONS)[number];

export const ISSUE_FIELDS = ['type', 'value', 'scope', 'defaultCountry'] as const;
export type IssueField = (typeof ISSUE_FIELDS)[number];

/**
 * A structured rejection. `message` is for people and never contains the submitted value, so an
 * issue can be logged or returned in a problem+json body without leaking PII.
 */
export interface ValidationIssue {
  readonly reason: IssueReason;
  readonly field: IssueField;
  readonly message: string;
}

/** Outcome of normalising one part (value or scope) before the field is known. */
export type PartResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: IssueReason; readonly message: string };

export function rejected(reason: IssueReason, message: string): PartResult {
  return { ok: false, reason, message };
}
