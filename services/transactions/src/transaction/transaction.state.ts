import type { EventEnvelope, IdentifierRef } from '@maison/event-contracts';
import type { AttributedData, RecordedData } from './transaction.events.js';

export interface TransactionState {
  readonly status: 'none' | 'recorded' | 'cancelled';
  readonly recorded: RecordedData | null;
  readonly clientId: string | null;
  readonly via: IdentifierRef | null;
}

export const initialState = (): TransactionState => ({
  status: 'none',
  recorded: null,
  clientId: null,
  via: null,
});

export function evolve(state: TransactionState, event: EventEnvelope): TransactionState {
  switch (event.type) {
    case 'TransactionRecorded':
      return { ...state, status: 'recorded', recorded: event.data as RecordedData };
    case 'TransactionCancelled':
      return { ...state, status: 'cancelled' };
    case 'TransactionAttributed': {
      const d = event.data as AttributedData;
      return { ...state, clientId: d.clientId, via: d.via };
    }
    default:
      return state;
  }
}
