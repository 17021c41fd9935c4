import { TransactionRecorded, type EventEnvelope } from '@maison/event-contracts';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import {
  EMPTY_SUMMARY,
  summarise,
  type ClientSummary,
  type OwnedItem,
} from '../engine/client-summary.js';
import {
  addClientChange,
  addTransaction,
  emptyDelta,
  SEP,
  type ModelDelta,
} from '../engine/contributions.js';
import { categoryOf, rungOf, type TransactionFacts } from '../engine/facts.js';
import {
  emptyRow,
  erase,
  evolveRow,
  isActive,
  sameRow,
  transactionIdOf,
  type TransactionRow,
} from './transaction-row.js';

export interface ModelSettings {
  readonly halfLifeDays: number;
}

interface RowRecord {
  transaction_id: string;
  facts: TransactionFacts | null;
  cancelled: boolean;
  erased: boolean;
  client_id: string | null;
  attributed_at: Date | string | null;
  attribution_event_id: string | null;
  original_transaction_id: string | null;
}

type StoredItem = Omit<OwnedItem, 'weight'> & { weight: string };

/** Field by field (stored items come back from jsonb with their keys reordered). */
function sameItem(a: OwnedItem, b: OwnedItem): boolean {
  return (
    a.sku === b.sku &&
    a.weight === b.weight &&
    a.firstAt === b.firstAt &&
    a.lastAt === b.lastAt &&
    a.lastTransactionId === b.lastTransactionId &&
    a.lastStoreId === b.lastStoreId &&
    a.lastChannel === b.lastChannel &&
    a.lastCountry === b.lastCountry &&
    a.name === b.name &&
    a.category === b.category &&
    a.rung === b.rung &&
    a.collection === b.collection &&
    a.price.amountMinor === b.price.amountMinor &&
    a.price.currency === b.price.currency
  );
}

const iso = (v: Date | string | null): string | null =>
  v === null ? null : typeof v === 'string' ? new Date(v).toISOString() : v.toISOString();

function toRow(r: RowRecord): TransactionRow {
  return {
    transactionId: r.transaction_id,
    facts: r.facts,
    cancelled: r.cancelled,
    erased: r.erased,
    clientId: r.client_id,
    attributedAt: iso(r.attributed_at),
    attributionEventId: r.attribution_event_id,
    originalTransactionId: r.original_transaction_id,
  };
}

/**
 * The model's read side on SQL: applies transaction events and erasures as contribution deltas
 * (engine/contributions.ts), in the caller's transaction, under one advisory lock per schema so
 * concurrent consumers (transactions, erasures, several replicas) never interleave their deltas.
 */
export class ModelProjection {
  readonly #s: string;
  readonly #schema: string;
  readonly #settings: ModelSettings;

  constructor(schema: string, settings: ModelSettings) {
    this.#schema = schema;
    this.#s = quoteIdent(schema);
    this.#settings = settings;
  }

