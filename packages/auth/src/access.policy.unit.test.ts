import { describe, expect, it } from '@jest/globals';
import { REGIONS, type Region } from '@maison/event-contracts';
import { ForbiddenError, toProblem } from '@maison/service-kit';
import fc from 'fast-check';
import {
  AccessDeniedError,
  authorize,
  can,
  canAccess,
  canReadClientOf,
  canWriteClientOf,
  matchesScope,
  PERMISSIONS,
  requireRole,
  ROLES,
  scopeFilter,
  type Permission,
  type Principal,
  type ResourceScope,
  type Role,
} from './index.js';

const common = {
  subject: 'user-1',
  tokenId: 'tok-1',
  issuer: 'https://idp.example',
  expiresAt: new Date('2030-01-01T00:00:00Z'),
};

// Associate A-1 works in Paris (PAR-01, EU); the store manager runs PAR-01; the regional manager EU.
const PRINCIPALS: Readonly<Record<Role, Principal>> = {
  associate: { ...common, role: 'associate', associateId: 'A-1', storeIds: ['PAR-01'] },
  store_manager: { ...common, role: 'store_manager', storeIds: ['PAR-01'] },
  regional_manager: { ...common, role: 'regional_manager', region: 'EU' },
  compliance: { ...common, role: 'compliance' },
  integration: { ...common, role: 'integration' },
  admin: { ...common, role: 'admin' },
};

const RESOURCES = {
  /** In A-1's book, but homed at a London store. */
  ownBook: { region: 'EU', storeIds: ['LON-01'], associateIds: ['A-1'] },
  ownStore: { region: 'EU', storeIds: ['PAR-01'], associateIds: ['A-9'] },
  otherStoreSameRegion: { region: 'EU', storeIds: ['MIL-01'], associateIds: ['A-7'] },
  otherRegion: { region: 'ME', storeIds: ['DXB-01'], associateIds: ['A-8'] },
  unknownScope: {},
} as const satisfies Record<string, ResourceScope>;
type ResourceName = keyof typeof RESOURCES;
const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

// The expected outcome for every role × permission × resource, written out from the brief rather
// than derived from ACCESS_POLICY, so a change to the table has to be made here too.
const CLIENT_DATA: Readonly<Record<Role, readonly ResourceName[]>> = {
  associate: ['ownBook', 'ownStore'],
  store_manager: ['ownStore'],
  regional_manager: ['ownBook', 'ownStore', 'otherStoreSameRegion'],
  compliance: [],
  integration: [],
  admin: RESOURCE_NAMES,
};
const GLOBAL_ONLY = (roles: readonly Role[]): Readonly<Record<Role, readonly ResourceName[]>> => {
  const reach = (role: Role) => (roles.includes(role) ? RESOURCE_NAMES : []);
  return {
    associate: reach('associate'),
    store_manager: reach('store_manager'),
    regional_manager: reach('regional_manager'),
    compliance: reach('compliance'),
    integration: reach('integration'),
    admin: reach('admin'),
  };
};
const EXPECTED: Readonly<Record<Permission, Readonly<Record<Role, readonly ResourceName[]>>>> = {
  'client:read': CLIENT_DATA,
  'client:write': CLIENT_DATA,
  'consent:audit': GLOBAL_ONLY(['compliance', 'admin']),
  'privacy:requests': GLOBAL_ONLY(['compliance', 'admin']),
  'ingest:write': GLOBAL_ONLY(['integration', 'admin']),
};

const MATRIX = ROLES.flatMap((role) =>
  PERMISSIONS.flatMap((permission) =>
    RESOURCE_NAMES.map(
      (resource) =>
        [role, permission, resource, EXPECTED[permission][role].includes(resource)] as const,
    ),
  ),
);

