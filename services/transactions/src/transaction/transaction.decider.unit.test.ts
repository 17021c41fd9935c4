import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@maison/event-contracts';
import { NotFoundError } from '@maison/service-kit';
import fc from 'fast-check';
import { decide, type TransactionCommand } from './transaction.decider.js';
import type { RecordedData } from './transaction.events.js';
import { evolve, initialState } from './transaction.state.js';

const meta = (eventId: string) => ({
  eventId,
  recordedAt: '2026-11-20T14:31:00.000Z',
  region: 'EU' as const,
  correlationId: 'http:req-1',
  causationId: null,
});
const TX = '3f0c2b4e-2f61-5a8e-9c11-1c2d3e4f5a6b';
const data: RecordedData = {
  transactionId: TX,
  kind: 'sale',
  sourceSystem: 'pos.cegid',
  sourceTransactionId: 'PAR-01/1',
  originalTransactionId: null,
  channel: 'boutique',
  storeId: 'PAR-01',
  region: 'EU',
  country: 'FR',
  associateId: 'A-1',
  occurredAt: '2026-11-20T15:30:00+01:00',
  currency: 'EUR',
  lines: [],
  total: { amountMinor: 250000, currency: 'EUR' },
  reporting: null,
  customer: [],
};
const via = { type: 'email', scope: null, index: 'a'.repeat(43) };
const record = (
  attribution: { clientId: string; via: typeof via } | null = null,
): TransactionCommand => ({
  type: 'RecordTransaction',
  meta: meta('11111111-1111-4111-8111-111111111111'),
  data,
  attribution,
  attributionEventId: '22222222-2222-4222-8222-222222222222',
});
const attribute = (
  clientId: string | null,
  eventId = '33333333-3333-4333-8333-333333333333',
): TransactionCommand => ({
  type: 'AttributeTransaction',
  meta: meta(eventId),
  transactionId: TX,
  attribution: clientId === null ? null : { clientId, via },
  at: '2026-11-21T09:00:00Z',
});

/** given events, when command, then events */
function given(events: readonly EventEnvelope[]) {
  const state = events.reduce(evolve, initialState());
  return { when: (c: TransactionCommand) => decide(c, state) };
}

describe('transaction decider', () => {
  it('records a new transaction, unattributed, with a null subject', () => {
    const events = given([]).when(record());
    expect(events.map((e) => [e.type, e.subjectId, e.streamId])).toEqual([
      ['TransactionRecorded', null, `transactions-${TX}`],
    ]);
  });

  it('records and attributes at once when identity already knows a reference', () => {
    const events = given([]).when(record({ clientId: 'c-1', via }));
    expect(events.map((e) => e.type)).toEqual(['TransactionRecorded', 'TransactionAttributed']);
    expect(events[1]?.data).toMatchObject({
      clientId: 'c-1',
      previousClientId: null,
      total: data.total,
    });
  });

  it('records the same source transaction once (retries, redeliveries, re-imports)', () => {
    const first = given([]).when(record());
    expect(given(first).when(record())).toEqual([]);
  });

  it('re-attributes with the previous client and ignores an unchanged answer', () => {
    const recorded = given([]).when(record({ clientId: 'c-1', via }));
    const moved = given(recorded).when(attribute('c-2'));
    expect(moved[0]?.data).toMatchObject({ clientId: 'c-2', previousClientId: 'c-1' });
    expect(given([...recorded, ...moved]).when(attribute('c-2'))).toEqual([]);
    const detached = given([...recorded, ...moved]).when(
      attribute(null, '44444444-4444-4444-8444-444444444444'),
    );
    expect(detached[0]?.data).toMatchObject({ clientId: null, previousClientId: 'c-2' });
  });

  it('cancels once, and refuses to cancel or attribute what was never recorded', () => {
    const cancel: TransactionCommand = {
      type: 'CancelTransaction',
      meta: meta('55555555-5555-4555-8555-555555555555'),
      data: { transactionId: TX, reason: 'customer', cancelledAt: '2026-11-21T10:00:00+01:00' },
    };
    expect(() => given([]).when(cancel)).toThrow(NotFoundError);
    expect(() => given([]).when(attribute('c-1'))).toThrow(NotFoundError);
    const recorded = given([]).when(record());
    const cancelled = given(recorded).when(cancel);
    expect(cancelled.map((e) => e.type)).toEqual(['TransactionCancelled']);
    expect(given([...recorded, ...cancelled]).when(cancel)).toEqual([]);
  });

  it('ends attributed to the last answer, whatever the sequence of answers (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom('c-1', 'c-2', 'c-3'), { nil: null }), { maxLength: 12 }),
        (answers) => {
          let events: EventEnvelope[] = given([]).when(record());
          for (const [i, a] of answers.entries()) {
            const id = `66666666-6666-4666-8666-${String(i).padStart(12, '0')}`;
            events = [...events, ...given(events).when(attribute(a, id))];
          }
          const state = events.reduce(evolve, initialState());
          expect(state.clientId).toBe(answers.at(-1) ?? null);
          // no event that changes nothing
          const attributed = events
            .filter((e) => e.type === 'TransactionAttributed')
            .map((e) => e.data as { clientId: string | null; previousClientId: string | null });
          for (const d of attributed) expect(d.clientId).not.toBe(d.previousClientId);
        },
      ),
    );
  });
});
