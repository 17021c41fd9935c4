import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { normaliseReferences } from './identifiers.js';

// Stands in for the keyed HMAC: deterministic, 43 base64url characters, type-separated.
const privacy = {
  blindIndex: (type: string, value: string) =>
    createHash('sha256').update(`${type}\u0000${value}`).digest('base64url'),
};

describe('normaliseReferences', () => {
  it('orders by attribution priority and indexes the canonical form', () => {
    const a = normaliseReferences(privacy, [
      { type: 'email', value: ' Jane.Doe@Example.COM ' },
      { type: 'loyalty_id', value: 'LX-0042' },
    ]);
    const b = normaliseReferences(privacy, [{ type: 'email', value: 'jane.doe@example.com' }]);
    if (!a.ok || !b.ok) throw new Error('expected valid references');
    expect(a.references.map((r) => r.type)).toEqual(['loyalty_id', 'email']);
    expect(a.references[1]?.index).toBe(b.references[0]?.index);
    expect(a.references[1]?.value).toBe('jane.doe@example.com');
    expect(a.references[0]?.index).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('uses the store country for national phone numbers and drops duplicates', () => {
    const r = normaliseReferences(
      privacy,
      [
        { type: 'phone', value: '06 12 34 56 78' },
        { type: 'phone', value: '+33 6 12 34 56 78' },
      ],
      'FR',
    );
    if (!r.ok) throw new Error('expected valid references');
    expect(r.references).toHaveLength(1);
    expect(r.references[0]?.value).toBe('+33612345678');
  });

  it('names the first invalid reference', () => {
    const r = normaliseReferences(privacy, [
      { type: 'email', value: 'ok@example.com' },
      { type: 'pos_customer', value: 'C1' },
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.index).toBe(1);
    expect(r.issue.field).toBe('scope');
  });
});
