import type { EventEnvelope } from '@maison/event-contracts';

/**
 * A point in the store's global order. Adapters decide what the two numbers mean (PostgreSQL:
 * the writing transaction's id and the row's sequence position; KurrentDB: commit and prepare
 * positions); callers only store them and hand them back to the same store.
 */
export interface GlobalPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const START: GlobalPosition = { commit: -1n, prepare: -1n };

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function formatPosition(p: GlobalPosition): string {
  return `${p.commit.toString()}/${p.prepare.toString()}`;
}

export function parsePosition(s: string): GlobalPosition {
  const m = /^(-?\d+)\/(-?\d+)$/.exec(s);
  if (!m?.[1] || !m[2]) throw new TypeError(`not a global position: ${s}`);
  return { commit: BigInt(m[1]), prepare: BigInt(m[2]) };
}

/**
 * What the writer expects of the stream. Revisions count from 0 like KurrentDB: a number n means
 * "the stream's last event has revision n".
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'exists' | number;

/** An event as stored: the envelope plus where it sits in its stream and in the global order. */
export interface RecordedEvent extends EventEnvelope {
  readonly revision: number;
  readonly position: GlobalPosition;
}

export interface AppendResult {
  /** The revision of the stream's last event after the append (pass it as the next expectedRevision). */
  readonly nextExpectedRevision: number;
  /** The global position of each appended event, in order. */
  readonly positions: readonly GlobalPosition[];
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Defaults to the beginning. */
  readonly after?: GlobalPosition;
  readonly maxCount?: number;
}

export interface SubscriptionOptions {
  /** Exclusive: resume strictly after this checkpoint. Defaults to the beginning. */
  readonly after?: GlobalPosition;
  /** Only events whose stream id starts with one of these prefixes. */
  readonly streamPrefixes?: readonly string[];
  /**
   * Called once per event, in global order, one at a time; the subscription waits for it. If it
   * throws, the subscription stops and `done` rejects with that error (the caller restarts it
   * from its last checkpoint).
   */
  readonly onEvent: (event: RecordedEvent) => Promise<void>;
  /** Called when the subscription has caught up with everything committed so far and is live. */
  readonly onLive?: () => void;
}

export interface Subscription {
  /** Stops after the event being handled, if any. Idempotent. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves after stop(), rejects if a handler or the store failed. */
  readonly done: Promise<void>;
}

/** The first events of one stream, for `appendNewStreams`. */
export interface NewStreamAppend {
  readonly streamId: string;
  readonly events: readonly EventEnvelope[];
}

export interface NewStreamsResult {
  /** Each stream created by the call, with its append result. */
  readonly appended: ReadonlyMap<string, AppendResult>;
  /** The streams that already existed: nothing was written to them (append to them one by one). */
  readonly existing: readonly string[];
}

export interface EventStore {
  append(
    streamId: string,
    events: readonly EventEnvelope[],
    options?: { readonly expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /**
   * Optional, set-based: creates many streams in one round trip and one transaction, as if each
   * were appended with `expectedRevision: 'no_stream'` — for ingestion where every fact is its own
   * stream. Streams that already exist are left untouched and reported in `existing`. An event id
   * already in the store (in another stream) fails the whole call with `DuplicateEventError` and
   * writes nothing. Global positions follow the order of `appends`. Each stream id at most once.
   */
  appendNewStreams?(appends: readonly NewStreamAppend[]): Promise<NewStreamsResult>;
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Catch-up from a checkpoint, then live, never skipping an event that commits late. */
  subscribeToAll(options: SubscriptionOptions): Subscription;
  streamExists(streamId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Durable subscription checkpoints, one per subscriber name. */
export interface CheckpointStore {
  load(subscriber: string): Promise<GlobalPosition | undefined>;
  store(subscriber: string, position: GlobalPosition): Promise<void>;
}

export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** The stream's actual last revision, or 'no_stream'. */
  readonly actual: number | 'no_stream';
  constructor(streamId: string, expected: ExpectedRevision, actual: number | 'no_stream') {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}
