import {
  deterministicEventId,
  MAISON_EVENT_NAMESPACE,
  TransactionCancelled,
  TransactionRecorded,
  uuidV5,
  type DataOf,
} from '@maison/event-contracts';
import type { Privacy } from '@maison/privacy';
import { normaliseReferences } from '@maison/runtime';
import { jsonPointer, type FieldError } from '@maison/service-kit';
import type { FxRates } from '../fx/ecb-rates.js';
import {
  computedLineTotal,
  ingestRecord,
  type CancellationInput,
  type IngestRecord,
  type TransactionInput,
} from './ingest-record.schema.js';

export type RecordedData = DataOf<typeof TransactionRecorded>;
export type CancelledData = DataOf<typeof TransactionCancelled>;

/** What the service needs to turn input into facts (all pure or in-memory). */
export interface PrepareContext {
  readonly privacy: Pick<Privacy, 'blindIndex'>;
  readonly fx: FxRates;
  readonly reportingCurrency: string;
  readonly maxRateGapDays: number;
  /** Business time may not be later than this (clock + tolerance). */
  readonly now: () => Date;
}

export type PreparedRecord =
  | {
      readonly kind: 'transaction';
      readonly eventId: string;
      readonly transactionId: string;
      readonly key: string;
      readonly data: RecordedData;
      /** The validated input: what edges produce to the ingest topic. */
      readonly input: IngestRecord;
    }
  | {
      readonly kind: 'cancellation';
      readonly eventId: string;
      readonly transactionId: string;
      readonly key: string;
      readonly data: CancelledData;
      readonly input: IngestRecord;
    };

export type PrepareResult =
  | { readonly ok: true; readonly record: PreparedRecord }
  | { readonly ok: false; readonly status: 400 | 422; readonly errors: readonly FieldError[] };

/** The transaction id of a source transaction: derived from its TransactionRecorded event id. */
export function transactionIdOf(sourceSystem: string, sourceTransactionId: string): string {
  return transactionIdFromEventId(recordedEventIdOf(sourceSystem, sourceTransactionId));
}

function transactionIdFromEventId(recordedEventId: string): string {
  return uuidV5(`transaction:${recordedEventId}`, MAISON_EVENT_NAMESPACE);
}

export function recordedEventIdOf(sourceSystem: string, sourceTransactionId: string): string {
  return deterministicEventId({
    sourceSystem,
    sourceId: sourceTransactionId,
    type: TransactionRecorded.type,
  });
}

export function cancelledEventIdOf(sourceSystem: string, sourceTransactionId: string): string {
  return deterministicEventId({
    sourceSystem,
    sourceId: sourceTransactionId,
    type: TransactionCancelled.type,
  });
}

const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/**
 * Validates one record and turns it into the data of the event it records: references normalised
 * and blind-indexed, the total normalised to the reporting currency at the business date's rate.
 * Errors name the field by JSON pointer (under `prefix`) and never quote the submitted value.
 */
export function prepareRecord(
  input: unknown,
  ctx: PrepareContext,
  prefix: readonly PropertyKey[] = [],
): PrepareResult {
  const parsed = ingestRecord.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      status: 400,
      errors: parsed.error.issues.map((i) => ({
        pointer: jsonPointer([...prefix, ...i.path]),
        detail: i.message,
      })),
    };
  }
  const record = parsed.data;
  return record.kind === 'cancellation'
    ? prepareCancellation(record, ctx, prefix)
    : prepareTransaction(record, ctx, prefix);
}

function tooLate(instant: string, ctx: PrepareContext): boolean {
  return Date.parse(instant) > ctx.now().getTime() + FUTURE_TOLERANCE_MS;
}

function prepareCancellation(
  c: CancellationInput,
  ctx: PrepareContext,
  prefix: readonly PropertyKey[],
): PrepareResult {
  if (tooLate(c.cancelledAt, ctx))
    return {
      ok: false,
      status: 422,
      errors: [{ pointer: jsonPointer([...prefix, 'cancelledAt']), detail: 'is in the future' }],
    };
  return {
    ok: true,
    record: {
      kind: 'cancellation',
      eventId: cancelledEventIdOf(c.sourceSystem, c.sourceTransactionId),
      transactionId: transactionIdOf(c.sourceSystem, c.sourceTransactionId),
      key: c.sourceTransactionId,
      input: c,
      data: {
        transactionId: transactionIdOf(c.sourceSystem, c.sourceTransactionId),
        reason: c.reason,
        cancelledAt: c.cancelledAt,
      },
    },
  };
}

function prepareTransaction(
  t: TransactionInput,
  ctx: PrepareContext,
  prefix: readonly PropertyKey[],
): PrepareResult {
  const fail = (status: 400 | 422, path: PropertyKey[], detail: string): PrepareResult => ({
    ok: false,
    status,
    errors: [{ pointer: jsonPointer([...prefix, ...path]), detail }],
  });
  if (tooLate(t.occurredAt, ctx)) return fail(422, ['occurredAt'], 'is in the future');
  const refs = normaliseReferences(ctx.privacy, t.customer ?? [], t.country);
  if (!refs.ok)
    return fail(
      400,
      ['customer', refs.index, refs.issue.field === 'defaultCountry' ? 'value' : refs.issue.field],
      refs.issue.message,
    );
  const businessDate = t.occurredAt.slice(0, 10);
  const fx = ctx.fx.convert(
    t.total.amountMinor,
    t.currency,
    ctx.reportingCurrency,
    businessDate,
    ctx.maxRateGapDays,
  );
  if (!fx.ok)
    return fail(
      422,
      ['occurredAt'],
      `cannot be normalised to ${ctx.reportingCurrency}: ${fx.message}`,
    );
  const taxIncluded = t.taxIncluded ?? true;
  const zero = { amountMinor: 0, currency: t.currency };
  const eventId = recordedEventIdOf(t.sourceSystem, t.sourceTransactionId);
  const transactionId = transactionIdFromEventId(eventId);
  const data: RecordedData = {
    transactionId,
    kind: t.kind,
    sourceSystem: t.sourceSystem,
    sourceTransactionId: t.sourceTransactionId,
    originalTransactionId:
      (t.originalSourceTransactionId ?? null) === null
        ? null
        : transactionIdOf(t.sourceSystem, t.originalSourceTransactionId ?? ''),
    channel: t.channel,
    storeId: t.storeId ?? null,
    region: t.region,
    country: t.country,
    associateId: t.associateId ?? null,
    occurredAt: t.occurredAt,
    currency: t.currency,
    lines: t.lines.map((l, i) => ({
      lineId: l.lineId ?? String(i + 1),
      sku: l.sku,
      productId: l.productId ?? null,
      name: l.name,
      categoryPath: l.categoryPath,
      collection: l.collection ?? null,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discount: l.discount ?? zero,
      tax: l.tax ?? zero,
      lineTotal: l.lineTotal ?? {
        amountMinor: computedLineTotal(l, taxIncluded),
        currency: t.currency,
      },
      originalLineId: l.originalLineId ?? null,
      direction: l.direction ?? (t.kind === 'return' ? 'in' : 'out'),
    })),
    total: t.total,
    reporting: {
      amount: { amountMinor: fx.conversion.amountMinor, currency: fx.conversion.currency },
      rate: fx.conversion.rate,
      rateDate: fx.conversion.rateDate,
      source: fx.conversion.source === 'identity' ? 'identity' : ctx.fx.source,
    },
    customer: refs.references,
  };
  return {
    ok: true,
    record: {
      kind: 'transaction',
      eventId,
      transactionId,
      key: t.sourceTransactionId,
      data,
      input: t,
    },
  };
}
