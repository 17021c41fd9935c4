import { CSV_COLUMNS, type CsvColumn } from '../imports/csv-mapping.js';

/**
 * A deterministic historical backfill in the import CSV layout, for the acceptance tests and the
 * `backfill` benchmark: single-line boutique sales in four currencies (EUR, GBP, JPY, AED) over
 * 2026, every `customerEvery`-th with one of `clients` e-mail addresses (so KPIs have clients),
 * and every `badEvery`-th row broken in one of four ways, each naming one column.
 */
export interface BackfillCsvOptions {
  readonly rows: number;
  /** Default 100 (1% bad rows); 0: none. */
  readonly badEvery?: number;
  /** Default 10. */
  readonly customerEvery?: number;
  /** Distinct customers, default 1000. */
  readonly clients?: number;
  /** Default `pos.xstore`. */
  readonly sourceSystem?: string;
  /** Prefix of the source transaction ids, default `BF-`. */
  readonly idPrefix?: string;
}

/** The column each kind of broken row gets wrong, by `(row / badEvery) % 4`. */
const BROKEN: readonly CsvColumn[] = ['quantity', 'currency', 'occurred_at', 'unit_price'];

function rowValues(i: number, o: BackfillCsvOptions): Record<string, string> {
  const customerEvery = o.customerEvery ?? 10;
  const v: Record<string, string> = {
    source_system: o.sourceSystem ?? 'pos.xstore',
    source_transaction_id: `${o.idPrefix ?? 'BF-'}${String(i)}`,
    kind: 'sale',
    channel: 'boutique',
    store_id: ['PAR-01', 'LON-01', 'DXB-01', 'TYO-01'][i % 4] ?? 'PAR-01',
    region: 'EU',
    country: 'FR',
    associate_id: `A-${String(i % 37)}`,
    occurred_at: `2026-${String((i % 11) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}T10:00:00+01:00`,
    currency: ['EUR', 'GBP', 'JPY', 'AED'][i % 4] ?? 'EUR',
    sku: `SKU-${String(i % 500)}`,
    name: 'Item, "classic"',
    category_path: ['Leather goods > Small', 'Jewellery > Rings', 'Ready-to-wear'][i % 3] ?? '',
    quantity: String((i % 3) + 1),
    // JPY has no decimals
    unit_price: i % 4 === 2 ? String(10000 + (i % 900)) : `${String(100 + (i % 900))}.50`,
    customer_email:
      customerEvery > 0 && i % customerEvery === 0
        ? `client${String(Math.floor(i / customerEvery) % (o.clients ?? 1000))}@example.com`
        : '',
  };
  const badEvery = o.badEvery ?? 100;
  if (badEvery > 0 && i % badEvery === 0) {
    const column = BROKEN[(i / badEvery) % 4];
    if (column === 'quantity') v.quantity = '-1';
    else if (column === 'currency') v.currency = 'EURO';
    else if (column === 'occurred_at') v.occurred_at = '2026-13-01T10:00:00+01:00';
    else v.unit_price = '12.3456';
  }
  return v;
}

function csvLine(v: Record<string, string>): string {
  return `${CSV_COLUMNS.map((c) => {
    const x = v[c] ?? '';
    return /[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
  }).join(',')}\n`;
}

/** The file, line by line (the header first), each line with its newline. */
export function* backfillCsvLines(options: BackfillCsvOptions): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\n`;
  for (let i = 1; i <= options.rows; i++) yield csvLine(rowValues(i, options));
}

/** The whole file as one string. */
export function backfillCsv(options: BackfillCsvOptions): string {
  return [...backfillCsvLines(options)].join('');
}

/** The file in chunks of about `bytes`, for streaming uploads of large backfills. */
export function* backfillCsvChunks(
  options: BackfillCsvOptions,
  bytes = 1 << 20,
): Generator<string> {
  let chunk = '';
  for (const line of backfillCsvLines(options)) {
    chunk += line;
    if (chunk.length >= bytes) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** How many distinct customers the good rows name (each gets KPIs once attributed). */
export function backfillCustomers(options: BackfillCsvOptions): number {
  const badEvery = options.badEvery ?? 100;
  const seen = new Set<string>();
  for (let i = 1; i <= options.rows; i++) {
    if (badEvery > 0 && i % badEvery === 0) continue;
    const email = rowValues(i, options).customer_email;
    if (email) seen.add(email);
  }
  return seen.size;
}

/** The broken rows: file line numbers (the header is line 1) and the column each one names. */
export function backfillBadRows(
  options: BackfillCsvOptions,
): { readonly line: number; readonly column: CsvColumn }[] {
  const badEvery = options.badEvery ?? 100;
  if (badEvery <= 0) return [];
  const out: { line: number; column: CsvColumn }[] = [];
  for (let i = badEvery; i <= options.rows; i += badEvery)
    out.push({ line: i + 1, column: BROKEN[(i / badEvery) % 4] ?? 'quantity' });
  return out;
}
