import type { EventEnvelope } from '@maison/event-contracts';
import type { CommandMeta } from '../consent/consent.decider.js';
import {
  pendingStream,
  type ConsentEvidenceAttributedData,
  type ConsentEvidencePendingData,
} from './pending.events.js';

export interface PendingState {
  readonly pending: ConsentEvidencePendingData | null;
  readonly resolved: ConsentEvidenceAttributedData | null;
}

export type PendingCommand =
  | (CommandMeta & {
      readonly type: 'HoldEvidence';
      readonly occurredAt: string;
      readonly data: ConsentEvidencePendingData;
    })
  | (CommandMeta & {
      readonly type: 'ResolveEvidence';
      readonly pendingId: string;
      readonly outcome: 'recorded' | 'discarded';
      readonly clientId: string | null;
      readonly reason: string | null;
    });

export function initialPendingState(): PendingState {
  return { pending: null, resolved: null };
}

export function evolvePending(state: PendingState, event: EventEnvelope): PendingState {
  if (event.type === 'ConsentEvidencePending')
    return { ...state, pending: event.data as ConsentEvidencePendingData };
  if (event.type === 'ConsentEvidenceAttributed')
    return { ...state, resolved: event.data as ConsentEvidenceAttributedData };
  return state;
}

/** Held once; resolved once (a second resolution, e.g. a redelivered link, changes nothing). */
export function decidePending(command: PendingCommand, state: PendingState): EventEnvelope[] {
  const meta = (streamId: string, occurredAt: string) => ({
    id: command.eventId,
    schemaVersion: 1,
    streamId,
    subjectId: null,
    occurredAt,
    recordedAt: command.recordedAt,
    region: command.region,
    source: command.source,
    correlationId: command.correlationId,
    causationId: command.causationId,
  });
  switch (command.type) {
    case 'HoldEvidence':
      if (state.pending !== null) return [];
      return [
        {
          ...meta(pendingStream(command.data.pendingId), command.occurredAt),
          type: 'ConsentEvidencePending',
          data: command.data,
        },
      ];
    case 'ResolveEvidence': {
      if (state.pending === null || state.resolved !== null) return [];
      const data: ConsentEvidenceAttributedData = {
        pendingId: command.pendingId,
        outcome: command.outcome,
        clientId: command.clientId,
        consentEventId: state.pending.consentEventId,
        reason: command.reason,
      };
      return [
        {
          ...meta(pendingStream(command.pendingId), command.recordedAt),
          type: 'ConsentEvidenceAttributed',
          data,
        },
      ];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const pendingDecider = {
  initialState: initialPendingState,
  evolve: evolvePending,
  decide: decidePending,
};
