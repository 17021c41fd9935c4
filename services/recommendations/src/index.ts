export {
  createRecommendationsService,
  type ModelInfo,
  type RebuildReport,
  type RecommendationsModule,
  type ServedRecommendations,
} from './app.js';
export { replayModel, type ReplayOptions } from './replay.js';
export {
  DEFAULT_SETTINGS,
  recommendationsConfig,
  settingsFromEnv,
  type RecommendationsSettings,
} from './config.js';
export {
  parseCatalogue,
  type CatalogueFeed,
  type CatalogueItem,
} from './catalogue/catalogue.parser.js';
export type {
  Evidence,
  Recommendation,
  RecommendationBasis,
  RecommendationList,
  RecommendationStrategy,
} from './engine/recommend.js';
export { MAX_FIRST, type RecommendOptions } from './recommender.js';
