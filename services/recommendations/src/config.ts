import { loadConfig } from '@maison/service-kit';
import { z } from 'zod';

/** The service's own settings (the platform's are read by `runStandalone`). */
export const recommendationsConfig = {
  /** Half-life of a purchase's weight in the model; changing it needs a rebuild. */
  RECOMMENDATIONS_HALF_LIFE_DAYS: z.coerce.number().int().min(7).max(3650).default(365),
  /** A catalogue/stock feed (JSON or NDJSON, see catalogue.parser.ts) loaded at start. */
  RECOMMENDATIONS_CATALOGUE_FILE: z.string().min(1).optional(),
  /** Record each served list as RecommendationsServed (the evidence of what was shown). */
  RECOMMENDATIONS_RECORD_SERVED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
};

export interface RecommendationsSettings {
  readonly halfLifeDays: number;
  readonly catalogueFile?: string;
  readonly recordServed: boolean;
}

export const DEFAULT_SETTINGS: RecommendationsSettings = { halfLifeDays: 365, recordServed: true };

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): RecommendationsSettings {
  const c = loadConfig(recommendationsConfig, env);
  return {
    halfLifeDays: c.RECOMMENDATIONS_HALF_LIFE_DAYS,
    recordServed: c.RECOMMENDATIONS_RECORD_SERVED,
    ...(c.RECOMMENDATIONS_CATALOGUE_FILE === undefined
      ? {}
      : { catalogueFile: c.RECOMMENDATIONS_CATALOGUE_FILE }),
  };
}
