import type { EventEnvelope } from '@maison/event-contracts';
import {
  ConcurrencyError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
} from './port.js';

/** Emmett-style decider: pure functions, time and ids come in with the command. */
export interface Decider<State, Command> {
  readonly initialState: () => State;
  readonly evolve: (state: State, event: EventEnvelope) => State;
  /** Returns the events the command produces; throws a domain error to refuse it. */
  readonly decide: (command: Command, state: State) => readonly EventEnvelope[];
}

export interface HandleCommandOptions {
  /** Re-reads and re-decides at most this many times after a concurrent write. Defaults to 3. */
  readonly maxRetries?: number;
}

export interface HandleCommandResult<State> {
  /** The events appended (empty when the command changed nothing). */
  readonly events: readonly EventEnvelope[];
  /** The state after those events. */
  readonly state: State;
  /** The stream's last revision after the append, or -1 when the stream still does not exist. */
  readonly nextExpectedRevision: number;
  readonly positions: AppendResult['positions'];
}

/**
 * Read the stream, fold it into state, decide, append with the revision that was read. A
 * concurrent writer makes the append fail with ConcurrencyError: then start over on fresher state,
 * a bounded number of times, and rethrow if it keeps losing.
 */
export async function handleCommand<State, Command>(
  store: EventStore,
  streamId: string,
  decider: Decider<State, Command>,
  command: Command,
  options: HandleCommandOptions = {},
): Promise<HandleCommandResult<State>> {
  const maxRetries = options.maxRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    let state = decider.initialState();
    let revision = -1;
    for await (const event of store.readStream(streamId)) {
      state = decider.evolve(state, event);
      revision = event.revision;
    }
    const events = decider.decide(command, state);
    if (events.length === 0)
      return { events, state, nextExpectedRevision: revision, positions: [] };
    const expectedRevision: ExpectedRevision = revision < 0 ? 'no_stream' : revision;
    try {
      const result = await store.append(streamId, events, { expectedRevision });
      return {
        events,
        state: events.reduce(decider.evolve, state),
        nextExpectedRevision: result.nextExpectedRevision,
        positions: result.positions,
      };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= maxRetries) throw error;
    }
  }
}
