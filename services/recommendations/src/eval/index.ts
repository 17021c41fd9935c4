export {
  generateHistory,
  prng,
  STORES,
  type GeneratedClient,
  type GeneratedHistory,
  type GeneratedItem,
  type GeneratedStore,
  type GeneratedTransaction,
  type GeneratorOptions,
} from './generator.js';
export {
  historyEvents,
  metricsAtK,
  popularityBaseline,
  profilingConsent,
  splitByTime,
  type Metrics,
  type Split,
} from './evaluate.js';
