import { NotFoundError } from '@maison/service-kit';
import type { Decider } from '@maison/event-store';
import type { EventEnvelope } from '@maison/event-contracts';
import {
  TransactionAttributed,
  TransactionCancelled,
  TransactionRecorded,
  transactionStream,
  type Attribution,
  type CancelledData,
  type CommandMeta,
  type RecordedData,
  type TransactionEvent,
} from './transaction.events.js';
import { evolve, initialState, type TransactionState } from './transaction.state.js';

export type TransactionCommand =
  | {
      readonly type: 'RecordTransaction';
      readonly meta: CommandMeta;
      readonly data: RecordedData;
      /** Known at ingest when identity already linked one of the references. */
      readonly attribution: Attribution | null;
      readonly attributionEventId: string;
    }
  | { readonly type: 'CancelTransaction'; readonly meta: CommandMeta; readonly data: CancelledData }
  | {
      readonly type: 'AttributeTransaction';
      readonly meta: CommandMeta;
      readonly transactionId: string;
      /** What identity's links say now (null: no owner any more). */
      readonly attribution: Attribution | null;
      /** When the decision was taken. */
      readonly at: string;
    };

/** The trace the command arrived in, carried on by the events it decides. */
function traceOf(meta: CommandMeta): { traceparent?: string } {
  return meta.traceparent === undefined ? {} : { traceparent: meta.traceparent };
}

function attributed(
  recorded: RecordedData,
  state: Pick<TransactionState, 'clientId'>,
  attribution: Attribution | null,
  meta: CommandMeta,
  at: string,
): TransactionEvent {
  return {
    id: meta.eventId,
    type: 'TransactionAttributed',
    schemaVersion: TransactionAttributed.schemaVersion,
    streamId: transactionStream(recorded.transactionId),
    subjectId: attribution?.clientId ?? state.clientId,
    occurredAt: at,
    recordedAt: meta.recordedAt,
    region: meta.region,
    source: { system: 'transactions' },
    correlationId: meta.correlationId,
    causationId: meta.causationId,
    ...traceOf(meta),
    data: {
      transactionId: recorded.transactionId,
      clientId: attribution?.clientId ?? null,
      previousClientId: state.clientId,
      via: attribution?.via ?? null,
      kind: recorded.kind,
      occurredAt: recorded.occurredAt,
      storeId: recorded.storeId,
      region: recorded.region,
      associateId: recorded.associateId,
      total: recorded.total,
      reporting: recorded.reporting,
    },
  };
}

/**
 * One transaction's stream: recorded once (the same source transaction again changes nothing),
 * cancelled at most once, attributed whenever identity's answer changes.
 */
export function decide(command: TransactionCommand, state: TransactionState): TransactionEvent[] {
  switch (command.type) {
    case 'RecordTransaction': {
      if (state.status !== 'none') return []; // a redelivery, a retry, a re-imported file
      const { data, meta } = command;
      const recorded: TransactionEvent = {
        id: meta.eventId,
        type: 'TransactionRecorded',
        schemaVersion: TransactionRecorded.schemaVersion,
        streamId: transactionStream(data.transactionId),
        // The fact as the source gave it; who it belongs to is TransactionAttributed's to say.
        subjectId: null,
        occurredAt: data.occurredAt,
        recordedAt: meta.recordedAt,
        region: meta.region,
        source: {
          system: data.sourceSystem,
          ...(data.storeId === null ? {} : { instance: data.storeId }),
          ...(data.associateId === null ? {} : { actor: data.associateId }),
        },
        correlationId: meta.correlationId,
        causationId: meta.causationId,
        ...traceOf(meta),
        data,
      };
      if (command.attribution === null) return [recorded];
      return [
        recorded,
        attributed(
          data,
          { clientId: null },
          command.attribution,
          { ...meta, eventId: command.attributionEventId },
          meta.recordedAt,
        ),
      ];
    }
    case 'CancelTransaction': {
      if (state.status === 'none' || state.recorded === null)
        throw new NotFoundError('The transaction to cancel is not recorded.');
      if (state.status === 'cancelled') return [];
      const { data, meta } = command;
      return [
        {
          id: meta.eventId,
          type: 'TransactionCancelled',
          schemaVersion: TransactionCancelled.schemaVersion,
          streamId: transactionStream(data.transactionId),
          subjectId: state.clientId,
          occurredAt: data.cancelledAt,
          recordedAt: meta.recordedAt,
          region: meta.region,
          source: { system: state.recorded.sourceSystem },
          correlationId: meta.correlationId,
          causationId: meta.causationId,
          ...traceOf(meta),
          data,
        },
      ];
    }
    case 'AttributeTransaction': {
      if (state.recorded === null) throw new NotFoundError('The transaction is not recorded.');
      if ((command.attribution?.clientId ?? null) === state.clientId) return [];
      return [attributed(state.recorded, state, command.attribution, command.meta, command.at)];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

export const transactionDecider: Decider<TransactionState, TransactionCommand> = {
  initialState,
  evolve,
  decide: (command, state): readonly EventEnvelope[] => decide(command, state),
};
