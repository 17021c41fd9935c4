import { decimalToMinor, isCurrency } from '../money/currency.js';

/**
 * The CSV layout of historical backfills: one row per line item; consecutive rows with the same
 * `source_system` + `source_transaction_id` form one transaction (its total is the signed sum of
 * its lines). Amounts are decimals in the currency's major unit (`1250.00` EUR, `125000` JPY,
 * `12.500` KWD), converted exactly to minor units.
 */
export const CSV_COLUMNS = [
  'source_system',
  'source_transaction_id',
  'kind',
  'original_source_transaction_id',
  'channel',
  'store_id',
  'region',
  'country',
  'associate_id',
  'occurred_at',
  'currency',
  'tax_included',
  'line_id',
  'sku',
  'product_id',
  'name',
  'category_path',
  'collection',
  'quantity',
  'unit_price',
  'discount',
  'tax',
  'line_total',
  'original_line_id',
  'direction',
  'customer_email',
  'customer_phone',
  'customer_loyalty_id',
  'customer_pos_id',
  'customer_pos_scope',
  'customer_shop_id',
  'customer_shop_scope',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export const REQUIRED_COLUMNS: readonly CsvColumn[] = [
  'source_transaction_id',
  'kind',
  'channel',
  'region',
  'country',
  'occurred_at',
  'currency',
  'sku',
  'name',
  'category_path',
  'quantity',
  'unit_price',
];

export interface CsvHeader {
  readonly columns: readonly CsvColumn[];
}

export function parseHeader(
  fields: readonly string[],
  hasSourceSystem: boolean,
): { ok: true; header: CsvHeader } | { ok: false; detail: string } {
  const known = new Set<string>(CSV_COLUMNS);
  const columns: CsvColumn[] = [];
  for (const [i, raw] of fields.entries()) {
    const f = raw.trim().toLowerCase();
    if (!known.has(f))
      return {
        ok: false,
        detail: `column ${i + 1} is not a known column (see the CSV layout in the API documentation)`,
      };
    if (columns.includes(f as CsvColumn)) return { ok: false, detail: `column ${f} appears twice` };
    columns.push(f as CsvColumn);
  }
  for (const r of REQUIRED_COLUMNS)
    if (!columns.includes(r)) return { ok: false, detail: `column ${r} is required` };
  if (!hasSourceSystem && !columns.includes('source_system'))
    return { ok: false, detail: 'column source_system is required (or pass ?sourceSystem=)' };
  return { ok: true, header: { columns } };
}

export interface CsvRow {
  readonly line: number;
  readonly values: Readonly<Partial<Record<CsvColumn, string>>>;
}

export interface RowError {
  readonly line: number;
  readonly column: string;
  readonly detail: string;
}

export function rowOf(
  header: CsvHeader,
  fields: readonly string[],
  line: number,
): CsvRow | RowError {
  if (fields.length !== header.columns.length)
    return {
      line,
      column: '(row)',
      detail: `has ${fields.length} fields, the header has ${header.columns.length}`,
    };
  const values: Partial<Record<CsvColumn, string>> = {};
  header.columns.forEach((c, i) => {
    const v = (fields[i] ?? '').trim();
    if (v !== '') values[c] = v;
  });
  return { line, values };
}

export const groupKey = (row: CsvRow, defaultSource: string | null): string =>
  `${row.values.source_system ?? defaultSource ?? ''}\u0000${row.values.source_transaction_id ?? ''}`;

/** Maps a JSON pointer of the canonical record back to a CSV cell. */
export function cellOf(rows: readonly CsvRow[], pointer: string): { line: number; column: string } {
  const m = /^\/lines\/(\d+)(?:\/([A-Za-z]+))?/.exec(pointer);
  const row = m ? rows[Number(m[1])] : rows[0];
  const field = m ? m[2] : /^\/([A-Za-z]+)/.exec(pointer)?.[1];
  const column = field ? field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : '(row)';
  return {
    line: row?.line ?? rows[0]?.line ?? 0,
    column: column === 'customer' ? 'customer_*' : column,
  };
}

/** A group of rows → the canonical record, or the cells that could not be read. */
export function recordOf(
  rows: readonly CsvRow[],
  defaultSource: string | null,
): { ok: true; record: Record<string, unknown> } | { ok: false; errors: RowError[] } {
  const first = rows[0];
  if (!first) return { ok: false, errors: [] };
  const v = first.values;
  const errors: RowError[] = [];
  const currency = v.currency ?? '';
  const kind = v.kind ?? '';
  if (!isCurrency(currency))
    return {
      ok: false,
      errors: [
        {
          line: first.line,
          column: 'currency',
          detail: 'must be an ISO 4217 currency code such as EUR',
        },
      ],
    };
  const amount = (
    row: CsvRow,
    column: CsvColumn,
  ): { amountMinor: number; currency: string } | undefined => {
    const text = row.values[column];
    if (text === undefined) return undefined;
    if (!isCurrency(currency)) return undefined; // the currency column reports it
    const r = decimalToMinor(text, currency);
    if (!r.ok) {
      errors.push({ line: row.line, column, detail: r.message });
      return undefined;
    }
    return { amountMinor: r.minor, currency };
  };
  const lines = rows.map((row) => {
    const q = row.values.quantity ?? '';
    const quantity = /^-?\d+$/.test(q) ? Number(q) : Number.NaN;
    if (Number.isNaN(quantity))
      errors.push({ line: row.line, column: 'quantity', detail: 'must be a positive integer' });
    const line: Record<string, unknown> = {
      ...(row.values.line_id ? { lineId: row.values.line_id } : {}),
      sku: row.values.sku ?? '',
      productId: row.values.product_id ?? null,
      name: row.values.name ?? '',
      categoryPath: (row.values.category_path ?? '')
        .split('>')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
      collection: row.values.collection ?? null,
      quantity,
      unitPrice: amount(row, 'unit_price') ?? { amountMinor: 0, currency },
      ...(row.values.discount ? { discount: amount(row, 'discount') } : {}),
      ...(row.values.tax ? { tax: amount(row, 'tax') } : {}),
      ...(row.values.line_total ? { lineTotal: amount(row, 'line_total') } : {}),
      ...(row.values.original_line_id ? { originalLineId: row.values.original_line_id } : {}),
      ...(row.values.direction ? { direction: row.values.direction } : {}),
    };
    return line;
  });
  const taxIncluded =
    v.tax_included === undefined
      ? undefined
      : v.tax_included.toLowerCase() === 'true'
        ? true
        : v.tax_included.toLowerCase() === 'false'
          ? false
          : 'invalid';
  if (taxIncluded === 'invalid')
    errors.push({ line: first.line, column: 'tax_included', detail: 'must be true or false' });
  if (errors.length > 0) return { ok: false, errors };
  const taxIncl = taxIncluded !== false;
  let total = 0;
  for (const l of lines) {
    const lt = l.lineTotal as { amountMinor: number } | undefined;
    const unit = (l.unitPrice as { amountMinor: number }).amountMinor;
    const value =
      lt?.amountMinor ??
      (l.quantity as number) * unit -
        ((l.discount as { amountMinor: number } | undefined)?.amountMinor ?? 0) +
        (taxIncl ? 0 : ((l.tax as { amountMinor: number } | undefined)?.amountMinor ?? 0));
    const sign = kind === 'return' || (kind === 'exchange' && l.direction === 'in') ? -1 : 1;
    total += sign * value;
  }
  const customer: { type: string; value: string; scope?: string }[] = [];
  if (v.customer_loyalty_id) customer.push({ type: 'loyalty_id', value: v.customer_loyalty_id });
  if (v.customer_shop_id)
    customer.push({
      type: 'ecom_customer',
      value: v.customer_shop_id,
      ...(v.customer_shop_scope ? { scope: v.customer_shop_scope } : {}),
    });
  if (v.customer_pos_id)
    customer.push({
      type: 'pos_customer',
      value: v.customer_pos_id,
      ...(v.customer_pos_scope ? { scope: v.customer_pos_scope } : {}),
    });
  if (v.customer_email) customer.push({ type: 'email', value: v.customer_email });
  if (v.customer_phone) customer.push({ type: 'phone', value: v.customer_phone });
  return {
    ok: true,
    record: {
      kind,
      sourceSystem: v.source_system ?? defaultSource ?? '',
      sourceTransactionId: v.source_transaction_id ?? '',
      ...(v.original_source_transaction_id
        ? { originalSourceTransactionId: v.original_source_transaction_id }
        : {}),
      channel: v.channel ?? '',
      storeId: v.store_id ?? null,
      region: v.region ?? '',
      country: v.country ?? '',
      associateId: v.associate_id ?? null,
      occurredAt: v.occurred_at ?? '',
      currency,
      ...(taxIncluded === undefined ? {} : { taxIncluded }),
      lines,
      total: { amountMinor: total, currency },
      ...(customer.length > 0 ? { customer } : {}),
    },
  };
}
