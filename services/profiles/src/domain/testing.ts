import { uuidV5, type EventEnvelope } from '@maison/event-contracts';
import type { CommandMeta } from './command-meta.js';

const NAMESPACE = '0d9b3c52-57c1-4c59-9d0f-5b1f0c7f4a10';

/** Deterministic command metadata for decider tests. */
export function testMeta(now: string, seed = now, actor = 'assoc-1'): CommandMeta {
  return {
    now,
    region: 'EU',
    system: 'profiles',
    actor,
    correlationId: `corr-${seed}`,
    causationId: null,
    eventId: (i) => uuidV5(`${seed}#${String(i)}`, NAMESPACE),
  };
}

/** given(events).when(command) with any decider: the produced events, or the error thrown. */
export function given<S, C>(
  decider: {
    initialState: () => S;
    evolve: (s: S, e: EventEnvelope) => S;
    decide: (c: C, s: S) => readonly EventEnvelope[];
  },
  history: readonly EventEnvelope[],
) {
  const state = history.reduce(decider.evolve, decider.initialState());
  return {
    state,
    when(command: C): { events: readonly EventEnvelope[]; state: S } {
      const events = decider.decide(command, state);
      return { events, state: events.reduce(decider.evolve, state) };
    },
  };
}
