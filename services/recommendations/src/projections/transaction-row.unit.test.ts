import { describe, expect, it } from '@jest/globals';
import { newEventId, type EventEnvelope } from '@maison/event-contracts';
import fc from 'fast-check';
import { emptyRow, erase, evolveRow, isActive } from './transaction-row.js';

const TX = '3f0c2b1a-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
function event(type: string, data: object, recordedAt = '2026-03-02T06:00:00Z'): EventEnvelope {
  return {
    id: newEventId(),
    type,
    schemaVersion: 1,
    streamId: `transactions-${TX}`,
    subjectId: null,
    occurredAt: '2026-03-02T10:00:00+04:00',
    recordedAt,
    region: 'ME',
    source: { system: 'test' },
    correlationId: 'c',
    causationId: null,
    data: { transactionId: TX, ...data },
  };
}
const recorded = event('TransactionRecorded', {
  kind: 'sale',
  originalTransactionId: null,
  occurredAt: '2026-03-02T10:00:00+04:00',
  storeId: 'DXB-01',
  channel: 'boutique',
  region: 'ME',
  country: 'AE',
  currency: 'AED',
  total: { amountMinor: 100, currency: 'AED' },
  reporting: null,
  lines: [
    {
      sku: 'A',
      productId: null,
      name: 'A',
      categoryPath: ['X'],
      collection: null,
      quantity: 1,
      direction: 'out',
      unitPrice: { amountMinor: 100, currency: 'AED' },
    },
  ],
});
const attributed = (client: string | null, at: string) =>
  event('TransactionAttributed', { clientId: client }, at);

describe('transaction row', () => {
  it('merges its events commutatively: any arrival order gives the same row', () => {
    const events = [
      recorded,
      attributed('c-1', '2026-03-02T06:00:01Z'),
      attributed('c-2', '2026-03-05T06:00:00Z'),
      attributed(null, '2026-03-04T06:00:00Z'),
    ];
    const expected = events.reduce(evolveRow, emptyRow(TX));
    expect(expected.clientId).toBe('c-2');
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        expect(order.reduce(evolveRow, emptyRow(TX))).toEqual(expected);
      }),
    );
  });

  it('is active once recorded, until cancelled or erased; erasure is a sticky tombstone', () => {
    const row = evolveRow(emptyRow(TX), recorded);
    expect(isActive(row)).toBe(true);
    expect(
      isActive(
        evolveRow(
          row,
          event('TransactionCancelled', {
            reason: 'void',
            cancelledAt: '2026-03-02T11:00:00+04:00',
          }),
        ),
      ),
    ).toBe(false);
    const erased = erase(row);
    expect(erased.facts).toBeNull();
    expect(isActive(evolveRow(erased, recorded))).toBe(false);
  });
});