describe('canAccess: every role against every permission and scope', () => {
  it.each(MATRIX)('%s %s %s → %s', (role, permission, resource, allowed) => {
    expect(canAccess(PRINCIPALS[role], permission, RESOURCES[resource])).toBe(allowed);
  });

  it('shortcuts agree with the client permissions', () => {
    for (const role of ROLES) {
      for (const name of RESOURCE_NAMES) {
        const resource = RESOURCES[name];
        expect(canReadClientOf(PRINCIPALS[role], resource)).toBe(
          canAccess(PRINCIPALS[role], 'client:read', resource),
        );
        expect(canWriteClientOf(PRINCIPALS[role], resource)).toBe(
          canAccess(PRINCIPALS[role], 'client:write', resource),
        );
      }
    }
  });
});

describe('can: endpoint-level gates', () => {
  it.each(
    ROLES.flatMap((role) =>
      PERMISSIONS.map(
        (permission) => [role, permission, EXPECTED[permission][role].length > 0] as const,
      ),
    ),
  )('%s %s → %s', (role, permission, allowed) => {
    expect(can(PRINCIPALS[role], permission)).toBe(allowed);
  });
});

describe('authorize', () => {
  it('passes silently when allowed', () => {
    expect(() => {
      authorize(PRINCIPALS.associate, 'client:read', RESOURCES.ownStore);
    }).not.toThrow();
    expect(() => {
      authorize(PRINCIPALS.integration, 'ingest:write');
    }).not.toThrow();
  });

  it('throws a 403 ForbiddenError that names the role, not the resource', () => {
    let thrown: unknown;
    try {
      authorize(PRINCIPALS.associate, 'client:read', RESOURCES.otherRegion);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AccessDeniedError);
    expect(thrown).toBeInstanceOf(ForbiddenError);
    const error = thrown as AccessDeniedError;
    expect(error.message).toBe('The associate role may not client:read this resource.');
    expect(error.message).not.toMatch(/DXB|A-8|ME/);
    expect(error.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(toProblem(error).problem).toMatchObject({
      status: 403,
      type: 'urn:maison:problem:forbidden',
    });
  });

  it('denies integration tokens every read, with or without a resource', () => {
    expect(() => {
      authorize(PRINCIPALS.integration, 'client:read');
    }).toThrow(AccessDeniedError);
    expect(() => {
      authorize(PRINCIPALS.integration, 'consent:audit', RESOURCES.unknownScope);
    }).toThrow(AccessDeniedError);
  });
});

describe('requireRole', () => {
  it('passes for a listed role and narrows the principal', () => {
    const principal: Principal = PRINCIPALS.regional_manager;
    requireRole(principal, 'regional_manager', 'admin');
    // Compiles only because requireRole narrowed the union.
    const region: Region | undefined = principal.role === 'admin' ? undefined : principal.region;
    expect(region).toBe('EU');
  });

  it.each(ROLES)('rejects %s when only other roles are listed', (role) => {
    const others = ROLES.filter((r) => r !== role);
    expect(() => {
      requireRole(PRINCIPALS[role], ...others);
    }).toThrow(AccessDeniedError);
    expect(() => {
      requireRole(PRINCIPALS[role], role);
    }).not.toThrow();
  });
});

describe('scopeFilter', () => {
  it('gives each role the filter services push into their queries', () => {
    expect(ROLES.map((role) => scopeFilter(PRINCIPALS[role], 'client:read'))).toEqual([
      { kind: 'book_or_store', associateId: 'A-1', storeIds: ['PAR-01'] },
      { kind: 'stores', storeIds: ['PAR-01'] },
      { kind: 'region', region: 'EU' },
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'all' },
    ]);
  });
});

// --- properties --------------------------------------------------------------------------------

const storeId = fc.constantFrom('PAR-01', 'PAR-02', 'LON-01', 'DXB-01', 'SHA-01', 'TYO-01');
const associateId = fc.constantFrom('A-1', 'A-2', 'A-3', 'A-4');
const region = fc.constantFrom(...REGIONS);
const stores = fc.uniqueArray(storeId, { minLength: 1, maxLength: 3 });

