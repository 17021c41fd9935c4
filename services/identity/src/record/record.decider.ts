import type { RecordEvent, RecordResolvedData } from './record.events.js';

export interface RecordState {
  readonly resolved: RecordResolvedData | null;
}

export function initialRecordState(): RecordState {
  return { resolved: null };
}

export function evolveRecord(state: RecordState, event: RecordEvent): RecordState {
  return state.resolved === null ? { resolved: event.data } : state;
}

export interface RecordCommand {
  readonly kind: 'resolve';
  readonly resolution: RecordResolvedData;
}

/** A record is resolved once; a second resolution of the same trigger changes nothing. */
export function decideRecord(command: RecordCommand, state: RecordState): RecordEvent[] {
  if (state.resolved !== null) return [];
  return [{ type: 'RecordResolved', data: command.resolution }];
}

export const recordDecider = {
  initialState: initialRecordState,
  evolve: evolveRecord,
  decide: decideRecord,
} as const;
