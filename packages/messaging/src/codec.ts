import { HEADERS, type EventEnvelope } from '@maison/event-contracts';
import type { MessageHeaders, OutgoingMessage } from './port.js';

/** The envelope fields only: stored events carry extra fields (revision, position) that stay home. */
export function envelopeOf(event: EventEnvelope): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    subjectId: event.subjectId,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    region: event.region,
    source: event.source,
    correlationId: event.correlationId,
    causationId: event.causationId,
    ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
    data: event.data,
  };
}

/** Ids, type and trace context only: headers are never encrypted, so nothing personal goes there. */
export function eventHeaders(event: EventEnvelope): MessageHeaders {
  return {
    [HEADERS.eventId]: event.id,
    [HEADERS.eventType]: event.type,
    [HEADERS.schemaVersion]: String(event.schemaVersion),
    ...(event.traceparent === undefined ? {} : { [HEADERS.traceparent]: event.traceparent }),
  };
}

/**
 * Per-client order: the key is the client id, or the stream id while the subject is unknown
 * (stream ids are built from opaque ids, never from emails or names).
 */
export function messageKey(event: EventEnvelope): string {
  return event.subjectId ?? event.streamId;
}

/** An event as a Kafka message: JSON envelope (PII inside `data` is already encrypted). */
export function eventMessage(event: EventEnvelope): OutgoingMessage {
  return {
    key: messageKey(event),
    value: JSON.stringify(envelopeOf(event)),
    headers: eventHeaders(event),
  };
}
