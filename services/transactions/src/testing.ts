// Test and benchmark helpers (`@maison/transactions/testing`): not part of the service's API.
export {
  backfillBadRows,
  backfillCsv,
  backfillCsvChunks,
  backfillCsvLines,
  backfillCustomers,
  type BackfillCsvOptions,
} from './testing/backfill-csv.js';
