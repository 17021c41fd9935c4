import type { ClientDirectory } from '@maison/client-directory';
import {
  ClientBookAssigned,
  ClientBookUnassigned,
  ClientErased,
  ConsentRecorded,
  ProfileUpdated,
  TransactionRecorded,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import { summarise, type ClientSummary } from '../engine/client-summary.js';
import {
  addClientChange,
  addTransaction,
  emptyDelta,
  SEP,
  type ModelDelta,
} from '../engine/contributions.js';
import { EMPTY_SUMMARY } from '../engine/client-summary.js';
import { categoryOf, rungOf, type LineFacts } from '../engine/facts.js';
import { latestConsent, type ProfilingConsent } from '../engine/personalisation.js';
import { DERIVED_TABLES } from './migrations.js';
import {
  emptyRow,
  erase,
  evolveRow,
  isActive,
  transactionIdOf,
  type TransactionRow,
} from './transaction-row.js';

/**
 * The model rebuilt from scratch in memory, from every event of the four topics, then written
 * in one transaction. It is computed by the same pure functions as the incremental path, but
 * from the final state of each transaction and client instead of change by change: a rebuild
 * that agrees with the incremental model cross-checks both.
 */
export interface TopicEvents {
  readonly transactions: readonly EventEnvelope[];
  readonly consent: readonly EventEnvelope[];
  readonly profiles: readonly EventEnvelope[];
  readonly identity: readonly EventEnvelope[];
}

interface ItemSighting {
  readonly line: Pick<LineFacts, 'sku' | 'productId' | 'name' | 'categoryPath' | 'collection'>;
  readonly at: number;
  readonly atIso: string;
  readonly tx: string;
}

export interface BuiltModel {
  readonly rows: ReadonlyMap<string, TransactionRow>;
  readonly summaries: ReadonlyMap<string, ClientSummary>;
  readonly delta: ModelDelta;
  readonly items: ReadonlyMap<string, ItemSighting>;
  readonly consents: ReadonlyMap<string, ProfilingConsent>;
  readonly profiles: ReadonlyMap<string, { homeRegion: string | null; homeStoreId: string | null }>;
  readonly book: ReadonlyMap<string, Map<string, string>>;
  /** Erased client id → the erasure request. */
  readonly erased: ReadonlyMap<string, string>;
}

/** Pure: the whole model from the topics' events (each list in topic order per partition). */
export function buildModel(events: TopicEvents, halfLifeDays: number): BuiltModel {
  const erased = new Map<string, string>();
  for (const e of events.consent) {
    if (e.type !== ClientErased.type) continue;
    const d = e.data as DataOf<typeof ClientErased>;
    for (const id of [d.clientId, ...d.aliases]) if (!erased.has(id)) erased.set(id, d.requestId);
  }

  const rows = new Map<string, TransactionRow>();
  const items = new Map<string, ItemSighting>();
  for (const e of events.transactions) {
    const id = transactionIdOf(e);
    if (id === undefined) continue;
    rows.set(id, evolveRow(rows.get(id) ?? emptyRow(id), e));
    if (e.type === TransactionRecorded.type) {
      const d = e.data as DataOf<typeof TransactionRecorded>;
      const at = Date.parse(d.occurredAt);
      for (const line of d.lines) {
        const seen = items.get(line.sku);
        if (!seen || at > seen.at || (at === seen.at && d.transactionId > seen.tx))
          items.set(line.sku, { line, at, atIso: d.occurredAt, tx: d.transactionId });
      }
    }
  }
  const owner = (r: TransactionRow): string | null =>
    r.clientId ??
    (r.originalTransactionId === null
      ? null
      : (rows.get(r.originalTransactionId)?.clientId ?? null));
  for (const [id, r] of rows) {
    const o = owner(r);
    if (!r.erased && o !== null && erased.has(o)) rows.set(id, erase(r));
  }

  const delta = emptyDelta();
  const byClient = new Map<string, NonNullable<TransactionRow['facts']>[]>();
  for (const r of rows.values()) {
    if (!isActive(r)) continue;
    addTransaction(delta, r.facts, 1n, halfLifeDays);
    const o = owner(r);
    if (o === null) continue;
    byClient.set(o, [...(byClient.get(o) ?? []), r.facts]);
  }
  const summaries = new Map<string, ClientSummary>();
  for (const [client, facts] of [...byClient].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const summary = summarise(facts, halfLifeDays);
    summaries.set(client, summary);
    addClientChange(delta, EMPTY_SUMMARY, summary);
  }

  const consentsByClient = new Map<string, ProfilingConsent[]>();
  for (const e of events.consent) {
    if (e.type !== ConsentRecorded.type) continue;
    const d = e.data as DataOf<typeof ConsentRecorded>;
    if (d.purpose !== 'profiling' || erased.has(d.clientId)) continue;
    consentsByClient.set(d.clientId, [
      ...(consentsByClient.get(d.clientId) ?? []),
      {
        state: d.state,
        evidence: d.evidenceStrength,
        occurredAt: e.occurredAt,
        recordedAt: e.recordedAt,
        expiresAt: d.expiresAt,
        eventId: e.id,
      },
    ]);
  }
  const consents = new Map<string, ProfilingConsent>();
  for (const [client, list] of consentsByClient) {
    const latest = latestConsent(list);
    if (latest) consents.set(client, latest);
  }

  const profiles = new Map<string, { homeRegion: string | null; homeStoreId: string | null }>();
  const book = new Map<string, Map<string, string>>();
  for (const e of events.profiles) {
    switch (e.type) {
      case ProfileUpdated.type: {
        const d = e.data as DataOf<typeof ProfileUpdated>;
        if (erased.has(d.clientId) || (d.homeRegion === undefined && d.homeStoreId === undefined))
          break;
        const cur = profiles.get(d.clientId) ?? { homeRegion: null, homeStoreId: null };
        profiles.set(d.clientId, {
          homeRegion: d.homeRegion === undefined ? cur.homeRegion : d.homeRegion,
          homeStoreId: d.homeStoreId === undefined ? cur.homeStoreId : d.homeStoreId,
        });
        break;
      }
      case ClientBookAssigned.type: {
        const d = e.data as DataOf<typeof ClientBookAssigned>;
        if (erased.has(d.clientId)) break;
        const b = book.get(d.clientId) ?? new Map<string, string>();
        b.set(d.associateId, d.storeId);
        book.set(d.clientId, b);
        break;
      }
      case ClientBookUnassigned.type: {
        const d = e.data as DataOf<typeof ClientBookUnassigned>;
        book.get(d.clientId)?.delete(d.associateId);
        break;
      }
      default:
        break;
    }
  }
  return { rows, summaries, delta, items, consents, profiles, book, erased };
}

const CHUNK = 5000;

async function insertChunks<T>(
  tx: SqlQueryable,
  list: readonly T[],
  write: (chunk: readonly T[]) => { sql: string; params: unknown[] },
): Promise<void> {
  for (let i = 0; i < list.length; i += CHUNK) {
    const { sql, params } = write(list.slice(i, i + CHUNK));
    await tx.query(sql, params);
  }
}

/**
 * Replaces every derived table with the built model, in the caller's transaction, and records the
 * processed markers of every event read, so the live consumers (resuming from their committed
 * offsets) skip what the rebuild already covered.
 */
export async function writeModel(
  tx: SqlQueryable,
  schema: string,
  model: BuiltModel,
  identity: readonly EventEnvelope[],
  directory: ClientDirectory,
  markers: readonly { consumer: string; eventId: string }[],
): Promise<void> {
  const s = quoteIdent(schema);
  await tx.query(`TRUNCATE ${DERIVED_TABLES.map((t) => `${s}.${t}`).join(', ')}`);
  await insertChunks(tx, [...model.rows.values()], (c) => ({
    sql: `INSERT INTO ${s}.transactions (transaction_id, facts, cancelled, erased, client_id,
            attributed_at, attribution_event_id, original_transaction_id)
          SELECT * FROM unnest($1::uuid[], $2::jsonb[], $3::boolean[], $4::boolean[], $5::text[],
            $6::timestamptz[], $7::uuid[], $8::uuid[])`,
    params: [
      c.map((r) => r.transactionId),
      c.map((r) => (r.facts === null ? null : JSON.stringify(r.facts))),
      c.map((r) => r.cancelled),
      c.map((r) => r.erased),
      c.map((r) => r.clientId),
      c.map((r) => r.attributedAt),
      c.map((r) => r.attributionEventId),
      c.map((r) => r.originalTransactionId),
    ],
  }));
  const owned = [...model.summaries].flatMap(([client, summary]) =>
    [...summary.items.values()].map((item) => ({ client, item })),
  );
  await insertChunks(tx, owned, (c) => ({
    sql: `INSERT INTO ${s}.client_items (client_id, sku, item)
          SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])`,
    params: [
      c.map((o) => o.client),
      c.map((o) => o.item.sku),
      c.map((o) => JSON.stringify({ ...o.item, weight: o.item.weight.toString() })),
    ],
  }));
  const returns = [...model.summaries].flatMap(([client, summary]) =>
    [...summary.returned].map((sku) => ({ client, sku })),
  );
  await insertChunks(tx, returns, (c) => ({
    sql: `INSERT INTO ${s}.client_returns (client_id, sku) SELECT * FROM unnest($1::text[], $2::text[])`,
    params: [c.map((r) => r.client), c.map((r) => r.sku)],
  }));
  const entries = (m: Map<string, bigint>) =>
    [...m].filter(([, v]) => v !== 0n).map(([k, v]) => ({ parts: k.split(SEP), value: String(v) }));
  const part = (c: readonly { parts: string[] }[], i: number) => c.map((e) => e.parts[i] ?? '');
  await insertChunks(tx, entries(model.delta.norms), (c) => ({
    sql: `INSERT INTO ${s}.item_norms (sku, value) SELECT * FROM unnest($1::text[], $2::numeric[])`,
    params: [part(c, 0), c.map((e) => e.value)],
  }));
  await insertChunks(tx, entries(model.delta.pairs), (c) => ({
    sql: `INSERT INTO ${s}.co_pairs (sku_a, sku_b, value) SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[])`,
    params: [part(c, 0), part(c, 1), c.map((e) => e.value)],
  }));
  await insertChunks(tx, entries(model.delta.ladder), (c) => ({
    sql: `INSERT INTO ${s}.ladder_steps (category, from_rung, to_rung, clients)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[])`,
    params: [part(c, 0), part(c, 1), part(c, 2), c.map((e) => e.value)],
  }));
  await insertChunks(tx, entries(model.delta.popularity), (c) => ({
    sql: `INSERT INTO ${s}.popularity (scope, sku, value) SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[])`,
    params: [part(c, 0), part(c, 1), c.map((e) => e.value)],
  }));
  const prices = [...model.delta.priceCount]
    .filter(([, units]) => units !== 0n)
    .map(([k, units]) => ({
      parts: k.split(SEP),
      units: String(units),
      sum: String(model.delta.priceSum.get(k) ?? 0n),
    }));
  await insertChunks(tx, prices, (c) => ({
    sql: `INSERT INTO ${s}.item_prices (sku, currency, sum_minor, units)
          SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[])`,
    params: [part(c, 0), part(c, 1), c.map((p) => p.sum), c.map((p) => p.units)],
  }));
  await insertChunks(tx, [...model.items.values()], (c) => ({
    sql: `INSERT INTO ${s}.items (sku, product_id, name, category, rung, category_path, collection, seen_at, seen_tx)
          SELECT u.sku, u.product_id, u.name, u.category, u.rung,
                 ARRAY(SELECT jsonb_array_elements_text(u.path)), u.collection, u.seen_at, u.seen_tx
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[],
                        $8::timestamptz[], $9::uuid[])
                 AS u(sku, product_id, name, category, rung, path, collection, seen_at, seen_tx)`,
    params: [
      c.map((i) => i.line.sku),
      c.map((i) => i.line.productId),
      c.map((i) => i.line.name),
      c.map((i) => categoryOf(i.line.categoryPath)),
      c.map((i) => rungOf(i.line.categoryPath)),
      c.map((i) => JSON.stringify(i.line.categoryPath)),
      c.map((i) => i.line.collection),
      c.map((i) => i.atIso),
      c.map((i) => i.tx),
    ],
  }));
  await insertChunks(tx, [...model.consents], (c) => ({
    sql: `INSERT INTO ${s}.consents (client_id, state, evidence, occurred_at, recorded_at, expires_at, event_id)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                               $6::timestamptz[], $7::uuid[])`,
    params: [
      c.map(([id]) => id),
      c.map(([, x]) => x.state),
      c.map(([, x]) => x.evidence),
      c.map(([, x]) => x.occurredAt),
      c.map(([, x]) => x.recordedAt),
      c.map(([, x]) => x.expiresAt),
      c.map(([, x]) => x.eventId),
    ],
  }));
  await insertChunks(tx, [...model.profiles], (c) => ({
    sql: `INSERT INTO ${s}.profiles (client_id, home_region, home_store_id)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    params: [c.map(([id]) => id), c.map(([, p]) => p.homeRegion), c.map(([, p]) => p.homeStoreId)],
  }));
  const book = [...model.book].flatMap(([client, entries]) =>
    [...entries].map(([associate, store]) => ({ client, associate, store })),
  );
  await insertChunks(tx, book, (c) => ({
    sql: `INSERT INTO ${s}.client_book (client_id, associate_id, store_id)
          SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
    params: [c.map((b) => b.client), c.map((b) => b.associate), c.map((b) => b.store)],
  }));
  await insertChunks(tx, [...model.erased], (c) => ({
    sql: `INSERT INTO ${s}.erased_clients (client_id, request_id) SELECT * FROM unnest($1::text[], $2::uuid[])`,
    params: [c.map(([id]) => id), c.map(([, request]) => request)],
  }));
  for (const e of identity) await directory.apply(tx, e);
  if (model.erased.size > 0) await directory.forget(tx, [...model.erased.keys()]);
  await insertChunks(tx, markers, (c) => ({
    sql: `INSERT INTO ${s}.processed_events (consumer, event_id)
          SELECT * FROM unnest($1::text[], $2::uuid[]) ON CONFLICT DO NOTHING`,
    params: [c.map((m) => m.consumer), c.map((m) => m.eventId)],
  }));
}
