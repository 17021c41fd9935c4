import { ClientDataPurged, type DataOf, type EventEnvelope } from '@maison/event-contracts';

/** One stream per erasure request: the service's completion report (consent.ts defines the type). */
export const purgeStream = (requestId: string): string => `recommendations-purge-${requestId}`;
export { ClientDataPurged };
export type PurgeData = DataOf<typeof ClientDataPurged>;
export type PurgeEvent = EventEnvelope<'ClientDataPurged', PurgeData>;
