import type { EventEnvelope } from '@maison/event-contracts';

export interface ErasureState {
  readonly reported: boolean;
}

export function initialErasureState(): ErasureState {
  return { reported: false };
}

export function evolveErasure(state: ErasureState, event: EventEnvelope): ErasureState {
  return event.type === 'ClientDataPurged' ? { reported: true } : state;
}
