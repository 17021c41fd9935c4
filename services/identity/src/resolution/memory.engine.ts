import type { EventEnvelope } from '@maison/event-contracts';
import { ConcurrencyError } from '@maison/event-store';
import type { ClientEvent } from '../client/client.events.js';
import { evolveClient, initialClientState, type ClientState } from '../client/client.state.js';
import type { IdentifierEvent } from '../identifier/identifier.events.js';
import {
  evolveIdentifier,
  initialIdentifierState,
  type IdentifierState,
} from '../identifier/identifier.state.js';
import { evolveRecord, initialRecordState, type RecordState } from '../record/record.decider.js';
import type { RecordEvent } from '../record/record.events.js';
import { evolveMerge, initialMergeState, type MergeState } from '../merge/merge.decider.js';
import type { MergeEvent } from '../merge/merge.events.js';
import {
  UnitOfWork,
  type DecisionMeta,
  type IdentitySnapshot,
  type StreamWrite,
  type Versioned,
} from './unit-of-work.js';

const IDX = 'identity-idx-';
const RECORD = 'identity-record-';
const MERGE = 'identity-merge-';
const CLIENT = 'identity-';

export type StreamKind =
  | { readonly kind: 'identifier'; readonly key: string }
  | { readonly kind: 'record'; readonly key: string }
  | { readonly kind: 'merge'; readonly key: string }
  | { readonly kind: 'client'; readonly key: string };

/** Which aggregate a stream of identity's store belongs to. */
export function streamKind(streamId: string): StreamKind | undefined {
  if (streamId.startsWith(IDX)) return { kind: 'identifier', key: streamId.slice(IDX.length) };
  if (streamId.startsWith(RECORD)) return { kind: 'record', key: streamId.slice(RECORD.length) };
  if (streamId.startsWith(MERGE)) return { kind: 'merge', key: streamId.slice(MERGE.length) };
  if (streamId.startsWith(CLIENT)) return { kind: 'client', key: streamId.slice(CLIENT.length) };
  return undefined;
}

/** Folds one stored event into the state of its stream's aggregate. */
export function foldIdentifier(state: IdentifierState, event: EventEnvelope): IdentifierState {
  return evolveIdentifier(state, event as unknown as IdentifierEvent);
}
export function foldClient(state: ClientState, event: EventEnvelope): ClientState {
  return evolveClient(state, event as unknown as ClientEvent & EventEnvelope);
}
export function foldRecord(state: RecordState, event: EventEnvelope): RecordState {
  return evolveRecord(state, event as unknown as RecordEvent);
}
export function foldMerge(state: MergeState, event: EventEnvelope): MergeState {
  return evolveMerge(state, event as unknown as MergeEvent);
}

/**
 * Identity's aggregates in memory, with the event store's expected-revision rule: the decision
 * tests' given/when/then and the rule simulation's dry runs run the very policies the service
 * runs, on this instead of PostgreSQL.
 */
export class MemoryIdentityStore implements IdentitySnapshot {
  readonly #identifiers = new Map<string, Versioned<IdentifierState>>();
  readonly #clients = new Map<string, Versioned<ClientState>>();
  readonly #records = new Map<string, Versioned<RecordState>>();
  readonly #merges = new Map<string, Versioned<MergeState>>();
  readonly #suppressed = new Set<string>();
  /** Every event committed, in order. */
  readonly log: EventEnvelope[] = [];
  readonly #validate: ((event: EventEnvelope) => void) | undefined;

  /** `validate`: checks each committed event (tests pass the registry's schemas). */
  constructor(options: { readonly validate?: (event: EventEnvelope) => void } = {}) {
    this.#validate = options.validate;
  }

  identifier(index: string): Versioned<IdentifierState> {
    return this.#identifiers.get(index) ?? { state: initialIdentifierState(), revision: -1 };
  }

  client(id: string): Versioned<ClientState> {
    return this.#clients.get(id) ?? { state: initialClientState(), revision: -1 };
  }

  record(trigger: string): Versioned<RecordState> {
    return this.#records.get(trigger) ?? { state: initialRecordState(), revision: -1 };
  }

  merge(mergeId: string): Versioned<MergeState> {
    return this.#merges.get(mergeId) ?? { state: initialMergeState(), revision: -1 };
  }

  isSuppressed(index: string): boolean {
    return this.#suppressed.has(index);
  }

  suppress(index: string): void {
    this.#suppressed.add(index);
  }

  /** Every client id that has a stream. */
  clientIds(): string[] {
    return [...this.#clients.keys()];
  }

  identifierIndexes(): string[] {
    return [...this.#identifiers.keys()];
  }

  /** Applies stored events as they are (given events in tests, replays). */
  apply(events: readonly EventEnvelope[]): void {
    for (const event of events) {
      const kind = streamKind(event.streamId);
      if (kind === undefined) throw new Error(`not an identity stream: ${event.streamId}`);
      switch (kind.kind) {
        case 'identifier': {
          const v = this.identifier(kind.key);
          this.#identifiers.set(kind.key, {
            state: foldIdentifier(v.state, event),
            revision: v.revision + 1,
          });
          break;
        }
        case 'client': {
          const v = this.client(kind.key);
          this.#clients.set(kind.key, {
            state: foldClient(v.state, event),
            revision: v.revision + 1,
          });
          break;
        }
        case 'record': {
          const v = this.record(kind.key);
          this.#records.set(kind.key, {
            state: foldRecord(v.state, event),
            revision: v.revision + 1,
          });
          break;
        }
        case 'merge': {
          const v = this.merge(kind.key);
          this.#merges.set(kind.key, {
            state: foldMerge(v.state, event),
            revision: v.revision + 1,
          });
          break;
        }
        default: {
          const unreachable: never = kind;
          throw new Error(String(unreachable));
        }
      }
      this.log.push(event);
    }
  }

  /** Commits a decision's writes atomically: all expected revisions hold, or nothing changes. */
  commit(writes: readonly StreamWrite[]): void {
    for (const w of writes) {
      const actual = this.#revision(w.streamId);
      const ok =
        w.expectedRevision === 'any' ||
        (w.expectedRevision === 'no_stream' && actual === -1) ||
        (w.expectedRevision === 'exists' && actual >= 0) ||
        w.expectedRevision === actual;
      if (!ok)
        throw new ConcurrencyError(
          w.streamId,
          w.expectedRevision,
          actual < 0 ? 'no_stream' : actual,
        );
    }
    if (this.#validate) for (const w of writes) for (const e of w.events) this.#validate(e);
    for (const w of writes) this.apply(w.events);
  }

  /** Decides on the current state and commits: returns the decision's result and events. */
  run<T>(
    meta: DecisionMeta,
    decide: (uow: UnitOfWork) => T,
  ): { result: T; events: EventEnvelope[] } {
    const uow = new UnitOfWork(this, meta);
    const result = decide(uow);
    const writes = uow.writes();
    this.commit(writes);
    return { result, events: writes.flatMap((w) => w.events) };
  }

  #revision(streamId: string): number {
    const kind = streamKind(streamId);
    if (kind === undefined) return -1;
    switch (kind.kind) {
      case 'identifier':
        return this.identifier(kind.key).revision;
      case 'client':
        return this.client(kind.key).revision;
      case 'record':
        return this.record(kind.key).revision;
      case 'merge':
        return this.merge(kind.key).revision;
      default: {
        const unreachable: never = kind;
        return unreachable;
      }
    }
  }
}
