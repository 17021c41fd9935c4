import { describe, expect, it } from '@jest/globals';
import { REGIONS } from '@maison/event-contracts';
import fc from 'fast-check';
import {
  AuthenticationError,
  CLAIMS,
  claimsFor,
  principalFromClaims,
  ROLES,
  type AuthFailureReason,
  type PrincipalClaims,
} from './index.js';

const EXP = 2_000_000_000;
const registered = { jti: 'tok-1', iss: 'https://idp.example', exp: EXP };

function payload(claims: Record<string, unknown>): Record<string, unknown> {
  return { sub: 'user-7f3a', ...registered, ...claims };
}

function rejection(input: Record<string, unknown>): { reason: AuthFailureReason; claim?: string } {
  try {
    principalFromClaims(input);
  } catch (error) {
    if (error instanceof AuthenticationError) {
      return { reason: error.reason, ...(error.claim === undefined ? {} : { claim: error.claim }) };
    }
    throw error;
  }
  throw new Error('expected the claims to be rejected');
}

describe('principalFromClaims', () => {
  it('reads an associate with their book and stores', () => {
    const principal = principalFromClaims(
      payload({
        [CLAIMS.role]: 'associate',
        [CLAIMS.associateId]: 'A-1001',
        [CLAIMS.storeIds]: ['PAR-01', 'PAR-01', 'PAR-02'],
        [CLAIMS.tenant]: 'maison-demo',
      }),
    );
    expect(principal).toEqual({
      role: 'associate',
      subject: 'user-7f3a',
      tokenId: 'tok-1',
      issuer: 'https://idp.example',
      expiresAt: new Date(EXP * 1000),
      tenant: 'maison-demo',
      associateId: 'A-1001',
      storeIds: ['PAR-01', 'PAR-02'],
    });
  });

  it('reads a store manager with their stores', () => {
    const principal = principalFromClaims(
      payload({ [CLAIMS.role]: 'store_manager', [CLAIMS.storeIds]: ['DXB-01'] }),
    );
    expect(principal).toMatchObject({ role: 'store_manager', storeIds: ['DXB-01'] });
  });

  it('reads a regional manager with their region', () => {
    const principal = principalFromClaims(
      payload({ [CLAIMS.role]: 'regional_manager', [CLAIMS.region]: 'CN' }),
    );
    expect(principal).toMatchObject({ role: 'regional_manager', region: 'CN' });
  });

  it.each(['compliance', 'integration', 'admin'] as const)(
    'reads %s without scope claims and ignores scope claims that grant it nothing',
    (role) => {
      const principal = principalFromClaims(
        payload({
          [CLAIMS.role]: role,
          [CLAIMS.storeIds]: ['PAR-01'],
          [CLAIMS.region]: 'EU',
          [CLAIMS.associateId]: 'A-1',
        }),
      );
      expect(principal).toEqual({
        role,
        subject: 'user-7f3a',
        tokenId: 'tok-1',
        issuer: 'https://idp.example',
        expiresAt: new Date(EXP * 1000),
      });
    },
  );

  it.each<[string, Record<string, unknown>, AuthFailureReason, string]>([
    ['no role', {}, 'missing_claim', CLAIMS.role],
    ['an unknown role', { [CLAIMS.role]: 'superuser' }, 'invalid_claim', CLAIMS.role],
    [
      'an associate without an associate id',
      { [CLAIMS.role]: 'associate', [CLAIMS.storeIds]: ['PAR-01'] },
      'missing_claim',
      CLAIMS.associateId,
    ],
    [
      'an associate without a store',
      { [CLAIMS.role]: 'associate', [CLAIMS.associateId]: 'A-1' },
      'missing_claim',
      CLAIMS.storeIds,
    ],
    [
      'an associate with an empty store list',
      { [CLAIMS.role]: 'associate', [CLAIMS.associateId]: 'A-1', [CLAIMS.storeIds]: [] },
      'invalid_claim',
      CLAIMS.storeIds,
    ],
    [
      'a store manager without stores',
      { [CLAIMS.role]: 'store_manager' },
      'missing_claim',
      CLAIMS.storeIds,
    ],
    [
      'store ids that are not a list',
      { [CLAIMS.role]: 'store_manager', [CLAIMS.storeIds]: 'PAR-01' },
      'invalid_claim',
      CLAIMS.storeIds,
    ],
    [
      'a store id with spaces',
      { [CLAIMS.role]: 'store_manager', [CLAIMS.storeIds]: ['PAR 01'] },
      'invalid_claim',
      CLAIMS.storeIds,
    ],
    [
      'a regional manager without a region',
      { [CLAIMS.role]: 'regional_manager' },
      'missing_claim',
      CLAIMS.region,
    ],
    [
      'a region that is not one of ours',
      { [CLAIMS.role]: 'regional_manager', [CLAIMS.region]: 'MARS' },
      'invalid_claim',
      CLAIMS.region,
    ],
    [
      'an invalid tenant',
      { [CLAIMS.role]: 'admin', [CLAIMS.tenant]: 'a tenant' },
      'invalid_claim',
      CLAIMS.tenant,
    ],
    ['no subject', { sub: undefined, [CLAIMS.role]: 'admin' }, 'missing_claim', 'sub'],
    [
      'an e-mail address as subject',
      { sub: 'jeanne.dupont@example.com', [CLAIMS.role]: 'admin' },
      'invalid_claim',
      'sub',
    ],
    ['no token id', { jti: undefined, [CLAIMS.role]: 'admin' }, 'missing_claim', 'jti'],
    ['a non-numeric expiry', { exp: 'tomorrow', [CLAIMS.role]: 'admin' }, 'invalid_claim', 'exp'],
  ])('rejects %s', (_name, claims, reason, claim) => {
    expect(rejection(payload(claims))).toEqual({ reason, claim });
  });

  it('never repeats claim values in its messages, whatever the payload', () => {
    const canary = fc.string({ maxLength: 12 }).map((s) => `CANARY${s}`);
    const value = fc.oneof(
      canary,
      fc.array(canary, { maxLength: 3 }),
      fc.integer(),
      fc.constantFrom(...ROLES, ...REGIONS),
    );
    const keys = fc.constantFrom('sub', 'jti', 'iss', 'exp', ...Object.values(CLAIMS));
    fc.assert(
      fc.property(fc.dictionary(keys, value), (input) => {
        try {
          principalFromClaims(input);
        } catch (error) {
          expect(error).toBeInstanceOf(AuthenticationError);
          expect((error as Error).message).not.toContain('CANARY');
        }
      }),
    );
  });

  it('reads back exactly what claimsFor wrote, for every role', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);
    const stores = fc.uniqueArray(id, { minLength: 1, maxLength: 4 });
    const region = fc.constantFrom(...REGIONS);
    const subject = fc.stringMatching(/^[A-Za-z0-9|_-]{1,40}$/);
    const claims: fc.Arbitrary<PrincipalClaims> = fc.oneof(
      fc.record({
        role: fc.constant('associate' as const),
        subject,
        associateId: id,
        storeIds: stores,
      }),
      fc.record({ role: fc.constant('store_manager' as const), subject, storeIds: stores }),
      fc.record({ role: fc.constant('regional_manager' as const), subject, region }),
      fc.record({
        role: fc.constantFrom('compliance' as const, 'integration' as const, 'admin' as const),
        subject,
      }),
    );
    fc.assert(
      fc.property(claims, (input) => {
        const principal = principalFromClaims({ ...claimsFor(input), ...registered });
        expect(principal).toEqual({
          ...input,
          tokenId: 'tok-1',
          issuer: 'https://idp.example',
          expiresAt: new Date(EXP * 1000),
        });
      }),
    );
  });
});
