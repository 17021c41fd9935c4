import type { IdentifierRef } from '@maison/event-contracts';
import type { ClientEvent } from './client.events.js';

/** An event as evolve sees it: the decision plus when it was recorded. */
export type Recorded<E> = E & { readonly occurredAt: string; readonly recordedAt: string };

export interface ClientState {
  /** Null until `ClientRegistered`. */
  readonly registered: { readonly recordedAt: string; readonly homeRegion: string | null } | null;
  /** Identifiers this client holds directly, by index. */
  readonly held: ReadonlyMap<string, IdentifierRef>;
  /** Every identifier it ever held (what erasure suppresses and shreds). */
  readonly ever: ReadonlyMap<string, IdentifierRef>;
  readonly mergedInto: { readonly survivorId: string; readonly mergeId: string } | null;
  /** Active merges into this client: merge id → the client merged in. */
  readonly children: ReadonlyMap<string, string>;
  /** Every merge ever recorded here as survivor (undone ones too). */
  readonly merges: ReadonlySet<string>;
  /** Clients a steward separated from this one: never merged back automatically. */
  readonly vetoes: ReadonlySet<string>;
  /** `<other client>|<reason>` of rejections already recorded (recorded once each). */
  readonly rejections: ReadonlySet<string>;
  readonly erased: boolean;
  /** Erasure requests whose completion was reported on this stream. */
  readonly purgeReports: ReadonlySet<string>;
}

export function initialClientState(): ClientState {
  return {
    registered: null,
    held: new Map(),
    ever: new Map(),
    mergedInto: null,
    children: new Map(),
    merges: new Set(),
    vetoes: new Set(),
    rejections: new Set(),
    erased: false,
    purgeReports: new Set(),
  };
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

function without<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

function plus<T>(set: ReadonlySet<T>, ...values: T[]): Set<T> {
  const next = new Set(set);
  for (const v of values) next.add(v);
  return next;
}

export const rejectionKey = (other: string, reason: string): string => `${other}|${reason}`;

function refOf(identifier: IdentifierRef): IdentifierRef {
  return { type: identifier.type, scope: identifier.scope, index: identifier.index };
}

export function evolveClient(state: ClientState, event: Recorded<ClientEvent>): ClientState {
  switch (event.type) {
    case 'ClientRegistered':
      return {
        ...state,
        registered: { recordedAt: event.recordedAt, homeRegion: event.data.homeRegion },
      };
    case 'IdentifierLinked': {
      const ref = refOf(event.data.identifier);
      return {
        ...state,
        held: withEntry(state.held, ref.index, ref),
        ever: withEntry(state.ever, ref.index, ref),
      };
    }
    case 'IdentifierUnlinked':
      return { ...state, held: without(state.held, event.data.identifier.index) };
    case 'ClientsMerged': {
      let children = new Map(state.children);
      for (const merged of event.data.mergedIds)
        children = withEntry(children, event.data.mergeId, merged);
      return { ...state, children, merges: plus(state.merges, event.data.mergeId) };
    }
    case 'ClientUnmerged':
      return {
        ...state,
        children: without(state.children, event.data.mergeId),
        vetoes: plus(state.vetoes, event.data.restoredClientId),
      };
    case 'MergeRejected':
      return {
        ...state,
        rejections: plus(
          state.rejections,
          ...event.data.clientIds.map((id) => rejectionKey(id, event.data.reason)),
        ),
      };
    case 'ClientAbsorbed':
      return {
        ...state,
        mergedInto: { survivorId: event.data.survivorId, mergeId: event.data.mergeId },
      };
    case 'ClientRestored':
      return state.mergedInto?.mergeId === event.data.mergeId
        ? { ...state, mergedInto: null, vetoes: plus(state.vetoes, event.data.survivorId) }
        : state;
    case 'ClientForgotten':
      return { ...state, erased: true, held: new Map() };
    case 'ClientDataPurged':
      return {
        ...state,
        erased: true,
        held: new Map(),
        purgeReports: plus(state.purgeReports, event.data.requestId),
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
