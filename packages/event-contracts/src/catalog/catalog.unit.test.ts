import { describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import { newEventId } from '../ids.js';
import {
  CATALOG,
  ClientErased,
  TransactionRecorded,
  catalogRegistry,
  identifierKeySubject,
} from './index.js';

const index = 'A'.repeat(43);

function envelope(type: string, data: unknown) {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId: 's-1',
    subjectId: null,
    occurredAt: '2026-03-02T10:00:00+04:00',
    recordedAt: '2026-03-02T06:00:01Z',
    region: 'ME',
    source: { system: 'test' },
    correlationId: id,
    causationId: null,
    data,
  };
}

const sale = {
  transactionId: newEventId(),
  kind: 'sale',
  sourceSystem: 'pos.cegid',
  sourceTransactionId: 'DXB-01/000123',
  originalTransactionId: null,
  channel: 'boutique',
  storeId: 'DXB-01',
  region: 'ME',
  country: 'AE',
  associateId: 'assoc-17',
  occurredAt: '2026-03-02T10:00:00+04:00',
  currency: 'AED',
  lines: [
    {
      lineId: '1',
      sku: 'BAG-001',
      productId: null,
      name: 'Top handle bag',
      categoryPath: ['Leather goods', 'Bags'],
      collection: null,
      quantity: 1,
      unitPrice: { amountMinor: 1_250_000, currency: 'AED' },
      discount: { amountMinor: 0, currency: 'AED' },
      tax: { amountMinor: 0, currency: 'AED' },
      lineTotal: { amountMinor: 1_250_000, currency: 'AED' },
      originalLineId: null,
    },
  ],
  total: { amountMinor: 1_250_000, currency: 'AED' },
  reporting: null,
  customer: [{ type: 'email', scope: null, index, value: { $enc: 'v1' } }],
};

describe('event catalogue', () => {
  it('has one definition per type, all at version 1 for now', () => {
    const types = CATALOG.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    expect(catalogRegistry().types()).toEqual([...types].sort());
  });

  it('declares PII paths that exist in each schema', () => {
    for (const d of CATALOG) {
      const shape = (d.schema as unknown as z.ZodObject).shape as Record<string, unknown>;
      for (const path of d.pii) expect(Object.keys(shape)).toContain(path.split('.')[0]);
    }
  });

  it('accepts a valid sale and fills defaults', () => {
    const event = catalogRegistry().validate(envelope(TransactionRecorded.type, sale));
    const data = event.data as { lines: { direction: string }[] };
    expect(data.lines[0]?.direction).toBe('out');
  });

  it('rejects unknown fields, bad currency codes and bad blind indexes with their paths', () => {
    const registry = catalogRegistry();
    const bad = {
      ...sale,
      currency: 'eur',
      extra: true,
      customer: [{ type: 'email', scope: null, index: 'short', value: 'x' }],
    };
    let error: unknown;
    try {
      registry.validate(envelope(TransactionRecorded.type, bad));
    } catch (e) {
      error = e;
    }
    const paths = (error as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['data.currency', 'data', 'data.customer.0.index']),
    );
  });

  it('requires the erasure facts', () => {
    expect(() =>
      catalogRegistry().validate(envelope(ClientErased.type, { clientId: 'c-1' })),
    ).toThrow(/requestId/);
  });

  it('names the key subject of pre-resolution PII after the identifier index', () => {
    expect(identifierKeySubject(index)).toBe(`idx:${index}`);
  });
});
