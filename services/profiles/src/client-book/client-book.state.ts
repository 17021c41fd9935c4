import type { EventEnvelope, RuleRef } from '@maison/event-contracts';
import {
  ClientBookAssigned,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ClientBookUnassigned,
  type ClientBookAssignedData,
  type ClientBookStoreAddedData,
  type ClientBookStoreRemovedData,
  type ClientBookUnassignedData,
} from './client-book.events.js';

export interface BookAssignment {
  readonly associateId: string;
  readonly storeId: string;
  readonly since: string;
  readonly assignedBy: string;
  /** The automatic or bulk rule that assigned it; null for a person's decision. */
  readonly policy: RuleRef | null;
  readonly mergeId?: string;
  readonly reassignmentId?: string;
}

export interface BookStore {
  readonly storeId: string;
  readonly since: string;
  readonly addedBy: string;
  readonly mergeId?: string;
}

/** Who looks after the client: one primary associate, secondary associates and stores. */
export interface ClientBookState {
  readonly clientId: string | null;
  readonly primary: BookAssignment | null;
  readonly secondaries: readonly BookAssignment[];
  readonly stores: readonly BookStore[];
}

export function initialClientBookState(): ClientBookState {
  return { clientId: null, primary: null, secondaries: [], stores: [] };
}

function assignment(d: ClientBookAssignedData): BookAssignment {
  return {
    associateId: d.associateId,
    storeId: d.storeId,
    since: d.since,
    assignedBy: d.assignedBy,
    policy: d.policy,
    ...(d.mergeId === undefined ? {} : { mergeId: d.mergeId }),
    ...(d.reassignmentId === undefined ? {} : { reassignmentId: d.reassignmentId }),
  };
}

export function evolveClientBook(state: ClientBookState, event: EventEnvelope): ClientBookState {
  switch (event.type) {
    case ClientBookAssigned.type: {
      const d = event.data as ClientBookAssignedData;
      const others = state.secondaries.filter((s) => s.associateId !== d.associateId);
      if (d.role === 'primary')
        // The new primary leaves the secondaries; the previous primary leaves the book.
        return { ...state, clientId: d.clientId, primary: assignment(d), secondaries: others };
      return { ...state, clientId: d.clientId, secondaries: [...others, assignment(d)] };
    }
    case ClientBookUnassigned.type: {
      const d = event.data as ClientBookUnassignedData;
      return {
        ...state,
        clientId: d.clientId,
        primary: state.primary?.associateId === d.associateId ? null : state.primary,
        secondaries: state.secondaries.filter((s) => s.associateId !== d.associateId),
      };
    }
    case ClientBookStoreAdded.type: {
      const d = event.data as ClientBookStoreAddedData;
      const store: BookStore = {
        storeId: d.storeId,
        since: d.since,
        addedBy: d.addedBy,
        ...(d.mergeId === undefined ? {} : { mergeId: d.mergeId }),
      };
      return {
        ...state,
        clientId: d.clientId,
        stores: [...state.stores.filter((s) => s.storeId !== d.storeId), store],
      };
    }
    case ClientBookStoreRemoved.type: {
      const d = event.data as ClientBookStoreRemovedData;
      return { ...state, stores: state.stores.filter((s) => s.storeId !== d.storeId) };
    }
    default:
      return state;
  }
}

/** Every associate in the book (primary first). */
export function associatesOf(state: ClientBookState): BookAssignment[] {
  return [...(state.primary ? [state.primary] : []), ...state.secondaries];
}
