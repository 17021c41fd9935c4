import { z } from 'zod';
import { defineEventType } from '../registry.js';
import { clientId } from './common.js';

/**
 * recommendations.events.v1 — owned by the recommendations service. Stream
 * `recommendations-model` for model rebuilds; per-client streams are the service's own business.
 */
export const RecommendationModelRebuilt = defineEventType({
  type: 'RecommendationModelRebuilt',
  schemaVersion: 1,
  schema: z.strictObject({
    modelVersion: z.string().min(1).max(100),
    events: z.number().int().min(0),
    clients: z.number().int().min(0),
    items: z.number().int().min(0),
  }),
});

export const RecommendationsServed = defineEventType({
  type: 'RecommendationsServed',
  schemaVersion: 1,
  schema: z.strictObject({
    clientId,
    personalised: z.boolean(),
    skus: z.array(z.string().min(1).max(100)).max(100),
    modelVersion: z.string().min(1).max(100),
  }),
});

export const RECOMMENDATIONS_EVENTS = [RecommendationModelRebuilt, RecommendationsServed] as const;