  async lock(tx: SqlQueryable): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.#schema}.model`]);
  }

  /** TransactionRecorded / TransactionAttributed / TransactionCancelled. */
  async applyTransactionEvent(tx: SqlQueryable, event: EventEnvelope): Promise<void> {
    const transactionId = transactionIdOf(event);
    if (transactionId === undefined) return;
    await this.lock(tx);
    const before = (await this.#loadRow(tx, transactionId)) ?? emptyRow(transactionId);
    let after = evolveRow(before, event);
    const learn = event.type === TransactionRecorded.type ? event : undefined;
    const owner = await this.#effectiveClient(tx, after);
    const clients = new Set<string>();
    for (const c of [await this.#effectiveClient(tx, before), owner])
      if (c !== null) clients.add(c);
    // One query for the baskets of the clients concerned and whether they were erased.
    const states = await this.#loadStates(tx, clients);
    if (!after.erased && owner !== null && states.erased.has(owner)) after = erase(after);
    if (sameRow(before, after)) {
      if (learn) await this.#learnItems(tx, learn);
      return;
    }
    await this.#change(tx, [{ before, after }], clients, states.summaries, learn);
  }

  /**
   * Erasure: the clients' transactions (and returns of them) become tombstones, their baskets
   * leave the model. Returns what was removed, by table.
   */
  async eraseClients(
    tx: SqlQueryable,
    clientIds: readonly string[],
    requestId: string,
  ): Promise<Record<string, number>> {
    await this.lock(tx);
    const ids = [...new Set(clientIds)];
    await tx.query(
      `INSERT INTO ${this.#s}.erased_clients (client_id, request_id)
       SELECT unnest($1::text[]), $2 ON CONFLICT (client_id) DO NOTHING`,
      [ids, requestId],
    );
    const rows = (
      await tx.query<RowRecord>(
        // Two index lookups (by client, and returns by their sale) rather than an OR a planner
        // answers with a scan of every transaction.
        `SELECT * FROM ${this.#s}.transactions WHERE transaction_id IN (
           SELECT transaction_id FROM ${this.#s}.transactions
            WHERE client_id = ANY($1::text[]) AND NOT erased
           UNION
           SELECT r.transaction_id FROM ${this.#s}.transactions sale
             JOIN ${this.#s}.transactions r ON r.original_transaction_id = sale.transaction_id
            WHERE sale.client_id = ANY($1::text[]) AND r.client_id IS NULL AND NOT r.erased)
          ORDER BY transaction_id FOR UPDATE`,
        [ids],
      )
    ).map(toRow);
    const items = await tx.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.#s}.client_items WHERE client_id = ANY($1::text[])`,
      [ids],
    );
    const clients = new Set(ids);
    await this.#change(
      tx,
      rows.map((r) => ({ before: r, after: erase(r) })),
      clients,
      (await this.#loadStates(tx, clients)).summaries,
    );
    return {
      'read_model.transactions': rows.length,
      'read_model.client_items': Number(items[0]?.n ?? 0),
    };
  }

  async #change(
    tx: SqlQueryable,
    changes: readonly { before: TransactionRow; after: TransactionRow }[],
    clients: ReadonlySet<string>,
    summariesBefore: ReadonlyMap<string, ClientSummary>,
    learn?: EventEnvelope,
  ): Promise<void> {
    const delta = emptyDelta();
    for (const [i, { before, after }] of changes.entries()) {
      await this.#saveRow(tx, after, i === 0 ? learn : undefined);
      if (isActive(before)) addTransaction(delta, before.facts, -1n, this.#settings.halfLifeDays);
      if (isActive(after)) addTransaction(delta, after.facts, 1n, this.#settings.halfLifeDays);
    }
    for (const c of [...clients].sort()) {
      const summary = summarise(await this.#activeFacts(tx, c), this.#settings.halfLifeDays);
      const before = summariesBefore.get(c) ?? EMPTY_SUMMARY;
      addClientChange(delta, before, summary);
      await this.#saveSummary(tx, c, before, summary);
    }
    await this.#applyDelta(tx, delta);
  }

  async #loadStates(
    tx: SqlQueryable,
    clients: ReadonlySet<string>,
  ): Promise<{ summaries: Map<string, ClientSummary>; erased: Set<string> }> {
    const summaries = new Map<string, ClientSummary>();
    const erased = new Set<string>();
    if (clients.size === 0) return { summaries, erased };
    const rows = await tx.query<{
      kind: 'item' | 'returned' | 'erased';
      client_id: string;
      sku: string | null;
      item: StoredItem | null;
    }>(
      `SELECT 'item' AS kind, client_id, sku, item FROM ${this.#s}.client_items WHERE client_id = ANY($1::text[])
       UNION ALL
       SELECT 'returned', client_id, sku, NULL FROM ${this.#s}.client_returns WHERE client_id = ANY($1::text[])
       UNION ALL
       SELECT 'erased', client_id, NULL, NULL FROM ${this.#s}.erased_clients WHERE client_id = ANY($1::text[])`,
      [[...clients]],
    );
    const items = new Map<string, Map<string, OwnedItem>>();
    const returned = new Map<string, Set<string>>();
    for (const r of rows) {
      if (r.kind === 'erased') erased.add(r.client_id);
      else if (r.kind === 'returned' && r.sku !== null) {
        const set = returned.get(r.client_id) ?? new Set<string>();
        set.add(r.sku);
        returned.set(r.client_id, set);
      } else if (r.item !== null) {
        const map = items.get(r.client_id) ?? new Map<string, OwnedItem>();
        map.set(r.item.sku, { ...r.item, weight: BigInt(r.item.weight) });
        items.set(r.client_id, map);
      }
    }
    for (const c of clients) {
      // Sorted like `summarise` builds them, so unchanged summaries compare equal.
      const own = items.get(c) ?? new Map<string, OwnedItem>();
      summaries.set(c, {
        items: new Map([...own].sort(([a], [b]) => (a < b ? -1 : 1))),
        returned: returned.get(c) ?? new Set<string>(),
      });
    }
    return { summaries, erased };
  }

  async #loadRow(tx: SqlQueryable, id: string): Promise<TransactionRow | undefined> {
    const rows = await tx.query<RowRecord>(
      `SELECT * FROM ${this.#s}.transactions WHERE transaction_id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /** Saves the row; with `learn`, also upserts its products' facts (one statement). */
  async #saveRow(tx: SqlQueryable, r: TransactionRow, learn?: EventEnvelope): Promise<void> {
    const items = learn ? this.#itemsUpsert(learn, 8) : undefined;
    await tx.query(
      `${items ? `WITH learned AS (${items.sql}) ` : ''}
       INSERT INTO ${this.#s}.transactions (transaction_id, facts, cancelled, erased, client_id,
         attributed_at, attribution_event_id, original_transaction_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (transaction_id) DO UPDATE SET facts = EXCLUDED.facts,
         cancelled = EXCLUDED.cancelled, erased = EXCLUDED.erased, client_id = EXCLUDED.client_id,
         attributed_at = EXCLUDED.attributed_at, attribution_event_id = EXCLUDED.attribution_event_id,
         original_transaction_id = EXCLUDED.original_transaction_id`,
      [
        r.transactionId,
        r.facts === null ? null : JSON.stringify(r.facts),
        r.cancelled,
        r.erased,
        r.clientId,
        r.attributedAt,
        r.attributionEventId,
        r.originalTransactionId,
        ...(items?.params ?? []),
      ],
    );
  }

  /** Whose purchase history a transaction is part of: its client, or (a return) its sale's. */
  async #effectiveClient(tx: SqlQueryable, r: TransactionRow): Promise<string | null> {
    if (r.clientId !== null || r.originalTransactionId === null) return r.clientId;
    const rows = await tx.query<{ client_id: string | null }>(
      `SELECT client_id FROM ${this.#s}.transactions WHERE transaction_id = $1`,
      [r.originalTransactionId],
    );
    return rows[0]?.client_id ?? null;
  }

  async #activeFacts(tx: SqlQueryable, clientId: string): Promise<TransactionFacts[]> {
    const rows = await tx.query<{ facts: TransactionFacts }>(
      `SELECT facts FROM ${this.#s}.transactions
        WHERE client_id = $1 AND facts IS NOT NULL AND NOT cancelled AND NOT erased
       UNION ALL
       SELECT r.facts FROM ${this.#s}.transactions sale
         JOIN ${this.#s}.transactions r ON r.original_transaction_id = sale.transaction_id
        WHERE sale.client_id = $1 AND r.client_id IS NULL
          AND r.facts IS NOT NULL AND NOT r.cancelled AND NOT r.erased`,
      [clientId],
    );
    return rows.map((r) => r.facts);
  }

  async #saveSummary(
    tx: SqlQueryable,
    clientId: string,
    before: ClientSummary,
    summary: ClientSummary,
  ): Promise<void> {
    const items = [...summary.items.values()];
    const stored = items.map((i) =>
      JSON.stringify({ ...i, weight: i.weight.toString() } satisfies StoredItem),
    );
    const unchanged =
      before.items.size === summary.items.size &&
      before.returned.size === summary.returned.size &&
      [...summary.returned].every((r) => before.returned.has(r)) &&
      items.every((i) => {
        const b = before.items.get(i.sku);
        return b !== undefined && sameItem(b, i);
      });
    if (unchanged) return;
    const skus = items.map((i) => i.sku);
    const returned = [...summary.returned].sort();
    // One statement: the rows it deletes and the rows it upserts are disjoint.
    await tx.query(
      `WITH gone AS (
         DELETE FROM ${this.#s}.client_items WHERE client_id = $1 AND NOT (sku = ANY($2::text[]))),
       kept AS (
         INSERT INTO ${this.#s}.client_items (client_id, sku, item)
         SELECT $1, sku, item FROM unnest($2::text[], $3::jsonb[]) AS u(sku, item)
         ON CONFLICT (client_id, sku) DO UPDATE SET item = EXCLUDED.item),
       gone_returns AS (
         DELETE FROM ${this.#s}.client_returns WHERE client_id = $1 AND NOT (sku = ANY($4::text[])))
       INSERT INTO ${this.#s}.client_returns (client_id, sku)
       SELECT $1, unnest($4::text[]) ON CONFLICT DO NOTHING`,
      [clientId, skus, stored, returned],
    );
  }

  /** Product facts (name, category, collection): the most recent sighting of each SKU wins. */
  async #learnItems(tx: SqlQueryable, event: EventEnvelope): Promise<void> {
    const { sql, params } = this.#itemsUpsert(event, 0);
    await tx.query(sql, params);
  }

  #itemsUpsert(event: EventEnvelope, offset: number): { sql: string; params: unknown[] } {
    const data = event.data as {
      transactionId: string;
      occurredAt: string;
      lines: TransactionFacts['lines'];
    };
    const bySku = new Map<string, TransactionFacts['lines'][number]>();
    for (const line of data.lines) bySku.set(line.sku, line);
    const lines = [...bySku.values()].sort((a, b) => (a.sku < b.sku ? -1 : 1));
    const p = (n: number) => `$${String(n + offset)}`;
    return {
      sql: `INSERT INTO ${this.#s}.items (sku, product_id, name, category, rung, category_path, collection, seen_at, seen_tx)
       SELECT u.sku, u.product_id, u.name, u.category, u.rung,
              ARRAY(SELECT jsonb_array_elements_text(u.path)), u.collection, ${p(7)}::timestamptz, ${p(8)}::uuid
         FROM unnest(${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::jsonb[], ${p(9)}::text[])
              AS u(sku, product_id, name, category, rung, path, collection)
       ON CONFLICT (sku) DO UPDATE SET product_id = EXCLUDED.product_id, name = EXCLUDED.name,
         category = EXCLUDED.category, rung = EXCLUDED.rung, category_path = EXCLUDED.category_path,
         collection = EXCLUDED.collection, seen_at = EXCLUDED.seen_at, seen_tx = EXCLUDED.seen_tx
       WHERE (EXCLUDED.seen_at, EXCLUDED.seen_tx) > (items.seen_at, items.seen_tx)`,
      params: [
        lines.map((l) => l.sku),
        lines.map((l) => l.productId),
        lines.map((l) => l.name),
        lines.map((l) => categoryOf(l.categoryPath)),
        lines.map((l) => rungOf(l.categoryPath)),
        lines.map((l) => JSON.stringify(l.categoryPath)),
        data.occurredAt,
        data.transactionId,
        lines.map((l) => l.collection),
      ],
    };
  }

  /**
   * Adds the delta to the aggregates in two statements: one upsert per table (writable CTEs on
   * different tables), then one sweep of the rows that reached exactly zero.
   */
  async #applyDelta(tx: SqlQueryable, delta: ModelDelta): Promise<void> {
    const s = this.#s;
    const split = (m: Map<string, bigint>) => {
      const keys = [...m.keys()].sort();
      return { parts: keys.map((k) => k.split(SEP)), values: keys.map((k) => String(m.get(k))) };
    };
    const col = (parts: string[][], i: number) => parts.map((p) => p[i] ?? '');
    const norms = split(delta.norms);
    const pairs = split(delta.pairs);
    const ladder = split(delta.ladder);
    const popularity = split(delta.popularity);
    const priceKeys = [...new Set([...delta.priceSum.keys(), ...delta.priceCount.keys()])].sort();
    const prices = priceKeys.map((k) => k.split(SEP));
    if (
      norms.values.length +
        pairs.values.length +
        ladder.values.length +
        popularity.values.length +
        priceKeys.length ===
      0
    )
      return;
    const params = [
      col(norms.parts, 0),
      norms.values,
      col(pairs.parts, 0),
      col(pairs.parts, 1),
      pairs.values,
      col(ladder.parts, 0),
      col(ladder.parts, 1),
      col(ladder.parts, 2),
      ladder.values,
      col(popularity.parts, 0),
      col(popularity.parts, 1),
      popularity.values,
      col(prices, 0),
      col(prices, 1),
      priceKeys.map((k) => String(delta.priceSum.get(k) ?? 0n)),
      priceKeys.map((k) => String(delta.priceCount.get(k) ?? 0n)),
    ];
    await tx.query(
      `WITH n AS (
         INSERT INTO ${s}.item_norms (sku, value) SELECT * FROM unnest($1::text[], $2::numeric[])
         ON CONFLICT (sku) DO UPDATE SET value = item_norms.value + EXCLUDED.value),
       p AS (
         INSERT INTO ${s}.co_pairs (sku_a, sku_b, value)
         SELECT * FROM unnest($3::text[], $4::text[], $5::numeric[])
         ON CONFLICT (sku_a, sku_b) DO UPDATE SET value = co_pairs.value + EXCLUDED.value),
       l AS (
         INSERT INTO ${s}.ladder_steps (category, from_rung, to_rung, clients)
         SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::numeric[])
         ON CONFLICT (category, from_rung, to_rung) DO UPDATE SET clients = ladder_steps.clients + EXCLUDED.clients),
       b AS (
         INSERT INTO ${s}.popularity (scope, sku, value)
         SELECT * FROM unnest($10::text[], $11::text[], $12::numeric[])
         ON CONFLICT (scope, sku) DO UPDATE SET value = popularity.value + EXCLUDED.value)
       INSERT INTO ${s}.item_prices (sku, currency, sum_minor, units)
       SELECT * FROM unnest($13::text[], $14::text[], $15::numeric[], $16::numeric[])
       ON CONFLICT (sku, currency) DO UPDATE SET sum_minor = item_prices.sum_minor + EXCLUDED.sum_minor,
         units = item_prices.units + EXCLUDED.units`,
      params,
    );
    // Only a decrease can bring a row to zero: most sales add only.
    const decreases = [
      delta.norms,
      delta.pairs,
      delta.ladder,
      delta.popularity,
      delta.priceCount,
    ].some((m) => [...m.values()].some((v) => v < 0n));
    if (!decreases) return;
    await tx.query(
      `WITH n AS (DELETE FROM ${s}.item_norms WHERE sku = ANY($1::text[]) AND value = 0),
       p AS (DELETE FROM ${s}.co_pairs c USING unnest($2::text[], $3::text[]) AS u(a, b)
              WHERE c.sku_a = u.a AND c.sku_b = u.b AND c.value = 0),
       l AS (DELETE FROM ${s}.ladder_steps WHERE category = ANY($4::text[]) AND clients = 0),
       b AS (DELETE FROM ${s}.popularity x USING unnest($5::text[], $6::text[]) AS u(scope, sku)
              WHERE x.scope = u.scope AND x.sku = u.sku AND x.value = 0)
       DELETE FROM ${s}.item_prices WHERE sku = ANY($7::text[]) AND units = 0`,
      [params[0], params[2], params[3], params[5], params[9], params[10], params[12]],
    );
  }
}

/** The summary of one or more client ids (a client and its aliases), from the stored baskets. */
export async function loadSummaries(
  q: SqlQueryable,
  s: string,
  clientIds: readonly string[],
): Promise<ClientSummary> {
  const rows = await q.query<{ item: StoredItem | null; returned: string | null }>(
    `SELECT item, NULL AS returned FROM ${s}.client_items WHERE client_id = ANY($1::text[])
     UNION ALL
     SELECT DISTINCT NULL::jsonb, sku FROM ${s}.client_returns WHERE client_id = ANY($1::text[])`,
    [[...clientIds]],
  );
  const returned = new Set<string>();
  for (const r of rows) if (r.returned !== null) returned.add(r.returned);
  const owned = rows
    .flatMap((r) => (r.item === null ? [] : [{ ...r.item, weight: BigInt(r.item.weight) }]))
    .sort((a, b) =>
      a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.lastTransactionId < b.lastTransactionId ? -1 : 1,
    );
  const items = new Map<string, OwnedItem>();
  for (const item of owned) {
    const cur = items.get(item.sku);
    // The same piece under two ids (before re-attribution): keep the latest purchase.
    if (!cur || item.weight > cur.weight) items.set(item.sku, item);
  }
  return { items, returned };
}
