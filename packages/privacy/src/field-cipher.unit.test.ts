import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decryptFields,
  encryptFields,
  ERASED,
  findEncryptedFields,
  isEncryptedField,
  type DataKey,
  type EncryptedField,
} from './field-cipher.js';
import { DecryptionError } from './errors.js';

const keyA: DataKey = { id: randomUUID(), key: createSecretKey(randomBytes(32)) };
const keyB: DataKey = { id: randomUUID(), key: createSecretKey(randomBytes(32)) };
const keys: Record<string, DataKey> = { A: keyA, B: keyB };
const keyFor = (subject: string): DataKey => {
  const k = keys[subject];
  if (!k) throw new Error(`no key for ${subject}`);
  return k;
};

const data = {
  email: 'jane@example.com',
  name: { first: 'Jane', last: 'Doe' },
  tier: 'gold',
  lines: [
    { sku: 'SKU-1', name: 'Engraved: Jane' },
    { sku: 'SKU-2', name: 'Gift for Tom' },
  ],
};
const PII = ['email', 'name.first', 'name.last', 'lines.*.name', 'phone'];

describe('encryptFields / decryptFields', () => {
  it('round-trips and leaves non-PII fields and absent paths untouched', () => {
    const enc = encryptFields(data, PII, keyA, {
      eventId: 'e1',
      subject: 'A',
      embedSubject: false,
    });
    const text = JSON.stringify(enc);
    for (const secret of ['jane@example.com', 'Jane', 'Doe', 'Tom'])
      expect(text).not.toContain(secret);
    expect(enc).toMatchObject({ tier: 'gold', lines: [{ sku: 'SKU-1' }, { sku: 'SKU-2' }] });
    expect(enc).not.toHaveProperty('phone');
    expect(findEncryptedFields(enc)).toHaveLength(5);
    expect(decryptFields(enc, 'A', 'e1', keyFor)).toEqual(data);
    expect(data.email).toBe('jane@example.com'); // input not mutated
  });

  it('is idempotent: already encrypted values are not encrypted twice', () => {
    const ctx = { eventId: 'e1', subject: 'A', embedSubject: false };
    const once = encryptFields(data, PII, keyA, ctx);
    expect(encryptFields(once, PII, keyA, ctx)).toEqual(once);
  });

  it('turns a shredded subject into the erased marker', () => {
    const enc = encryptFields(data, PII, keyA, {
      eventId: 'e1',
      subject: 'A',
      embedSubject: false,
    });
    expect(decryptFields(enc, 'A', 'e1', () => 'erased')).toEqual({
      ...data,
      email: ERASED,
      name: { first: ERASED, last: ERASED },
      lines: [
        { sku: 'SKU-1', name: ERASED },
        { sku: 'SKU-2', name: ERASED },
      ],
    });
  });

  describe('AAD binding', () => {
    const enc = encryptFields(data, PII, keyA, {
      eventId: 'e1',
      subject: 'A',
      embedSubject: false,
    }) as { email: EncryptedField; name: { first: EncryptedField; last: EncryptedField } };

    it('fails when the ciphertext is moved to another field', () => {
      const moved = { ...enc, email: enc.name.first };
      expect(() => decryptFields(moved, 'A', 'e1', keyFor)).toThrow(DecryptionError);
    });

    it('fails when the ciphertext is moved to another event of the same subject', () => {
      expect(() => decryptFields(enc, 'A', 'e2', keyFor)).toThrow(DecryptionError);
    });

    it('fails when moved to another subject, even if that subject used the same key', () => {
      // Same key bytes and id for B: only the AAD's subject differs.
      expect(() => decryptFields(enc, 'B', 'e1', () => keyA)).toThrow(DecryptionError);
    });

    it('fails with the wrong key', () => {
      expect(() =>
        decryptFields(enc, 'A', 'e1', () => ({
          id: keyA.id,
          key: createSecretKey(randomBytes(32)),
        })),
      ).toThrow(/authentication failed/);
      expect(() => decryptFields(enc, 'A', 'e1', () => keyB)).toThrow(/another key/);
    });

    it('fails when a ciphertext bit is flipped', () => {
      const ct = Buffer.from(enc.email.ct, 'base64url');
      ct[0] = (ct[0] ?? 0) ^ 1;
      const flipped = { ...enc, email: { ...enc.email, ct: ct.toString('base64url') } };
      expect(() => decryptFields(flipped, 'A', 'e1', keyFor)).toThrow(DecryptionError);
    });
  });

  it('keys events without a subject by an embedded key subject', () => {
    const enc = encryptFields(data, ['email'], keyB, {
      eventId: 'e1',
      subject: 'B',
      embedSubject: true,
    });
    const [token] = findEncryptedFields(enc);
    expect(token?.sub).toBe('B');
    expect(decryptFields(enc, null, 'e1', keyFor)).toEqual(data);
  });

  it('recognises tokens by exact shape only', () => {
    expect(isEncryptedField({ $enc: 'v1', kid: 'k', iv: 'i', ct: 'c', tag: 't' })).toBe(true);
    expect(isEncryptedField({ $enc: 'v1', kid: 'k', iv: 'i', ct: 'c', tag: 't', x: 1 })).toBe(
      false,
    );
    expect(isEncryptedField({ $enc: 'v2', kid: 'k', iv: 'i', ct: 'c', tag: 't' })).toBe(false);
    expect(isEncryptedField('enc:v1:whatever')).toBe(false);
  });

  describe('properties', () => {
    // Through JSON once: fc.jsonValue() can yield -0, which JSON (the stored form) writes as 0.
    const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;
    const piiValue = fc
      .jsonValue()
      .map(asJson)
      .filter((v) => !isEncryptedField(v));

    it('decrypt(encrypt(x)) = x for arbitrary JSON PII values; non-PII untouched', () => {
      fc.assert(
        fc.property(
          piiValue,
          fc.array(fc.record({ name: piiValue, qty: fc.integer() }), { maxLength: 4 }),
          fc.jsonValue().map(asJson),
          fc.uuid(),
          (secret, lines, other, eventId) => {
            const input = { secret, nested: { deep: secret }, lines, other };
            const enc = encryptFields(input, ['secret', 'nested.deep', 'lines.*.name'], keyA, {
              eventId,
              subject: 'A',
              embedSubject: false,
            }) as typeof input;
            expect(enc.other).toBe(other);
            expect(enc.lines.map((l) => l.qty)).toEqual(lines.map((l) => l.qty));
            expect(isEncryptedField(enc.secret)).toBe(true);
            expect(decryptFields(enc, 'A', eventId, keyFor)).toEqual(input);
          },
        ),
      );
    });
  });
});
