import type { ResourceScope } from '@maison/auth';
import type { ClientDirectory } from '@maison/client-directory';
import type { Region } from '@maison/event-contracts';
import { ValidationError } from '@maison/service-kit';
import type { SqlDatabase } from '@maison/sql';
import { minorToDecimal } from '../money/currency.js';
import type { RecordedData } from '../transaction/transaction.events.js';

export interface TransactionRow {
  transaction_id: string;
  source_system: string;
  source_transaction_id: string;
  kind: 'sale' | 'return' | 'exchange';
  channel: string;
  store_id: string | null;
  region: Region;
  country: string;
  associate_id: string | null;
  occurred_at_text: string;
  currency: string;
  total_minor: string;
  reporting_minor: string | null;
  reporting_currency: string | null;
  fx_rate: string | null;
  fx_rate_date: string | null;
  original_transaction_id: string | null;
  lines: RecordedData['lines'];
  captured: boolean;
  client_id: string | null;
  cancelled_at: Date | string | null;
  cancel_reason: string | null;
}

export interface KpiRow {
  client_id: string;
  currency: string;
  lifetime_minor: string;
  rolling_minor: string;
  orders: number;
  orders_12m: number;
  sales_minor: string;
  returns_minor: string;
  first_purchase_at: Date | string | null;
  last_purchase_at: Date | string | null;
  stores: string[];
  regions: string[];
  associates: string[];
  tier: string | null;
  tier_rule: string | null;
  tier_since: Date | string | null;
}

export const money = (minor: number | string | bigint, currency: string) => ({
  amountMinor: String(minor),
  currency,
  amount: minorToDecimal(BigInt(minor), currency),
});

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const COLUMNS = `transaction_id, source_system, source_transaction_id, kind, channel, store_id, region, country,
  associate_id, occurred_at_text, currency, total_minor::text, reporting_minor::text, reporting_currency, fx_rate,
  fx_rate_date::text, original_transaction_id, lines, captured, client_id, cancelled_at, cancel_reason`;

export interface TransactionPageArgs {
  readonly first: number;
  readonly after?: string | null | undefined;
  readonly channel?: string | null | undefined;
  readonly region?: string | null | undefined;
  readonly from?: string | null | undefined;
  readonly to?: string | null | undefined;
}

function cursorOf(row: { occurred_at: Date | string; transaction_id: string }): string {
  return Buffer.from(`${new Date(row.occurred_at).toISOString()}|${row.transaction_id}`).toString(
    'base64url',
  );
}

function parseCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id))
    throw new ValidationError('The cursor is invalid.', [
      { pointer: '/after', detail: 'is not a cursor from this connection' },
    ]);
  return { at, id };
}

function instantArg(value: string | null | undefined, name: string): string | null {
  if (value === null || value === undefined) return null;
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new ValidationError(`${name} must be an ISO 8601 date or date-time.`, [
      { pointer: `/${name}`, detail: 'must be an ISO 8601 date or date-time' },
    ]);
  return new Date(t).toISOString();
}

/** Queries over the read models: what the subgraph and the REST reads answer from. */
export class ReadModel {
  readonly #db: SqlDatabase;
  readonly #s: string;
  readonly #directory: ClientDirectory;
  readonly #region: Region;
  readonly #clock: () => Date;

  constructor(
    db: SqlDatabase,
    schema: string,
    directory: ClientDirectory,
    region: Region,
    clock: () => Date,
  ) {
    this.#db = db;
    this.#s = schema;
    this.#directory = directory;
    this.#region = region;
    this.#clock = clock;
  }

  canonical(clientId: string): Promise<string> {
    return this.#directory.canonical(this.#db, clientId);
  }

