export { createTransactionsService, type TransactionsModule } from './app.js';
export {
  transactionsConfigFromEnv,
  transactionsEnv,
  SAMPLE_RATES_FILE,
  type TransactionsConfig,
} from './config.js';
export { FxRates, FxFileError, type Conversion } from './fx/ecb-rates.js';
export { currencyExponent, decimalToMinor, isCurrency, minorToDecimal } from './money/currency.js';
export {
  ingestRecord,
  transactionInput,
  cancellationInput,
  type IngestRecord,
  type TransactionInput,
  type CancellationInput,
} from './ingest/ingest-record.schema.js';
export {
  prepareRecord,
  transactionIdOf,
  recordedEventIdOf,
  type PreparedRecord,
  type PrepareContext,
} from './ingest/prepare.js';
export { CSV_COLUMNS } from './imports/csv-mapping.js';
export { signShopify, shopSchema, type ShopConfig } from './shopify/shopify.mapping.js';
export { DEFAULT_TIER_RULES, tierFor, type Tier, type TierRules } from './tier/tier.rules.js';
export { transactionsTypeDefs, SCHEMA_FILE } from './api/subgraph.js';
