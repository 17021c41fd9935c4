// The JWT claims Maison reads, and their validation. Custom claims are namespaced (RFC 7519 §4.2:
// collision-resistant names) with the same `urn:maison:` prefix as our problem types, and kept flat
// because identity providers map flat custom claims far more easily than nested objects.
import { REGIONS } from '@maison/event-contracts';
import { z } from 'zod';
import { AuthenticationError } from './auth.errors.js';
import { ROLES, type Principal, type Role } from './principal.js';

export const CLAIMS = {
  /** One of ROLES. */
  role: 'urn:maison:role',
  /** Array of store ids: the associate's or store manager's boutique(s). */
  storeIds: 'urn:maison:store_ids',
  /** One of the event regions: the regional manager's region. */
  region: 'urn:maison:region',
  /** The associate's id, as recorded as client-book owner in profiles. */
  associateId: 'urn:maison:associate_id',
  /** Optional brand/tenant id; checked when the verifier is configured with one. */
  tenant: 'urn:maison:tenant',
} as const;
export type ClaimName = (typeof CLAIMS)[keyof typeof CLAIMS];

/** What a token needs to say about a caller (the input of minting, the output of reading). */
export interface PrincipalClaims {
  readonly role: Role;
  readonly subject: string;
  readonly storeIds?: readonly string[];
  readonly region?: (typeof REGIONS)[number];
  readonly associateId?: string;
  readonly tenant?: string;
}

const EMAIL_LIKE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// Safe in logs, headers and SQL parameters, and short enough to keep tokens small.
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be a short identifier');
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

// Subjects appear in logs and audit trails, which must hold no personal data.
const subject = printable(255).refine((value) => !EMAIL_LIKE.test(value), {
  message: 'must be an opaque id, not an e-mail address',
});

const registered = z.object({
  sub: subject,
  jti: printable(255),
  iss: z.string().min(1),
  exp: z.number(),
  [CLAIMS.role]: z.enum(ROLES),
  [CLAIMS.tenant]: identifier.optional(),
});

const stores = z
  .array(identifier)
  .min(1)
  .max(500)
  .transform((ids) => [...new Set(ids)]);

const associateClaims = z.object({
  [CLAIMS.associateId]: identifier,
  [CLAIMS.storeIds]: stores,
});
const storeManagerClaims = z.object({ [CLAIMS.storeIds]: stores });
const regionalManagerClaims = z.object({ [CLAIMS.region]: z.enum(REGIONS) });

/** Turns the first zod issue into a 401 naming the claim, never its value. */
function rejection(error: z.ZodError, payload: Readonly<Record<string, unknown>>): never {
  const issue = error.issues[0];
  const head = issue?.path[0];
  const claim = typeof head === 'string' ? head : undefined;
  const missing = claim !== undefined && payload[claim] === undefined;
  throw new AuthenticationError(missing ? 'missing_claim' : 'invalid_claim', {
    ...(claim === undefined ? {} : { claim }),
  });
}

function parse<S extends z.ZodType>(
  schema: S,
  payload: Readonly<Record<string, unknown>>,
): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success) rejection(result.error, payload);
  return result.data;
}

/**
 * Reads the principal from an already signature- and time-checked JWT payload. Claims that do not
 * belong to the role (a region on an associate's token, say) are ignored: they grant nothing.
 * Throws `AuthenticationError` (`missing_claim` / `invalid_claim`).
 */
export function principalFromClaims(payload: Readonly<Record<string, unknown>>): Principal {
  const claims = parse(registered, payload);
  const tenant = claims[CLAIMS.tenant];
  const base = {
    subject: claims.sub,
    tokenId: claims.jti,
    issuer: claims.iss,
    expiresAt: new Date(claims.exp * 1000),
    ...(tenant === undefined ? {} : { tenant }),
  };
  const role = claims[CLAIMS.role];
  switch (role) {
    case 'associate': {
      const own = parse(associateClaims, payload);
      return {
        ...base,
        role,
        associateId: own[CLAIMS.associateId],
        storeIds: own[CLAIMS.storeIds],
      };
    }
    case 'store_manager':
      return { ...base, role, storeIds: parse(storeManagerClaims, payload)[CLAIMS.storeIds] };
    case 'regional_manager':
      return { ...base, role, region: parse(regionalManagerClaims, payload)[CLAIMS.region] };
    case 'compliance':
      return { ...base, role };
    case 'integration':
      return { ...base, role };
    case 'admin':
      return { ...base, role };
    default: {
      const unreachable: never = role;
      return unreachable;
    }
  }
}

/** The payload claims (without `iss`, `aud`, `exp`, `iat`, `jti`) that describe a caller. */
export function claimsFor(input: PrincipalClaims): Record<string, unknown> {
  return {
    sub: input.subject,
    [CLAIMS.role]: input.role,
    ...(input.storeIds === undefined ? {} : { [CLAIMS.storeIds]: [...input.storeIds] }),
    ...(input.region === undefined ? {} : { [CLAIMS.region]: input.region }),
    ...(input.associateId === undefined ? {} : { [CLAIMS.associateId]: input.associateId }),
    ...(input.tenant === undefined ? {} : { [CLAIMS.tenant]: input.tenant }),
  };
}

/** The `PrincipalClaims` field a claim name comes from (for pointing at bad minting input). */
export function fieldOfClaim(claim: string): keyof PrincipalClaims | undefined {
  if (claim === 'sub') return 'subject';
  const entry = Object.entries(CLAIMS).find(([, name]) => name === claim);
  return entry?.[0] as keyof PrincipalClaims | undefined;
}
