import { identityStream, type EventEnvelope, type Region } from '@maison/event-contracts';
import type { ExpectedRevision } from '@maison/event-store';
import { clientDecider, type ClientCommand } from '../client/client.decider.js';
import type { ClientEvent } from '../client/client.events.js';
import { initialClientState, type ClientState } from '../client/client.state.js';
import { identifierDecider, type IdentifierCommand } from '../identifier/identifier.decider.js';
import type { IdentifierEvent } from '../identifier/identifier.events.js';
import type { IdentifierState } from '../identifier/identifier.state.js';
import { derivedId, identifierStream, mergeStream, recordStream } from '../ids.js';
import { mergeDecider, type MergeCommand, type MergeState } from '../merge/merge.decider.js';
import type { MergeEvent } from '../merge/merge.events.js';
import { recordDecider, type RecordCommand, type RecordState } from '../record/record.decider.js';
import type { RecordEvent } from '../record/record.events.js';

/** A stream's state as read, with the revision it was read at (-1: no stream). */
export interface Versioned<S> {
  readonly state: S;
  readonly revision: number;
}

/**
 * What a decision may look at, read once before deciding: the registers of the record's
 * identifiers, the clients involved (whole clusters), the record itself, the suppression list.
 * The live loader reads exactly this from the event store; the in-memory engine (tests, dry runs)
 * holds everything.
 */
export interface IdentitySnapshot {
  identifier(index: string): Versioned<IdentifierState>;
  client(id: string): Versioned<ClientState>;
  record(trigger: string): Versioned<RecordState>;
  merge(mergeId: string): Versioned<MergeState>;
  isSuppressed(index: string): boolean;
}

/** Who and when: the envelope fields every event of one decision shares. */
export interface DecisionMeta {
  /** Unique per decision (a record's trigger, a steward request, an erasure): seeds event ids. */
  readonly operation: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly region: Region;
  readonly actor: string;
  /** The store or installation the decision came from (envelope `source.instance`). */
  readonly instance?: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent?: string;
}

export interface StreamWrite {
  readonly streamId: string;
  readonly expectedRevision: ExpectedRevision;
  /** Empty: the decision relied on the stream as read (the append asserts and locks it). */
  readonly events: readonly EventEnvelope[];
}

type Kind = 'identifier' | 'client' | 'record' | 'merge';

interface Touched {
  readonly kind: Kind;
  readonly key: string;
  readonly streamId: string;
  readonly base: number;
  readonly events: EventEnvelope[];
}

function outcomeOf(kind: Kind, event: { readonly data: unknown }): string[] {
  if (kind !== 'record') return [];
  const d = event.data as { outcome?: unknown; clientId?: unknown };
  return [String(d.outcome), String(d.clientId)];
}

/** Thrown when a decision needs a stream the loader did not read (a loader bug, never input). */
export class SnapshotMissError extends Error {
  override readonly name = 'SnapshotMissError';
}

/**
 * One decision across several streams: runs the aggregates' deciders on the snapshot (plus what
 * the decision already did), and yields the writes — every touched stream with the revision it
 * was read at, and every stream the decision merely relied on — to commit atomically.
 */
export class UnitOfWork {
  readonly #snapshot: IdentitySnapshot;
  readonly meta: DecisionMeta;
  readonly #identifiers = new Map<string, Versioned<IdentifierState>>();
  readonly #clients = new Map<string, Versioned<ClientState>>();
  readonly #records = new Map<string, Versioned<RecordState>>();
  readonly #merges = new Map<string, Versioned<MergeState>>();
  readonly #touched = new Map<string, Touched>();
  readonly #relied = new Map<string, number>();

  constructor(snapshot: IdentitySnapshot, meta: DecisionMeta) {
    this.#snapshot = snapshot;
    this.meta = meta;
  }

  identifier(index: string): IdentifierState {
    const v = this.#identifiers.get(index) ?? this.#snapshot.identifier(index);
    this.#identifiers.set(index, v);
    this.#rely(identifierStream(index), v.revision);
    return v.state;
  }

  client(id: string): ClientState {
    const v = this.#clients.get(id) ?? this.#snapshot.client(id);
    this.#clients.set(id, v);
    this.#rely(identityStream(id), v.revision);
    return v.state;
  }

  record(trigger: string): RecordState {
    const v = this.#records.get(trigger) ?? this.#snapshot.record(trigger);
    this.#records.set(trigger, v);
    return v.state;
  }

  merge(mergeId: string): MergeState {
    const v = this.#merges.get(mergeId) ?? this.#snapshot.merge(mergeId);
    this.#merges.set(mergeId, v);
    return v.state;
  }

  isSuppressed(index: string): boolean {
    return this.#snapshot.isSuppressed(index);
  }

