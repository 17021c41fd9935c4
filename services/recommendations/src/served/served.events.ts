import { RecommendationsServed, type DataOf, type EventEnvelope } from '@maison/event-contracts';

/** What was shown to whom: one stream per client (`recommendations-served-<clientId>`). */
export const servedStream = (clientId: string): string => `recommendations-served-${clientId}`;
export { RecommendationsServed };
export type ServedData = DataOf<typeof RecommendationsServed>;
export type ServedEvent = EventEnvelope<'RecommendationsServed', ServedData>;
