export { isRole, ROLES } from './principal.js';
export type {
  AdminPrincipal,
  AssociatePrincipal,
  CompliancePrincipal,
  IntegrationPrincipal,
  Principal,
  PrincipalOf,
  RegionalManagerPrincipal,
  Role,
  StoreManagerPrincipal,
} from './principal.js';
export {
  AccessDeniedError,
  AUTH_FAILURE_REASONS,
  AuthenticationError,
  type AccessDeniedErrorExtensions,
  type AuthenticationErrorExtensions,
  type AuthFailureReason,
} from './auth.errors.js';
export {
  CLAIMS,
  claimsFor,
  principalFromClaims,
  type ClaimName,
  type PrincipalClaims,
} from './claims.schema.js';
export {
  ACCEPTED_ALGORITHMS,
  createVerifier,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  requirePrincipal,
  type AcceptedAlgorithm,
  type HeadersLike,
  type KeySource,
  type TokenVerifier,
  type VerifierOptions,
} from './jwt.verifier.js';
export {
  ACCESS_POLICY,
  authorize,
  can,
  canAccess,
  canReadClientOf,
  canWriteClientOf,
  matchesScope,
  PERMISSIONS,
  requireRole,
  ruleFor,
  SCOPE_RULES,
  scopeFilter,
  type Permission,
  type ResourceScope,
  type ScopeFilter,
  type ScopeRule,
} from './access.policy.js';
export { authenticate, requirePermission, type AuthenticateOptions } from './express.middleware.js';
export { authConfig, verifierFromConfig, type AuthConfig } from './auth.config.js';
