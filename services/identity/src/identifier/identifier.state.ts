import type { IdentifierRef } from '@maison/event-contracts';
import type { IdentifierEvent } from './identifier.events.js';

export interface IdentifierState {
  readonly ref: IdentifierRef | null;
  /** The client that holds it directly, if any. */
  readonly owner: string | null;
  /** Other clients it was seen with (distinct ids, in order). */
  readonly sightings: readonly string[];
  /** Marked shared: it neither links nor matches any more. */
  readonly shared: boolean;
  /** Clients a steward took it away from: it never links back to them automatically. */
  readonly vetoed: readonly string[];
  readonly erased: boolean;
}

export function initialIdentifierState(): IdentifierState {
  return { ref: null, owner: null, sightings: [], shared: false, vetoed: [], erased: false };
}

export function evolveIdentifier(state: IdentifierState, event: IdentifierEvent): IdentifierState {
  switch (event.type) {
    case 'IdentifierClaimed':
      return {
        ...state,
        ref: event.data.identifier,
        owner: event.data.clientId,
        erased: false,
      };
    case 'IdentifierReleased':
      if (state.owner !== event.data.clientId) return state;
      return {
        ...state,
        ref: event.data.identifier,
        owner: null,
        vetoed:
          event.data.reason === 'steward' && !state.vetoed.includes(event.data.clientId)
            ? [...state.vetoed, event.data.clientId]
            : state.vetoed,
        erased: event.data.reason === 'erasure' || state.erased,
      };
    case 'IdentifierSighted':
      return state.sightings.includes(event.data.clientId)
        ? state
        : {
            ...state,
            ref: event.data.identifier,
            sightings: [...state.sightings, event.data.clientId],
          };
    case 'IdentifierMarkedShared':
      return { ...state, ref: event.data.identifier, owner: null, shared: true };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
