import type { MergeEvent } from './merge.events.js';

export interface MergeState {
  readonly survivorId: string | null;
  readonly mergedId: string | null;
}

export function initialMergeState(): MergeState {
  return { survivorId: null, mergedId: null };
}

export function evolveMerge(state: MergeState, event: MergeEvent): MergeState {
  return state.survivorId === null
    ? { survivorId: event.data.survivorId, mergedId: event.data.mergedId }
    : state;
}

export interface MergeCommand {
  readonly kind: 'record';
  readonly mergeId: string;
  readonly survivorId: string;
  readonly mergedId: string;
}

/** A merge id names one merge, once. */
export function decideMerge(command: MergeCommand, state: MergeState): MergeEvent[] {
  if (state.survivorId !== null) return [];
  return [
    {
      type: 'MergeRecorded',
      data: {
        mergeId: command.mergeId,
        survivorId: command.survivorId,
        mergedId: command.mergedId,
      },
    },
  ];
}

export const mergeDecider = {
  initialState: initialMergeState,
  evolve: evolveMerge,
  decide: decideMerge,
} as const;
