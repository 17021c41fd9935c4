import {
  RecommendationModelRebuilt,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';

/** The model's stream: one event per rebuild (published on recommendations.events.v1). */
export const MODEL_STREAM = 'recommendations-model';
export { RecommendationModelRebuilt };
export type ModelRebuiltData = DataOf<typeof RecommendationModelRebuilt>;
export type ModelEvent = EventEnvelope<'RecommendationModelRebuilt', ModelRebuiltData>;
