import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { blindIndex, SecretKey } from '@maison/privacy';
import fc from 'fast-check';
import { SAMPLE_RATES_FILE } from '../config.js';
import { FxRates } from '../fx/ecb-rates.js';
import { MUTATIONS, validTransactionArb } from './ingest.arbitraries.js';
import { prepareRecord, transactionIdOf, type PrepareContext } from './prepare.js';

const key = new SecretKey(Buffer.alloc(32, 7));
const ctx: PrepareContext = {
  privacy: { blindIndex: (type, value) => blindIndex(key, type, value) },
  fx: FxRates.parse(readFileSync(SAMPLE_RATES_FILE, 'utf8')),
  reportingCurrency: 'EUR',
  maxRateGapDays: 5,
  now: () => new Date('2026-12-01T00:00:00Z'),
};

describe('the ingest record', () => {
  it('accepts any valid transaction and keeps every field it was given (property)', () => {
    fc.assert(
      fc.property(validTransactionArb, (input) => {
        const r = prepareRecord(input, ctx);
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
        expect(r.record.kind).toBe('transaction');
        if (r.record.kind !== 'transaction') return;
        const d = r.record.data;
        expect(d).toMatchObject({
          kind: input.kind,
          sourceSystem: input.sourceSystem,
          sourceTransactionId: input.sourceTransactionId,
          storeId: input.storeId,
          occurredAt: input.occurredAt,
          currency: input.currency,
          total: input.total,
        });
        expect(d.lines.map((l) => [l.sku, l.quantity, l.unitPrice, l.discount])).toEqual(
          input.lines.map((l) => [l.sku, l.quantity, l.unitPrice, l.discount]),
        );
        expect(d.customer).toHaveLength(input.customer.length);
        expect(d.reporting?.amount.currency).toBe('EUR');
        expect(Math.sign(d.reporting?.amount.amountMinor ?? 0)).toBe(
          Math.sign(d.total.amountMinor),
        );
        // the JSON the edges produce validates again to the same ids: one schema everywhere
        const again = prepareRecord(JSON.parse(JSON.stringify(r.record.input)), ctx);
        expect(again.ok && again.record.eventId === r.record.eventId).toBe(true);
        expect(r.record.transactionId).toBe(
          transactionIdOf(input.sourceSystem, input.sourceTransactionId),
        );
      }),
    );
  });

  for (const [name, mutate] of Object.entries(MUTATIONS)) {
    it(`names the field and never echoes values: ${name} (property)`, () => {
      fc.assert(
        fc.property(validTransactionArb, (input) => {
          const { body, pointer } = mutate(input);
          const r = prepareRecord(body, ctx);
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.errors.map((e) => e.pointer)).toContain(pointer);
          const text = JSON.stringify(r.errors);
          for (const c of input.customer) expect(text).not.toContain(c.value);
          expect(text).not.toContain('secret-value');
        }),
        { numRuns: 40 },
      );
    });
  }

  it('refuses what cannot be normalised to the reporting currency, with the reason', () => {
    const r = prepareRecord(
      {
        ...fc.sample(validTransactionArb, 1)[0],
        currency: 'EUR',
        lines: [
          {
            sku: 'A-1',
            name: 'x',
            categoryPath: ['x'],
            quantity: 1,
            unitPrice: { amountMinor: 1, currency: 'USD' },
          },
        ],
        occurredAt: '2031-01-01T10:00:00Z',
      },
      { ...ctx, now: () => new Date('2032-01-01T00:00:00Z') },
    );
    expect(r.ok).toBe(false);
    const fx = prepareRecord(
      {
        kind: 'sale',
        sourceSystem: 'pos',
        sourceTransactionId: '1',
        channel: 'ecommerce',
        region: 'EU',
        country: 'FR',
        occurredAt: '2031-01-01T10:00:00Z',
        currency: 'USD',
        lines: [
          {
            sku: 'A-1',
            name: 'x',
            categoryPath: ['x'],
            quantity: 1,
            unitPrice: { amountMinor: 100, currency: 'USD' },
          },
        ],
        total: { amountMinor: 100, currency: 'USD' },
      },
      { ...ctx, now: () => new Date('2032-01-01T00:00:00Z') },
    );
    expect(fx).toMatchObject({
      ok: false,
      status: 422,
      errors: [{ pointer: '/occurredAt', detail: expect.stringContaining('no USD/EUR rate') }],
    });
  });

  it('derives one transaction id per source transaction, and links returns to their sale', () => {
    const r = prepareRecord(
      {
        kind: 'return',
        sourceSystem: 'pos.cegid',
        sourceTransactionId: 'R-1',
        originalSourceTransactionId: 'S-1',
        channel: 'boutique',
        storeId: 'PAR-01',
        region: 'EU',
        country: 'FR',
        occurredAt: '2026-11-20T10:00:00+01:00',
        currency: 'EUR',
        lines: [
          {
            sku: 'A-1',
            name: 'x',
            categoryPath: ['x'],
            quantity: 1,
            unitPrice: { amountMinor: 100, currency: 'EUR' },
          },
        ],
        total: { amountMinor: -100, currency: 'EUR' },
      },
      ctx,
    );
    expect(r.ok && r.record.kind === 'transaction' && r.record.data.originalTransactionId).toBe(
      transactionIdOf('pos.cegid', 'S-1'),
    );
    expect(transactionIdOf('pos.cegid', 'S-1')).not.toBe(transactionIdOf('pos.lightspeed', 'S-1'));
  });
});
