import { identityStream, type IdentifierRef } from '@maison/event-contracts';
import type { EventStore } from '@maison/event-store';
import type { Privacy } from '@maison/privacy';
import { initialClientState, type ClientState } from '../client/client.state.js';
import { initialIdentifierState, type IdentifierState } from '../identifier/identifier.state.js';
import { identifierStream, mergeStream, recordStream } from '../ids.js';
import { initialMergeState, type MergeState } from '../merge/merge.decider.js';
import { initialRecordState, type RecordState } from '../record/record.decider.js';
import { foldClient, foldIdentifier, foldMerge, foldRecord } from '../resolution/memory.engine.js';
import {
  SnapshotMissError,
  type IdentitySnapshot,
  type Versioned,
} from '../resolution/unit-of-work.js';

/** What one decision needs read before it decides. */
export interface LoadRequest {
  /** The identifiers it is about (their registers, their holders' clusters, suppression). */
  readonly identifiers?: readonly Pick<IdentifierRef, 'type' | 'index'>[];
  /** Clients it is about (with their clusters). */
  readonly clients?: readonly string[];
  /** Records it resolves. */
  readonly records?: readonly string[];
  /**
   * Read the records only when deciding again after a lost race: a record is new almost always,
   * and if it was resolved before, the commit's `no_stream` on its stream says so.
   */
  readonly recordsOnRetry?: boolean;
  /** Merges it undoes (their two clients are loaded with them). */
  readonly merges?: readonly string[];
  /** Skip the suppression list (steward and erasure decisions do not consult it). */
  readonly suppression?: boolean;
}

async function fold<S>(
  store: EventStore,
  streamId: string,
  initial: S,
  step: (state: S, event: Parameters<typeof foldClient>[1]) => S,
): Promise<Versioned<S>> {
  let state = initial;
  let revision = -1;
  for await (const event of store.readStream(streamId)) {
    state = step(state, event);
    revision = event.revision;
  }
  return { state, revision };
}

const MAX_CLIENTS = 10_000;

/**
 * Reads what a decision needs from the event store, consistently enough for optimistic
 * concurrency: every stream comes with the revision it was read at, and the commit checks them.
 * Clients are read with their whole clusters (the survivors above them, the clients merged into
 * them), plus every client the registers mention (holders, clients an identifier was seen with,
 * clients a steward took it from).
 */
export async function loadSnapshot(
  store: EventStore,
  privacy: Pick<Privacy, 'isSuppressed'>,
  request: LoadRequest,
  attempt = 1,
): Promise<IdentitySnapshot> {
  const identifiers = new Map<string, Versioned<IdentifierState>>();
  const clients = new Map<string, Versioned<ClientState>>();
  const records = new Map<string, Versioned<RecordState>>();
  const merges = new Map<string, Versioned<MergeState>>();
  const suppressed = new Set<string>();

  const refs = [...new Map((request.identifiers ?? []).map((r) => [r.index, r])).values()];
  const triggers =
    request.recordsOnRetry === true && attempt === 1 ? [] : [...new Set(request.records ?? [])];
  await Promise.all([
    ...refs.map(async (r) => {
      identifiers.set(
        r.index,
        await fold(store, identifierStream(r.index), initialIdentifierState(), foldIdentifier),
      );
    }),
    ...(request.suppression === false
      ? []
      : refs.map(async (r) => {
          if (await privacy.isSuppressed(r.type, r.index)) suppressed.add(r.index);
        })),
    ...triggers.map(async (t) => {
      records.set(t, await fold(store, recordStream(t), initialRecordState(), foldRecord));
    }),
    ...[...new Set(request.merges ?? [])].map(async (m) => {
      merges.set(m, await fold(store, mergeStream(m), initialMergeState(), foldMerge));
    }),
  ]);

  let frontier = new Set<string>(request.clients ?? []);
  for (const v of identifiers.values()) {
    if (v.state.owner !== null) frontier.add(v.state.owner);
    for (const id of v.state.sightings) frontier.add(id);
    for (const id of v.state.vetoed) frontier.add(id);
  }
  for (const v of records.values())
    if (v.state.resolved?.clientId) frontier.add(v.state.resolved.clientId);
  for (const v of merges.values()) {
    if (v.state.survivorId !== null) frontier.add(v.state.survivorId);
    if (v.state.mergedId !== null) frontier.add(v.state.mergedId);
  }
  while (frontier.size > 0) {
    const batch = [...frontier].filter((id) => !clients.has(id));
    frontier = new Set();
    if (clients.size + batch.length > MAX_CLIENTS) throw new Error('cluster too large to load');
    const loaded = await Promise.all(
      batch.map(
        async (id) =>
          [id, await fold(store, identityStream(id), initialClientState(), foldClient)] as const,
      ),
    );
    for (const [id, v] of loaded) {
      clients.set(id, v);
      if (v.state.mergedInto !== null) frontier.add(v.state.mergedInto.survivorId);
      for (const child of v.state.children.values()) frontier.add(child);
    }
    for (const id of frontier) if (clients.has(id)) frontier.delete(id);
  }

  return {
    identifier(index) {
      const v = identifiers.get(index);
      if (v === undefined) throw new SnapshotMissError(`identifier ${index} was not loaded`);
      return v;
    },
    client(id) {
      const v = clients.get(id);
      if (v === undefined) throw new SnapshotMissError(`client ${id} was not loaded`);
      return v;
    },
    record(trigger) {
      return records.get(trigger) ?? { state: initialRecordState(), revision: -1 };
    },
    merge(mergeId) {
      const v = merges.get(mergeId);
      if (v === undefined) throw new SnapshotMissError(`merge ${mergeId} was not loaded`);
      return v;
    },
    isSuppressed: (index) => suppressed.has(index),
  };
}
