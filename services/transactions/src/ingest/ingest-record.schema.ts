import { CHANNELS, REGIONS } from '@maison/event-contracts';
import { IDENTIFIER_TYPES } from '@maison/identifiers';
import { z } from 'zod';
import { isCalendarDate } from '../fx/ecb-rates.js';
import { isCurrency } from '../money/currency.js';

/**
 * The one record every ingestion path validates — REST (single and batch), the Kafka ingest
 * topic, NDJSON and CSV imports, Shopify webhooks once mapped — before it becomes a command.
 * Plain JSON at the edge of the platform; messages never echo submitted values (they may be
 * personal data), only what was expected.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const text = (max: number) =>
  z
    .string('must be a string')
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');

export const sourceSystemSchema = z
  .string('must be a string')
  .regex(
    /^[a-z0-9][a-z0-9._:-]{0,99}$/,
    'must be 1-100 lower-case letters, digits, ".", "_", ":" or "-" (e.g. pos.cegid)',
  );

const currency = z
  .string('must be a string')
  .refine(isCurrency, 'must be an ISO 4217 currency code such as EUR');

const amountMinor = z
  .number('must be an integer number of minor units')
  .int('must be an integer number of minor units')
  .refine(Number.isSafeInteger, 'is too large');

export const moneyInput = z.strictObject({ amountMinor, currency });
export type MoneyInput = z.infer<typeof moneyInput>;

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** ISO 8601 with an explicit offset, a real calendar date and a time that parses. */
export function isInstant(value: string): boolean {
  const m = ISO_INSTANT.exec(value);
  if (!m?.[1] || !isCalendarDate(m[1])) return false;
  const year = Number(m[1].slice(0, 4));
  return year >= 1970 && year <= 2100 && !Number.isNaN(Date.parse(value));
}

export const instantInput = z
  .string('must be a string')
  .refine(
    isInstant,
    'must be an ISO 8601 date-time with an offset, e.g. 2026-11-02T15:04:05+01:00',
  );

export const lineInput = z.strictObject({
  lineId: text(100).optional(),
  sku: text(100),
  productId: text(100).nullable().optional(),
  name: text(300),
  /** From the root: ["Leather goods", "Bags", "Top handle"]. */
  categoryPath: z.array(text(100)).min(1, 'must have at least one category').max(8),
  collection: text(200).nullable().optional(),
  quantity: z
    .number('must be a positive integer')
    .int('must be a positive integer')
    .min(1, 'must be at least 1 (a return is a transaction of kind "return")')
    .max(10_000, 'must be at most 10000'),
  unitPrice: moneyInput,
  discount: moneyInput.optional(),
  tax: moneyInput.optional(),
  /** quantity × unitPrice − discount (+ tax when taxIncluded is false); computed when absent. */
  lineTotal: moneyInput.optional(),
  originalLineId: text(100).nullable().optional(),
  /** Exchanges only: `out` to the client, `in` back from the client. */
  direction: z.enum(['out', 'in'], 'must be "out" or "in"').optional(),
});
export type LineInput = z.infer<typeof lineInput>;

export const customerReferenceInput = z.strictObject({
  type: z.enum(IDENTIFIER_TYPES, `must be one of ${IDENTIFIER_TYPES.join(', ')}`),
  value: z.string('must be a string').min(1, 'must not be empty').max(320, 'is too long'),
  scope: z.string('must be a string').max(200, 'is too long').nullable().optional(),
});

const TRANSACTION_KINDS = ['sale', 'return', 'exchange'] as const;
const STORE_CHANNELS = new Set(['boutique', 'travel_retail', 'clienteling_remote']);

/** The sign a line's total takes in the transaction total (client's point of view). */
export function lineSign(
  kind: 'sale' | 'return' | 'exchange',
  direction: 'out' | 'in' | undefined,
): 1 | -1 {
  if (kind === 'sale') return 1;
  if (kind === 'return') return -1;
  return direction === 'in' ? -1 : 1;
}

/** The line total the amounts imply. */
export function computedLineTotal(line: LineInput, taxIncluded: boolean): number {
  return (
    line.quantity * line.unitPrice.amountMinor -
    (line.discount?.amountMinor ?? 0) +
    (taxIncluded ? 0 : (line.tax?.amountMinor ?? 0))
  );
}

