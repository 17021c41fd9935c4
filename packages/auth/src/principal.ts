// Who is calling, as established from a verified bearer token. A principal is plain data: services
// pass it to the pure authorization functions in access.policy.ts and never re-read the token.
import type { Region } from '@maison/event-contracts';

export const ROLES = [
  'associate',
  'store_manager',
  'regional_manager',
  'compliance',
  'integration',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

interface PrincipalBase {
  /** Opaque, stable user (or client-application) id from `sub`. Never an e-mail address. */
  readonly subject: string;
  /** The token id (`jti`), for audit trails and per-token revocation or rate limits. */
  readonly tokenId: string;
  /** The token's `iss`: which identity provider vouched for the caller. */
  readonly issuer: string;
  /** When the token stops being valid (`exp`). */
  readonly expiresAt: Date;
  /** The brand (tenant) the token was issued for, when the identity provider says so. */
  readonly tenant?: string;
}

/** A boutique associate: their own client book, and the clients of their own store(s). */
export interface AssociatePrincipal extends PrincipalBase {
  readonly role: 'associate';
  readonly associateId: string;
  readonly storeIds: readonly string[];
}

/** A boutique manager: every client of the store(s) they run. */
export interface StoreManagerPrincipal extends PrincipalBase {
  readonly role: 'store_manager';
  readonly storeIds: readonly string[];
}

/** A regional manager: every client whose data lives in their region. */
export interface RegionalManagerPrincipal extends PrincipalBase {
  readonly role: 'regional_manager';
  readonly region: Region;
}

/** A compliance officer: the consent audit trail and privacy requests, not the client file. */
export interface CompliancePrincipal extends PrincipalBase {
  readonly role: 'compliance';
}

/** A source system (POS, e-commerce, loyalty): ingestion endpoints only, never reads. */
export interface IntegrationPrincipal extends PrincipalBase {
  readonly role: 'integration';
}

export interface AdminPrincipal extends PrincipalBase {
  readonly role: 'admin';
}

export type Principal =
  | AssociatePrincipal
  | StoreManagerPrincipal
  | RegionalManagerPrincipal
  | CompliancePrincipal
  | IntegrationPrincipal
  | AdminPrincipal;

/** The principal variant of one role (or of a union of roles). */
export type PrincipalOf<R extends Role> = Extract<Principal, { readonly role: R }>;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
