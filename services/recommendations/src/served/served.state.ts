import type { EventEnvelope } from '@maison/event-contracts';

/** Serving has no invariant to protect: the state only counts what was served. */
export interface ServedState {
  readonly served: number;
}

export function initialServedState(): ServedState {
  return { served: 0 };
}

export function evolveServed(state: ServedState, event: EventEnvelope): ServedState {
  return event.type === 'RecommendationsServed' ? { served: state.served + 1 } : state;
}
