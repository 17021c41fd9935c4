import type { ServiceContext } from '@maison/runtime';
import { createRecommendationsService, type RebuildReport } from './app.js';
import { DEFAULT_SETTINGS, type RecommendationsSettings } from './config.js';

export interface ReplayOptions {
  readonly settings?: RecommendationsSettings;
  readonly timeoutMs?: number;
}

/**
 * Rebuilds the model from the topics, from scratch, with the service's own consumers under a new
 * generation of consumer groups: truncates every derived read model, replays transactions,
 * consent, profiles and identity from the beginning until caught up with the end offsets taken at
 * the start, and records RecommendationModelRebuilt. Run it with the service's replicas stopped
 * (or call the running service's `POST /v1/model/rebuild`, which does the same in place).
 */
export async function replayModel(
  ctx: ServiceContext,
  options: ReplayOptions = {},
): Promise<RebuildReport> {
  const module = await createRecommendationsService(ctx, options.settings ?? DEFAULT_SETTINGS);
  try {
    const report = await module.rebuild(
      options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
    );
    await module.flushPurgeReports();
    return report;
  } finally {
    await module.stop();
  }
}
