import type { Region } from '@maison/event-contracts';
import type { Decider } from '@maison/event-store';
import { purgeStream, type PurgeEvent } from './erasure.events.js';
import { evolveErasure, initialErasureState, type ErasureState } from './erasure.state.js';

/** The read models and caches of an erased client were purged: report it, once. */
export interface ReportPurge {
  readonly type: 'ReportPurge';
  readonly requestId: string;
  readonly clientId: string;
  readonly purged: Readonly<Record<string, number>>;
  readonly completedAt: string;
  readonly eventId: string;
  readonly region: Region;
}

export type ErasureCommand = ReportPurge;

export function decideErasure(command: ErasureCommand, state: ErasureState): PurgeEvent[] {
  // A redelivered erasure finds its report already there: nothing more to say.
  if (state.reported) return [];
  return [
    {
      id: command.eventId,
      type: 'ClientDataPurged',
      schemaVersion: 1,
      streamId: purgeStream(command.requestId),
      subjectId: command.clientId,
      occurredAt: command.completedAt,
      recordedAt: command.completedAt,
      region: command.region,
      source: { system: 'recommendations', actor: 'system' },
      correlationId: command.requestId,
      causationId: null,
      data: {
        requestId: command.requestId,
        clientId: command.clientId,
        service: 'recommendations',
        purged: { ...command.purged },
        suppressed: [],
        completedAt: command.completedAt,
      },
    },
  ];
}

export const erasureDecider: Decider<ErasureState, ErasureCommand> = {
  initialState: initialErasureState,
  evolve: evolveErasure,
  decide: decideErasure,
};
