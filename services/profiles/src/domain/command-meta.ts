import type { EventEnvelope, Region } from '@maison/event-contracts';

/**
 * What a command brings besides its data, so deciders stay pure: the time, the ids of the events
 * it may produce, who acts and the trace of causes. Consumers derive the ids from the message they
 * handle (a redelivery produces the same events and the append dedupes); requests use fresh ids.
 */
export interface CommandMeta {
  /** recordedAt of the events, and their occurredAt unless the command says otherwise. */
  readonly now: string;
  readonly region: Region;
  /** `source.system` of the events. */
  readonly system: string;
  /** Who acts: an associate or steward id, or `system`. Never personal data. */
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /** The id of the i-th event the command produces. */
  readonly eventId: (i: number) => string;
}

/** Builds the i-th event of a command. */
export function eventOf<T extends string, D>(
  meta: CommandMeta,
  i: number,
  type: T,
  stream: { readonly streamId: string; readonly subjectId: string | null },
  data: D,
  occurredAt: string = meta.now,
): EventEnvelope<T, D> {
  return {
    id: meta.eventId(i),
    type,
    schemaVersion: 1,
    streamId: stream.streamId,
    subjectId: stream.subjectId,
    occurredAt,
    recordedAt: meta.now,
    region: meta.region,
    source: { system: meta.system, actor: meta.actor },
    correlationId: meta.correlationId,
    causationId: meta.causationId,
    data,
  };
}