  async transaction(id: string): Promise<TransactionRow | undefined> {
    const rows = await this.#db.query<TransactionRow>(
      `SELECT ${COLUMNS} FROM ${this.#s}.transactions WHERE transaction_id = $1`,
      [id],
    );
    return rows[0];
  }

  /** Who may see one transaction: its store, its associate, its region (and this deployment's). */
  transactionScope(
    row: Pick<TransactionRow, 'store_id' | 'associate_id' | 'region'>,
  ): ResourceScope {
    return {
      region: row.region,
      ...(row.store_id ? { storeIds: [row.store_id] } : {}),
      ...(row.associate_id ? { associateIds: [row.associate_id] } : {}),
    };
  }

  transactionView(row: TransactionRow) {
    return {
      id: row.transaction_id,
      transactionId: row.transaction_id,
      kind: row.kind,
      status: row.cancelled_at === null ? 'recorded' : 'cancelled',
      channel: row.channel,
      storeId: row.store_id,
      region: row.region,
      country: row.country,
      associateId: row.associate_id,
      occurredAt: row.occurred_at_text,
      sourceSystem: row.source_system,
      sourceTransactionId: row.source_transaction_id,
      originalTransactionId: row.original_transaction_id,
      total: money(row.total_minor, row.currency),
      reporting:
        row.reporting_minor === null || row.reporting_currency === null
          ? null
          : {
              total: money(row.reporting_minor, row.reporting_currency),
              rate: row.fx_rate,
              rateDate: row.fx_rate_date,
            },
      lines: row.lines.map((l) => ({
        ...l,
        unitPrice: money(l.unitPrice.amountMinor, l.unitPrice.currency),
        discount: money(l.discount.amountMinor, l.discount.currency),
        tax: money(l.tax.amountMinor, l.tax.currency),
        lineTotal: money(l.lineTotal.amountMinor, l.lineTotal.currency),
      })),
      attribution: {
        status: row.client_id !== null ? 'attributed' : row.captured ? 'unresolved' : 'anonymous',
        clientId: row.client_id,
      },
      cancellation:
        row.cancelled_at === null
          ? null
          : { cancelledAt: iso(row.cancelled_at), reason: row.cancel_reason },
    };
  }

  async kpis(clientId: string): Promise<KpiRow | undefined> {
    const rows = await this.#db.query<KpiRow>(
      `SELECT client_id, currency, lifetime_minor::text, rolling_minor::text, orders, orders_12m, sales_minor::text,
              returns_minor::text, first_purchase_at, last_purchase_at, stores, regions, associates, tier, tier_rule, tier_since
         FROM ${this.#s}.client_kpis WHERE client_id = $1`,
      [clientId],
    );
    return rows[0];
  }

  /** A client's scope as this service knows it: where and with whom the client bought. */
  clientScopes(k: KpiRow | undefined): ResourceScope[] {
    if (!k) return [];
    const base: ResourceScope = {
      region: this.#region,
      storeIds: k.stores,
      associateIds: k.associates,
    };
    return [
      base,
      ...k.regions.filter((r) => r !== this.#region).map((r) => ({ region: r as Region })),
    ];
  }

  /** Rolling 12-month values as of now (the stored ones are as of the last change). */
  async rolling(clientId: string): Promise<{ spend: string; orders: number }> {
    const since = new Date(this.#clock().getTime() - 365 * 86_400_000).toISOString();
    const rows = await this.#db.query<{ spend: string; orders: number }>(
      `SELECT coalesce(sum(reporting_minor), 0)::text AS spend, count(*) FILTER (WHERE kind = 'sale')::int AS orders
         FROM ${this.#s}.transactions WHERE client_id = $1 AND cancelled_at IS NULL AND occurred_at >= $2`,
      [clientId, since],
    );
    return rows[0] ?? { spend: '0', orders: 0 };
  }

  async topCategories(clientId: string, limit = 5): Promise<{ category: string; spend: string }[]> {
    return this.#db.query<{ category: string; spend: string }>(
      `SELECT c.category, sum(c.reporting_minor)::text AS spend
         FROM ${this.#s}.transaction_categories c JOIN ${this.#s}.transactions t USING (transaction_id)
        WHERE t.client_id = $1 AND t.cancelled_at IS NULL
        GROUP BY c.category HAVING sum(c.reporting_minor) > 0 ORDER BY sum(c.reporting_minor) DESC, c.category LIMIT $2`,
      [clientId, limit],
    );
  }

  async clientTransactions(clientId: string, args: TransactionPageArgs) {
    const first = Math.min(100, Math.max(0, args.first));
    const after = args.after ? parseCursor(args.after) : null;
    const from = instantArg(args.from, 'from');
    const to = instantArg(args.to, 'to');
    const rows = await this.#db.query<TransactionRow & { occurred_at: Date | string }>(
      `SELECT ${COLUMNS}, occurred_at FROM ${this.#s}.transactions
        WHERE client_id = $1
          AND ($2::text IS NULL OR channel = $2) AND ($3::text IS NULL OR region = $3)
          AND ($4::timestamptz IS NULL OR occurred_at >= $4) AND ($5::timestamptz IS NULL OR occurred_at < $5)
          AND ($6::timestamptz IS NULL OR (occurred_at, transaction_id) < ($6::timestamptz, $7::uuid))
        ORDER BY occurred_at DESC, transaction_id DESC LIMIT $8`,
      [
        clientId,
        args.channel ?? null,
        args.region ?? null,
        from,
        to,
        after?.at ?? null,
        after?.id ?? null,
        first + 1,
      ],
    );
    const page = rows.slice(0, first);
    const count = await this.#db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.#s}.transactions WHERE client_id = $1
          AND ($2::text IS NULL OR channel = $2) AND ($3::text IS NULL OR region = $3)
          AND ($4::timestamptz IS NULL OR occurred_at >= $4) AND ($5::timestamptz IS NULL OR occurred_at < $5)`,
      [clientId, args.channel ?? null, args.region ?? null, from, to],
    );
    return {
      totalCount: count[0]?.n ?? 0,
      edges: page.map((r) => ({ cursor: cursorOf(r), node: this.transactionView(r) })),
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== null,
        startCursor: page[0] ? cursorOf(page[0]) : null,
        endCursor:
          page.length > 0
            ? cursorOf(page[page.length - 1] as { occurred_at: Date; transaction_id: string })
            : null,
      },
    };
  }

  async captureRate(storeId: string, from: string, to: string, granularity: 'day' | 'month') {
    for (const [name, v] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)))
        throw new ValidationError(`${name} must be a date (YYYY-MM-DD).`, [
          { pointer: `/${name}`, detail: 'must be a date (YYYY-MM-DD)' },
        ]);
    if (to < from)
      throw new ValidationError('to must not be before from.', [
        { pointer: '/to', detail: 'must not be before from' },
      ]);
    const unit = granularity === 'month' ? 'month' : 'day';
    const periods = await this.#db.query<{
      period: string;
      transactions: number;
      captured: number;
      identified: number;
    }>(
      `SELECT to_char(date_trunc('${unit}', day), 'YYYY-MM-DD') AS period, sum(transactions)::int AS transactions,
              sum(captured)::int AS captured, sum(identified)::int AS identified
         FROM ${this.#s}.capture_daily WHERE store_id = $1 AND day BETWEEN $2 AND $3
        GROUP BY 1 ORDER BY 1`,
      [storeId, from, to],
    );
    const associates = await this.#db.query<{
      associate_id: string;
      transactions: number;
      captured: number;
      identified: number;
    }>(
      `SELECT associate_id, sum(transactions)::int AS transactions, sum(captured)::int AS captured,
              sum(identified)::int AS identified
         FROM ${this.#s}.capture_daily WHERE store_id = $1 AND day BETWEEN $2 AND $3 AND associate_id <> ''
        GROUP BY 1 ORDER BY 1`,
      [storeId, from, to],
    );
    const rate = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
    const total = periods.reduce(
      (a, p) => ({ t: a.t + p.transactions, c: a.c + p.captured, i: a.i + p.identified }),
      { t: 0, c: 0, i: 0 },
    );
    const stat = (t: number, c: number, i: number) => ({
      transactions: t,
      captured: c,
      identified: i,
      captureRate: rate(c, t),
      identifiedRate: rate(i, t),
    });
    return {
      storeId,
      from,
      to,
      granularity,
      ...stat(total.t, total.c, total.i),
      periods: periods.map((p) => ({
        period: p.period,
        ...stat(p.transactions, p.captured, p.identified),
      })),
      associates: associates.map((a) => ({
        associateId: a.associate_id,
        ...stat(a.transactions, a.captured, a.identified),
      })),
    };
  }

  /** Regions of a store's transactions (a store belongs to one region). */
  async storeRegions(storeId: string): Promise<Region[]> {
    const rows = await this.#db.query<{ region: Region }>(
      `SELECT DISTINCT region FROM ${this.#s}.transactions WHERE store_id = $1 LIMIT 5`,
      [storeId],
    );
    return rows.map((r) => r.region);
  }
}
