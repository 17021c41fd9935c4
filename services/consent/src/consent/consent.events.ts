import {
  ClientDataPurged,
  ClientErased,
  ClientErasureRequested,
  ConsentRecorded,
  consentStream,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';

/**
 * The consent aggregate's events are the catalogue's (consent.events.v1, owned by this service):
 * one stream per client, `consent-<clientId>`, subjectId = the client.
 */
export { ClientDataPurged, ClientErased, ClientErasureRequested, ConsentRecorded, consentStream };

export type ConsentRecordedData = DataOf<typeof ConsentRecorded>;
export type ClientErasureRequestedData = DataOf<typeof ClientErasureRequested>;
export type ClientErasedData = DataOf<typeof ClientErased>;
export type ClientDataPurgedData = DataOf<typeof ClientDataPurged>;

export type ConsentEvent =
  | EventEnvelope<'ConsentRecorded', ConsentRecordedData>
  | EventEnvelope<'ClientErasureRequested', ClientErasureRequestedData>
  | EventEnvelope<'ClientErased', ClientErasedData>
  | EventEnvelope<'ClientDataPurged', ClientDataPurgedData>;

/** Streams this service publishes on consent.events.v1; private streams use other prefixes. */
export const PUBLISHED_STREAM_PREFIX = 'consent-';
