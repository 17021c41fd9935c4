import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { blindIndex, normaliseIdentifier, SecretKey } from './index.js';

const key = new SecretKey(randomBytes(32));
const otherKey = new SecretKey(randomBytes(32));

describe('blindIndex', () => {
  it('is deterministic, base64url, and matches normalised variants', () => {
    const a = blindIndex(key, 'email', 'Jane.Doe@Example.com ');
    expect(a).toBe(blindIndex(key, 'email', 'jane.doe@example.com'));
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(blindIndex(key, 'phone', '+33 (6) 12-34.56.78')).toBe(
      blindIndex(key, 'phone', '+33612345678'),
    );
  });

  it('is domain-separated by identifier type and depends on the key', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (value) => {
        const asEmail = blindIndex(key, 'email', value.toLowerCase());
        expect(asEmail).not.toBe(blindIndex(key, 'loyalty-card', value.toLowerCase()));
        expect(asEmail).not.toBe(blindIndex(otherKey, 'email', value));
      }),
    );
  });

  it('never contains the plaintext and is stable under normalisation', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        const index = blindIndex(key, 'email', email);
        expect(index).not.toContain(email);
        expect(blindIndex(key, 'email', ` ${email.toUpperCase()} `)).toBe(
          blindIndex(key, 'email', normaliseIdentifier('email', email)),
        );
      }),
    );
  });

  it('refuses identifier types that could blur the domain separator', () => {
    expect(() => blindIndex(key, 'email:x', 'a')).toThrow(/identifier type/);
  });
});
