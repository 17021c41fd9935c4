export {
  IDENTIFIER_TYPES,
  SCOPED_IDENTIFIER_TYPES,
  isIdentifierType,
  isScopedIdentifierType,
  type IdentifierType,
  type ScopedIdentifierType,
  type UnscopedIdentifierType,
  type ClientIdentifier,
} from './identifier-types.js';
export {
  ISSUE_REASONS,
  ISSUE_FIELDS,
  type IssueReason,
  type IssueField,
  type ValidationIssue,
} from './validation-issue.js';
export {
  normaliseIdentifier,
  type IdentifierInput,
  type NormaliseResult,
  type NormaliseFailure,
} from './identifier.normaliser.js';
export { EMAIL_MAX_LENGTH } from './email.normaliser.js';
export { canonicalKey, CANONICAL_KEY_VERSION } from './canonical-key.encoder.js';
export { maskIdentifier } from './identifier.masker.js';
export { ATTRIBUTION_PRIORITY, byAttributionPriority } from './attribution.priority.js';
export {
  customerReferenceSchema,
  customerReferenceListSchema,
  clientIdentifierSchema,
  clientIdentifierListSchema,
  MAX_CUSTOMER_REFERENCES,
  type CustomerReference,
  type ClientIdentifierSchemaOptions,
} from './customer-reference.schema.js';
