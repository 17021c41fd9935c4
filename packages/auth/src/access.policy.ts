// Authorization as data: one table says, for every role and permission, which scope rule applies;
// one pure function evaluates a rule against a resource's scope. Services call these for endpoint,
// row and field decisions, and push `scopeFilter` into their queries for searches, so the SQL
// filter and the per-row check can never disagree.
import type { Region } from '@maison/event-contracts';
import { AccessDeniedError } from './auth.errors.js';
import type { Principal, PrincipalOf, Role } from './principal.js';

export const PERMISSIONS = [
  /** Read the client file: identities, profile, notes, current consents, purchases, tier, recommendations. */
  'client:read',
  /** Change the client file: profile, notes, client book, consents captured in store. */
  'client:write',
  /** Consent history, state at a past instant, notices shown, tamper evidence. */
  'consent:audit',
  /** Erasure and access (DSAR) requests. */
  'privacy:requests',
  /** Ingestion endpoints (POS, e-commerce, webhooks, backfill). */
  'ingest:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * - `none`: never.
 * - `all`: every resource.
 * - `book_or_store`: resources in the associate's own client book or of their own store(s).
 * - `stores`: resources of the principal's store(s).
 * - `region`: resources residing in the principal's region.
 */
export const SCOPE_RULES = ['none', 'all', 'book_or_store', 'stores', 'region'] as const;
export type ScopeRule = (typeof SCOPE_RULES)[number];

export const ACCESS_POLICY = {
  associate: {
    'client:read': 'book_or_store',
    'client:write': 'book_or_store',
    'consent:audit': 'none',
    'privacy:requests': 'none',
    'ingest:write': 'none',
  },
  store_manager: {
    'client:read': 'stores',
    'client:write': 'stores',
    'consent:audit': 'none',
    'privacy:requests': 'none',
    'ingest:write': 'none',
  },
  regional_manager: {
    'client:read': 'region',
    'client:write': 'region',
    'consent:audit': 'none',
    'privacy:requests': 'none',
    'ingest:write': 'none',
  },
  compliance: {
    'client:read': 'none',
    'client:write': 'none',
    'consent:audit': 'all',
    'privacy:requests': 'all',
    'ingest:write': 'none',
  },
  integration: {
    'client:read': 'none',
    'client:write': 'none',
    'consent:audit': 'none',
    'privacy:requests': 'none',
    'ingest:write': 'all',
  },
  admin: {
    'client:read': 'all',
    'client:write': 'all',
    'consent:audit': 'all',
    'privacy:requests': 'all',
    'ingest:write': 'all',
  },
} as const satisfies Readonly<Record<Role, Readonly<Record<Permission, ScopeRule>>>>;

/**
 * Where a resource (a client, a note, a sale row…) belongs. Each service decides what to put in:
 * for a client, its home region, the stores whose books hold it and the owning associates; for a
 * store's private note, that store only. Unknown attributes are left out and grant nothing.
 */
export interface ResourceScope {
  readonly region?: Region;
  readonly storeIds?: readonly string[];
  readonly associateIds?: readonly string[];
}

/** The principal's reach for one permission, in a form services can turn into a WHERE clause. */
export type ScopeFilter =
  | { readonly kind: 'none' }
  | { readonly kind: 'all' }
  | {
      readonly kind: 'book_or_store';
      readonly associateId: string;
      readonly storeIds: readonly string[];
    }
  | { readonly kind: 'stores'; readonly storeIds: readonly string[] }
  | { readonly kind: 'region'; readonly region: Region };

export function ruleFor(role: Role, permission: Permission): ScopeRule {
  return ACCESS_POLICY[role][permission];
}

export function scopeFilter(principal: Principal, permission: Permission): ScopeFilter {
  const rule = ruleFor(principal.role, permission);
  switch (rule) {
    case 'none':
    case 'all':
      return { kind: rule };
    case 'book_or_store':
      // Only an associate's token carries a book; a policy giving this rule to another role
      // must fail closed rather than grant its stores alone.
      return principal.role === 'associate'
        ? { kind: rule, associateId: principal.associateId, storeIds: principal.storeIds }
        : { kind: 'none' };
    case 'stores':
      return 'storeIds' in principal
        ? { kind: rule, storeIds: principal.storeIds }
        : { kind: 'none' };
    case 'region':
      return 'region' in principal ? { kind: rule, region: principal.region } : { kind: 'none' };
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
}

function overlaps(mine: readonly string[], theirs: readonly string[] | undefined): boolean {
  return theirs?.some((id) => mine.includes(id)) ?? false;
}

export function matchesScope(filter: ScopeFilter, resource: ResourceScope): boolean {
  switch (filter.kind) {
    case 'none':
      return false;
    case 'all':
      return true;
    case 'book_or_store':
      return (
        (resource.associateIds?.includes(filter.associateId) ?? false) ||
        overlaps(filter.storeIds, resource.storeIds)
      );
    case 'stores':
      return overlaps(filter.storeIds, resource.storeIds);
    case 'region':
      return resource.region !== undefined && resource.region === filter.region;
    default: {
      const unreachable: never = filter;
      return unreachable;
    }
  }
}

/** Whether the principal may do this to the given resource. */
export function canAccess(
  principal: Principal,
  permission: Permission,
  resource: ResourceScope,
): boolean {
  return matchesScope(scopeFilter(principal, permission), resource);
}

/** Whether the principal holds the permission for at least some resources (endpoint-level gate). */
export function can(principal: Principal, permission: Permission): boolean {
  return scopeFilter(principal, permission).kind !== 'none';
}

export function canReadClientOf(principal: Principal, resource: ResourceScope): boolean {
  return canAccess(principal, 'client:read', resource);
}

export function canWriteClientOf(principal: Principal, resource: ResourceScope): boolean {
  return canAccess(principal, 'client:write', resource);
}

/**
 * Throws `AccessDeniedError` (a service-kit `ForbiddenError`, 403) unless the principal may do
 * this — to the given resource, or, without one, to at least some resources.
 */
export function authorize(
  principal: Principal,
  permission: Permission,
  resource?: ResourceScope,
): void {
  const allowed =
    resource === undefined
      ? can(principal, permission)
      : canAccess(principal, permission, resource);
  if (!allowed) {
    throw new AccessDeniedError(
      principal.role,
      resource === undefined ? permission : `${permission} this resource`,
    );
  }
}

/** Throws `AccessDeniedError` unless the principal has one of the roles; narrows its type. */
export function requireRole<R extends Role>(
  principal: Principal,
  ...roles: readonly R[]
): asserts principal is PrincipalOf<R> {
  if (!(roles as readonly Role[]).includes(principal.role)) {
    throw new AccessDeniedError(principal.role, 'do this (it needs another role)');
  }
}