export const transactionInput = z
  .strictObject({
    kind: z.enum(TRANSACTION_KINDS),
    sourceSystem: sourceSystemSchema,
    /** The source's own id: with sourceSystem, the idempotency key. */
    sourceTransactionId: text(200),
    /** Returns and exchanges: the sale they undo, when the source knows it. */
    originalSourceTransactionId: text(200).nullable().optional(),
    channel: z.enum(CHANNELS, `must be one of ${CHANNELS.join(', ')}`),
    storeId: text(100).nullable().optional(),
    region: z.enum(REGIONS, `must be one of ${REGIONS.join(', ')}`),
    country: z
      .string('must be a string')
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as FR'),
    associateId: text(200).nullable().optional(),
    /** Business time, with the store's offset. */
    occurredAt: instantInput,
    currency,
    /** Whether unit prices include tax (default true, as in most boutiques outside the US). */
    taxIncluded: z.boolean('must be true or false').optional(),
    lines: z
      .array(lineInput)
      .min(1, 'must have at least one line')
      .max(500, 'must have at most 500 lines'),
    /** Signed: positive for a sale, negative for a return, either for an exchange. */
    total: moneyInput,
    /** Any of email, phone, loyalty id, POS customer number, shop customer id; none = anonymous. */
    customer: z.array(customerReferenceInput).max(10, 'must have at most 10 references').optional(),
  })
  .superRefine((t, ctx) => {
    const issue = (path: PropertyKey[], message: string) => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    const sameCurrency = (m: MoneyInput | undefined, path: PropertyKey[]) => {
      if (m && m.currency !== t.currency)
        issue([...path, 'currency'], `must be the transaction's currency (${t.currency})`);
    };
    const taxIncluded = t.taxIncluded ?? true;
    if (STORE_CHANNELS.has(t.channel) && (t.storeId ?? null) === null)
      issue(['storeId'], `is required for the ${t.channel} channel`);
    if (t.kind === 'sale' && (t.originalSourceTransactionId ?? null) !== null)
      issue(['originalSourceTransactionId'], 'is only for returns and exchanges');
    sameCurrency(t.total, ['total']);
    let expected = 0;
    let incomplete = false;
    const lineIds = new Set<string>();
    for (const [i, line] of t.lines.entries()) {
      const at = ['lines', i];
      const id = line.lineId ?? String(i + 1);
      if (lineIds.has(id)) issue([...at, 'lineId'], 'must be unique within the transaction');
      lineIds.add(id);
      for (const field of ['unitPrice', 'discount', 'tax', 'lineTotal'] as const) {
        const m = line[field];
        sameCurrency(m, [...at, field]);
        if (m && m.amountMinor < 0) issue([...at, field, 'amountMinor'], 'must not be negative');
      }
      if (
        line.direction !== undefined &&
        t.kind !== 'exchange' &&
        line.direction !== (t.kind === 'sale' ? 'out' : 'in')
      )
        issue(
          [...at, 'direction'],
          `must be "${t.kind === 'sale' ? 'out' : 'in'}" for a ${t.kind}`,
        );
      // a bad quantity is reported by its own check; the amounts that depend on it are not
      if (!Number.isInteger(line.quantity) || line.quantity < 1) {
        incomplete = true;
        continue;
      }
      const gross = line.quantity * line.unitPrice.amountMinor;
      if (!Number.isSafeInteger(gross)) {
        issue([...at, 'unitPrice', 'amountMinor'], 'is too large');
        incomplete = true;
        continue;
      }
      if ((line.discount?.amountMinor ?? 0) > gross)
        issue([...at, 'discount', 'amountMinor'], 'must not exceed quantity × unitPrice');
      const computed = computedLineTotal(line, taxIncluded);
      if (line.lineTotal && line.lineTotal.amountMinor !== computed)
        issue(
          [...at, 'lineTotal', 'amountMinor'],
          `must be quantity × unitPrice − discount${taxIncluded ? '' : ' + tax'} (${computed})`,
        );
      expected += lineSign(t.kind, line.direction) * (line.lineTotal?.amountMinor ?? computed);
    }
    if (!incomplete && t.total.amountMinor !== expected)
      issue(['total', 'amountMinor'], `must equal the signed sum of the line totals (${expected})`);
  });
export type TransactionInput = z.infer<typeof transactionInput>;

export const cancellationInput = z.strictObject({
  kind: z.literal('cancellation'),
  sourceSystem: sourceSystemSchema,
  sourceTransactionId: text(200),
  cancelledAt: instantInput,
  reason: text(300),
});
export type CancellationInput = z.infer<typeof cancellationInput>;

export const ingestRecord = z.discriminatedUnion(
  'kind',
  [transactionInput, cancellationInput],
  'must be "sale", "return", "exchange" or "cancellation"',
);
export type IngestRecord = z.infer<typeof ingestRecord>;

/** `POST /v1/transactions:batch`. */
export function batchInput(maxRecords: number) {
  return z.strictObject({
    records: z
      .array(z.unknown())
      .min(1, 'must have at least one record')
      .max(maxRecords, `must have at most ${maxRecords} records`),
  });
}
