import {
  TransactionAttributed,
  TransactionCancelled,
  TransactionRecorded,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import { transactionFacts, type TransactionFacts } from '../engine/facts.js';

/**
 * What the model knows of one transaction. Its events come on different partitions (keyed by the
 * source id before attribution, by the client after), so they may arrive in any order: the row
 * merges them commutatively — facts once, the latest attribution by its record time, cancellation
 * and erasure sticky.
 */
export interface TransactionRow {
  readonly transactionId: string;
  readonly facts: TransactionFacts | null;
  readonly cancelled: boolean;
  readonly erased: boolean;
  readonly clientId: string | null;
  readonly attributedAt: string | null;
  readonly attributionEventId: string | null;
  readonly originalTransactionId: string | null;
}

export function emptyRow(transactionId: string): TransactionRow {
  return {
    transactionId,
    facts: null,
    cancelled: false,
    erased: false,
    clientId: null,
    attributedAt: null,
    attributionEventId: null,
    originalTransactionId: null,
  };
}

/** Active transactions contribute to the model. */
export function isActive(row: TransactionRow): row is TransactionRow & { facts: TransactionFacts } {
  return row.facts !== null && !row.cancelled && !row.erased;
}

function newer(at: string, id: string, row: TransactionRow): boolean {
  if (row.attributedAt === null || row.attributionEventId === null) return true;
  const a = Date.parse(at);
  const b = Date.parse(row.attributedAt);
  return a > b || (a === b && id > row.attributionEventId);
}

/** The transaction id an event is about, for the three types the model follows. */
export function transactionIdOf(event: EventEnvelope): string | undefined {
  switch (event.type) {
    case TransactionRecorded.type:
    case TransactionAttributed.type:
    case TransactionCancelled.type:
      return (event.data as { transactionId: string }).transactionId;
    default:
      return undefined;
  }
}

/** Folds one event into the row (pure; erasure is applied by the caller, see `erase`). */
export function evolveRow(row: TransactionRow, event: EventEnvelope): TransactionRow {
  switch (event.type) {
    case TransactionRecorded.type: {
      if (row.facts !== null || row.erased) return row;
      const data = event.data as DataOf<typeof TransactionRecorded>;
      return {
        ...row,
        facts: transactionFacts(data),
        originalTransactionId: data.originalTransactionId,
      };
    }
    case TransactionAttributed.type: {
      const data = event.data as DataOf<typeof TransactionAttributed>;
      if (!newer(event.recordedAt, event.id, row)) return row;
      return {
        ...row,
        clientId: data.clientId,
        attributedAt: event.recordedAt,
        attributionEventId: event.id,
      };
    }
    case TransactionCancelled.type:
      return row.cancelled ? row : { ...row, cancelled: true };
    default:
      return row;
  }
}

/** Erasure drops the facts for good; the row stays as a tombstone so late events change nothing. */
export function erase(row: TransactionRow): TransactionRow {
  return row.erased ? row : { ...row, facts: null, erased: true };
}

export function sameRow(a: TransactionRow, b: TransactionRow): boolean {
  return (
    a.facts === b.facts &&
    a.cancelled === b.cancelled &&
    a.erased === b.erased &&
    a.clientId === b.clientId &&
    a.attributedAt === b.attributedAt &&
    a.attributionEventId === b.attributionEventId &&
    a.originalTransactionId === b.originalTransactionId
  );
}
