import { z } from 'zod';
import { REGIONS } from '../envelope.js';
import { defineEventType } from '../registry.js';
import {
  clientId,
  currencyCode,
  customerReference,
  identifierRef,
  instant,
  money,
  ruleRef,
} from './common.js';

/**
 * transactions.events.v1 — owned by the transactions service. Stream `transactions-<transactionId>`
 * for a transaction's facts (subjectId = the client once attributed, else null and PII under
 * `identifierKeySubject` of the primary reference); `transactions-client-<clientId>` for per-client
 * facts such as the tier.
 */

export const CHANNELS = ['boutique', 'ecommerce', 'clienteling_remote', 'travel_retail'] as const;
export const TRANSACTION_KINDS = ['sale', 'return', 'exchange'] as const;

export const transactionLine = z.strictObject({
  lineId: z.string().min(1).max(100),
  sku: z.string().min(1).max(100),
  productId: z.string().min(1).max(100).nullable(),
  name: z.string().min(1).max(300),
  /** From the root: ["Leather goods", "Bags", "Top handle"]. */
  categoryPath: z.array(z.string().min(1).max(100)).min(1).max(8),
  collection: z.string().min(1).max(200).nullable(),
  /** Positive; a return line is a line of a `return` transaction, not a negative quantity. */
  quantity: z.number().int().min(1).max(10_000),
  unitPrice: money,
  discount: money,
  tax: money,
  /** quantity × unitPrice − discount (+ tax when prices are net): what the client paid. */
  lineTotal: money,
  /** For return/exchange lines: the line of the original sale, when known. */
  originalLineId: z.string().min(1).max(100).nullable(),
  /** For exchanges: whether the line goes back (`in`) or out to the client (`out`). */
  direction: z.enum(['out', 'in']).default('out'),
});
export type TransactionLine = z.infer<typeof transactionLine>;

/** The amount in the reporting currency, with the rate that produced it. */
export const reportingAmount = z.strictObject({
  amount: money,
  rate: z.string().regex(/^\d+(\.\d+)?$/),
  rateDate: z.iso.date(),
  source: z.string().min(1).max(100),
});

export const TransactionRecorded = defineEventType({
  type: 'TransactionRecorded',
  schemaVersion: 1,
  schema: z.strictObject({
    transactionId: z.uuid(),
    kind: z.enum(TRANSACTION_KINDS),
    /** Source system + the source's own transaction id: the idempotency key. */
    sourceSystem: z.string().min(1).max(100),
    sourceTransactionId: z.string().min(1).max(200),
    originalTransactionId: z.uuid().nullable(),
    channel: z.enum(CHANNELS),
    storeId: z.string().min(1).max(100).nullable(),
    region: z.enum(REGIONS),
    country: z.string().regex(/^[A-Z]{2}$/),
    associateId: z.string().min(1).max(200).nullable(),
    /** Business time with the store's offset. */
    occurredAt: instant,
    currency: currencyCode,
    lines: z.array(transactionLine).min(1).max(500),
    /** Signed from the client's point of view: positive for a sale, negative for a return. */
    total: money,
    reporting: reportingAmount.nullable(),
    /** The references the source gave, in attribution priority order; empty = anonymous. */
    customer: z.array(customerReference).max(10),
  }),
  pii: ['customer.*.value'],
});

export const TransactionCancelled = defineEventType({
  type: 'TransactionCancelled',
  schemaVersion: 1,
  schema: z.strictObject({
    transactionId: z.uuid(),
    reason: z.string().min(1).max(300),
    cancelledAt: instant,
  }),
});

/**
 * Which client a transaction belongs to, now. Appended on first attribution and again on every
 * change (merge, unmerge, a better identifier linked); the last one wins. `clientId` null =
 * detached (e.g. after an unmerge left the reference unowned).
 */
export const TransactionAttributed = defineEventType({
  type: 'TransactionAttributed',
  schemaVersion: 1,
  schema: z.strictObject({
    transactionId: z.uuid(),
    clientId: clientId.nullable(),
    previousClientId: clientId.nullable(),
    via: identifierRef.nullable(),
    /** Denormalised so consumers need no other event to use an attribution. */
    kind: z.enum(TRANSACTION_KINDS),
    occurredAt: instant,
    storeId: z.string().min(1).max(100).nullable(),
    region: z.enum(REGIONS),
    associateId: z.string().min(1).max(200).nullable(),
    /** Signed like TransactionRecorded.total; `reporting` in the reporting currency when known. */
    total: money,
    reporting: reportingAmount.nullable(),
  }),
});

export const TIERS = ['prospect', 'client', 'silver', 'gold', 'vic'] as const;

export const ClientTierChanged = defineEventType({
  type: 'ClientTierChanged',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    from: z.enum(TIERS).nullable(),
    to: z.enum(TIERS),
    rollingSpend: money,
    rule: ruleRef,
  }),
});

export const TRANSACTIONS_EVENTS = [
  TransactionRecorded,
  TransactionCancelled,
  TransactionAttributed,
  ClientTierChanged,
] as const;

export const transactionStream = (transactionId: string): string => `transactions-${transactionId}`;
export const transactionsClientStream = (id: string): string => `transactions-client-${id}`;