  onMerge(mergeId: string, command: MergeCommand): MergeEvent[] {
    const current = this.#merges.get(mergeId) ?? this.#mergeToWrite(mergeId);
    const events = mergeDecider.decide(command, current.state);
    let state = current.state;
    for (const e of events) state = mergeDecider.evolve(state, e);
    this.#merges.set(mergeId, { state, revision: current.revision });
    this.#record(
      'merge',
      mergeId,
      mergeStream(mergeId),
      current.revision,
      events,
      (e) => e.data.survivorId,
    );
    return events;
  }

  onIdentifier(index: string, command: IdentifierCommand): IdentifierEvent[] {
    const current = this.#identifiers.get(index) ?? this.#snapshot.identifier(index);
    const events = identifierDecider.decide(command, current.state);
    let state = current.state;
    for (const e of events) state = identifierDecider.evolve(state, e);
    this.#identifiers.set(index, { state, revision: current.revision });
    this.#record('identifier', index, identifierStream(index), current.revision, events, (e) =>
      e.type === 'IdentifierMarkedShared' ? (e.data.clientIds[0] ?? null) : e.data.clientId,
    );
    return events;
  }

  onClient(id: string, command: ClientCommand): ClientEvent[] {
    const current = this.#clients.get(id) ?? this.#clientToWrite(id, command);
    const events = clientDecider.decide(command, current.state);
    let state = current.state;
    for (const e of events) state = clientDecider.evolve(state, { ...e, ...this.#times() });
    this.#clients.set(id, { state, revision: current.revision });
    this.#record('client', id, identityStream(id), current.revision, events, () => id);
    return events;
  }

  /**
   * A client the decision creates was never read (its id is derived during the decision): it is
   * taken as new, and the commit's `no_stream` check holds the decision to that.
   */
  #clientToWrite(id: string, command: ClientCommand): Versioned<ClientState> {
    try {
      return this.#snapshot.client(id);
    } catch (error) {
      if (!(error instanceof SnapshotMissError) || command.kind !== 'register') throw error;
      return { state: initialClientState(), revision: -1 };
    }
  }

  /** A merge the decision makes has a new id: taken as new, held to it by `no_stream`. */
  #mergeToWrite(mergeId: string): Versioned<MergeState> {
    try {
      return this.#snapshot.merge(mergeId);
    } catch (error) {
      if (!(error instanceof SnapshotMissError)) throw error;
      return { state: mergeDecider.initialState(), revision: -1 };
    }
  }

  onRecord(trigger: string, command: RecordCommand): RecordEvent[] {
    const current = this.#records.get(trigger) ?? this.#snapshot.record(trigger);
    const events = recordDecider.decide(command, current.state);
    let state = current.state;
    for (const e of events) state = recordDecider.evolve(state, e);
    this.#records.set(trigger, { state, revision: current.revision });
    this.#record(
      'record',
      trigger,
      recordStream(trigger),
      current.revision,
      events,
      (e) => e.data.clientId,
    );
    return events;
  }

  /** Every touched stream with its events, and every relied-on stream (sorted: lock order). */
  writes(): StreamWrite[] {
    const out: StreamWrite[] = [];
    for (const t of this.#touched.values()) {
      if (t.events.length === 0) continue;
      out.push({
        streamId: t.streamId,
        expectedRevision: t.base < 0 ? 'no_stream' : t.base,
        events: t.events,
      });
    }
    // A decision that only records the record (a known client, nothing new) changes no client or
    // register: what it read needs no guarding. Any other decision holds what it read to account.
    const decides = [...this.#touched.values()].some(
      (t) => t.kind !== 'record' && t.events.length > 0,
    );
    if (decides)
      for (const [streamId, revision] of this.#relied) {
        const t = this.#touched.get(streamId);
        if (t !== undefined && t.events.length > 0) continue;
        out.push({ streamId, expectedRevision: revision, events: [] });
      }
    return out.sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  }

  /** Whether the decision writes anything (relying on streams alone commits nothing). */
  get changes(): boolean {
    return [...this.#touched.values()].some((t) => t.events.length > 0);
  }

  #times(): { occurredAt: string; recordedAt: string } {
    return { occurredAt: this.meta.occurredAt, recordedAt: this.meta.recordedAt };
  }

  #rely(streamId: string, revision: number): void {
    if (revision >= 0 && !this.#relied.has(streamId)) this.#relied.set(streamId, revision);
  }

  #record<E extends { readonly type: string; readonly data: unknown }>(
    kind: Kind,
    key: string,
    streamId: string,
    base: number,
    events: readonly E[],
    subjectOf: (e: E) => string | null,
  ): void {
    if (events.length === 0) return;
    const touched = this.#touched.get(streamId) ?? { kind, key, streamId, base, events: [] };
    this.#touched.set(streamId, touched);
    for (const e of events) {
      const revision = touched.base + touched.events.length + 1;
      const m = this.meta;
      touched.events.push({
        // A record's event id also covers its outcome (never its values: an unkeyed hash of an
        // identifier would be guessable): deciding a record again differently (a retried call
        // that found the client registered meanwhile) must collide with the first resolution on
        // `no_stream`, not pass as an idempotent re-append of it.
        id: derivedId('event', m.operation, streamId, String(revision), ...outcomeOf(kind, e)),
        type: e.type,
        schemaVersion: 1,
        streamId,
        subjectId: subjectOf(e),
        occurredAt: m.occurredAt,
        recordedAt: m.recordedAt,
        region: m.region,
        source: {
          system: 'identity',
          actor: m.actor,
          ...(m.instance === undefined ? {} : { instance: m.instance }),
        },
        correlationId: m.correlationId,
        causationId: m.causationId,
        ...(m.traceparent === undefined ? {} : { traceparent: m.traceparent }),
        data: e.data,
      });
    }
  }
}
