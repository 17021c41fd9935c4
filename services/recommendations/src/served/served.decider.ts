import type { Region } from '@maison/event-contracts';
import type { Decider } from '@maison/event-store';
import { servedStream, type ServedEvent } from './served.events.js';
import { evolveServed, initialServedState, type ServedState } from './served.state.js';

/**
 * A list was shown: the evidence that a client without profiling consent was never shown a
 * personalised list (and which model produced what). Appended with expected revision `any`: no
 * invariant depends on earlier serves, so the stream is never read back on the hot path.
 */
export interface RecordServed {
  readonly type: 'RecordServed';
  readonly clientId: string;
  readonly personalised: boolean;
  readonly skus: readonly string[];
  readonly modelVersion: string;
  readonly at: string;
  readonly eventId: string;
  readonly correlationId: string;
  readonly actor: string;
  readonly region: Region;
}

export type ServedCommand = RecordServed;

export function decideServed(command: ServedCommand, _state: ServedState): ServedEvent[] {
  return [
    {
      id: command.eventId,
      type: 'RecommendationsServed',
      schemaVersion: 1,
      streamId: servedStream(command.clientId),
      subjectId: command.clientId,
      occurredAt: command.at,
      recordedAt: command.at,
      region: command.region,
      source: { system: 'recommendations', actor: command.actor },
      correlationId: command.correlationId,
      causationId: null,
      data: {
        clientId: command.clientId,
        personalised: command.personalised,
        skus: command.skus.slice(0, 100),
        modelVersion: command.modelVersion,
      },
    },
  ];
}

export const servedDecider: Decider<ServedState, ServedCommand> = {
  initialState: initialServedState,
  evolve: evolveServed,
  decide: decideServed,
};