const principalArb: fc.Arbitrary<Principal> = fc.oneof(
  fc.record({ associateId, storeIds: stores }).map((p) => ({
    ...common,
    role: 'associate' as const,
    ...p,
  })),
  stores.map((storeIds) => ({ ...common, role: 'store_manager' as const, storeIds })),
  region.map((r) => ({ ...common, role: 'regional_manager' as const, region: r })),
  fc.constantFrom('compliance' as const, 'integration' as const, 'admin' as const).map((role) => ({
    ...common,
    role,
  })),
);

const resourceArb: fc.Arbitrary<ResourceScope> = fc.record(
  {
    region,
    storeIds: fc.uniqueArray(storeId, { maxLength: 4 }),
    associateIds: fc.uniqueArray(associateId, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const permission = fc.constantFrom(...PERMISSIONS);

/** The rules as the brief states them, independently of ACCESS_POLICY. */
function oracle(p: Principal, perm: Permission, r: ResourceScope): boolean {
  const clientData = perm === 'client:read' || perm === 'client:write';
  switch (p.role) {
    case 'admin':
      return true;
    case 'compliance':
      return perm === 'consent:audit' || perm === 'privacy:requests';
    case 'integration':
      return perm === 'ingest:write';
    case 'associate':
      return (
        clientData &&
        ((r.associateIds ?? []).includes(p.associateId) ||
          (r.storeIds ?? []).some((s) => p.storeIds.includes(s)))
      );
    case 'store_manager':
      return clientData && (r.storeIds ?? []).some((s) => p.storeIds.includes(s));
    case 'regional_manager':
      return clientData && r.region === p.region;
    default: {
      const unreachable: never = p;
      return unreachable;
    }
  }
}

describe('properties', () => {
  it('the policy table agrees with the rules as stated, for any principal and resource', () => {
    fc.assert(
      fc.property(principalArb, permission, resourceArb, (p, perm, r) => {
        expect(canAccess(p, perm, r)).toBe(oracle(p, perm, r));
      }),
      { numRuns: 2000 },
    );
  });

  it('a principal never reaches a resource that shares none of its stores, book or region', () => {
    fc.assert(
      fc.property(principalArb, permission, resourceArb, (p, perm, r) => {
        const mine = {
          stores: 'storeIds' in p ? p.storeIds : [],
          associate: p.role === 'associate' ? p.associateId : undefined,
          region: p.role === 'regional_manager' ? p.region : undefined,
        };
        const outside: ResourceScope = {
          ...(r.region === undefined || r.region === mine.region ? {} : { region: r.region }),
          storeIds: (r.storeIds ?? []).filter((s) => !mine.stores.includes(s)),
          associateIds: (r.associateIds ?? []).filter((a) => a !== mine.associate),
        };
        // Only the unscoped grants (admin; compliance's audit; integration's ingestion) remain.
        expect(canAccess(p, perm, outside)).toBe(
          scopeFilter(p, perm).kind === 'all' &&
            (p.role === 'admin' || !perm.startsWith('client:')),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('taking scope away from a resource never grants access', () => {
    fc.assert(
      fc.property(
        principalArb,
        permission,
        resourceArb,
        fc.boolean(),
        fc.nat(),
        (p, perm, r, dropRegion, cut) => {
          const smaller: ResourceScope = {
            ...(dropRegion || r.region === undefined ? {} : { region: r.region }),
            storeIds: (r.storeIds ?? []).slice(cut % 3),
            associateIds: (r.associateIds ?? []).slice(cut % 2),
          };
          if (canAccess(p, perm, smaller)) expect(canAccess(p, perm, r)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the query filter and the per-row check always agree', () => {
    fc.assert(
      fc.property(principalArb, permission, resourceArb, (p, perm, r) => {
        expect(matchesScope(scopeFilter(p, perm), r)).toBe(canAccess(p, perm, r));
        expect(can(p, perm)).toBe(scopeFilter(p, perm).kind !== 'none');
      }),
    );
  });
});
