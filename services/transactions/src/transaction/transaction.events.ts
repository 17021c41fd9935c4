import {
  TransactionAttributed,
  TransactionCancelled,
  TransactionRecorded,
  transactionStream,
  type DataOf,
  type EventEnvelope,
  type IdentifierRef,
  type Region,
} from '@maison/event-contracts';

export { TransactionAttributed, TransactionCancelled, TransactionRecorded, transactionStream };

export type RecordedData = DataOf<typeof TransactionRecorded>;
export type CancelledData = DataOf<typeof TransactionCancelled>;
export type AttributedData = DataOf<typeof TransactionAttributed>;

export type TransactionEvent =
  | EventEnvelope<'TransactionRecorded', RecordedData>
  | EventEnvelope<'TransactionCancelled', CancelledData>
  | EventEnvelope<'TransactionAttributed', AttributedData>;

/** Who a transaction belongs to, as decided from identity's links. */
export interface Attribution {
  readonly clientId: string;
  readonly via: IdentifierRef;
}

/** Envelope metadata every command carries (time and ids come in, never from the domain). */
export interface CommandMeta {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly region: Region;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** The W3C trace the record arrived in (its Kafka header): the events carry it on. */
  readonly traceparent?: string;
}
