import type { ResourceScope } from '@maison/auth';
import type { ClientDirectory } from '@maison/client-directory';
import { REGIONS, type Region } from '@maison/event-contracts';
import { quoteIdent, type SqlQueryable } from '@maison/sql';
import { proposable, type CatalogueItem } from '../catalogue/catalogue.parser.js';
import type { ClientSummary } from '../engine/client-summary.js';
import type { ProfilingConsent } from '../engine/personalisation.js';
import type {
  BestSellerList,
  ItemInfo,
  LadderStep,
  Neighbour,
  Seller,
} from '../engine/recommend.js';
import { loadSummaries } from './model.projection.js';

/** Everything the ranking needs about one client, read in a handful of indexed queries. */
export interface ClientView {
  /** The id asked for, resolved to the survivor of merges, then every id that resolves to it. */
  readonly clientId: string;
  readonly ids: readonly string[];
  readonly homeRegion: Region | null;
  readonly homeStoreId: string | null;
  readonly scope: ResourceScope;
  readonly consents: readonly ProfilingConsent[];
  readonly erased: boolean;
  /** The pieces and returns of every id that resolves to the client. */
  readonly summary: ClientSummary;
  /** The model's generation and whether a catalogue feed is configured. */
  readonly generation: number;
  readonly catalogueConfigured: boolean;
}

const NEIGHBOURS_PER_ANCHOR = 50;
const POOL_PER_GROUP = 30;
const BEST_SELLERS = 60;

interface ItemRecord {
  sku: string;
  product_id: string | null;
  name: string;
  category_path: string[];
  collection: string | null;
  prices: Record<string, number> | null;
}

const isRegion = (r: string | null): r is Region =>
  r !== null && (REGIONS as readonly string[]).includes(r);

export class RecommendationsQueries {
  readonly #s: string;
  readonly #directory: ClientDirectory;

  constructor(schema: string, directory: ClientDirectory) {
    this.#s = quoteIdent(schema);
    this.#directory = directory;
  }

  async client(q: SqlQueryable, requested: string): Promise<ClientView> {
    const s = this.#s;
    const clientId = await this.#directory.canonical(q, requested);
    const ids = [
      ...new Set([clientId, requested, ...(await this.#directory.aliasesOf(q, clientId))]),
    ];
    const [profiles, book, stores, consents, erased, summary, meta] = await Promise.all([
      q.query<{ client_id: string; home_region: string | null; home_store_id: string | null }>(
        `SELECT client_id, home_region, home_store_id FROM ${s}.profiles WHERE client_id = ANY($1::text[])`,
        [ids],
      ),
      q.query<{ associate_id: string; store_id: string }>(
        `SELECT associate_id, store_id FROM ${s}.client_book WHERE client_id = ANY($1::text[])`,
        [ids],
      ),
      q.query<{ store_id: string | null; region: string | null; at: Date }>(
        `SELECT facts->>'storeId' AS store_id, facts->>'region' AS region,
                max((facts->>'occurredAt')::timestamptz) AS at
           FROM ${s}.transactions
          WHERE client_id = ANY($1::text[]) AND facts IS NOT NULL
          GROUP BY 1, 2 ORDER BY at DESC LIMIT 50`,
        [ids],
      ),
      q.query<{
        state: string;
        evidence: string;
        occurred_at: Date;
        recorded_at: Date;
        expires_at: Date | null;
        event_id: string;
      }>(`SELECT * FROM ${s}.consents WHERE client_id = ANY($1::text[])`, [ids]),
      q.query(`SELECT 1 FROM ${s}.erased_clients WHERE client_id = ANY($1::text[])`, [ids]),
      loadSummaries(q, s, ids),
      q.query<{ generation: number; catalogue_configured: boolean }>(
        `SELECT generation, catalogue_configured FROM ${s}.model_meta WHERE id = 1`,
      ),
    ]);
    const profile = profiles.find((p) => p.client_id === clientId) ?? profiles[0];
    const homeRegion = profile?.home_region ?? null;
    const homeStoreId = profile?.home_store_id ?? null;
    const storeIds = [
      ...new Set([
        ...(homeStoreId ? [homeStoreId] : []),
        ...book.map((b) => b.store_id),
        ...stores.flatMap((t) => (t.store_id ? [t.store_id] : [])),
      ]),
    ].sort();
    // The client's residence: its home region, else where it bought last.
    const region = isRegion(homeRegion)
      ? homeRegion
      : (stores.map((t) => t.region).find(isRegion) ?? null);
    const scope: ResourceScope = {
      ...(region ? { region } : {}),
      ...(storeIds.length > 0 ? { storeIds } : {}),
      ...(book.length > 0
        ? { associateIds: [...new Set(book.map((b) => b.associate_id))].sort() }
        : {}),
    };
    return {
      clientId,
      ids,
      homeRegion: region,
      homeStoreId,
      scope,
      erased: erased.length > 0,
      summary,
      generation: meta[0]?.generation ?? 1,
      catalogueConfigured: meta[0]?.catalogue_configured ?? false,
      consents: consents.map((c) => ({
        state: c.state,
        evidence: c.evidence,
        occurredAt: new Date(c.occurred_at).toISOString(),
        recordedAt: new Date(c.recorded_at).toISOString(),
        expiresAt: c.expires_at === null ? null : new Date(c.expires_at).toISOString(),
        eventId: c.event_id,
      })),
    };
  }

  /** The most similar items of each anchor, by cosine over the co-purchase matrix. */
  async neighbours(q: SqlQueryable, anchors: readonly string[]): Promise<Neighbour[]> {
    if (anchors.length === 0) return [];
    const s = this.#s;
    const rows = await q.query<{ anchor: string; sku: string; cosine: number }>(
      `SELECT a.sku AS anchor, n.sku, n.cosine
         FROM ${s}.item_norms a
         CROSS JOIN LATERAL (
           SELECT p.sku_b AS sku,
                  p.value::float8 / sqrt(a.value::float8 * nb.value::float8) AS cosine
             FROM ${s}.co_pairs p JOIN ${s}.item_norms nb ON nb.sku = p.sku_b
            WHERE p.sku_a = a.sku AND p.value > 0
            ORDER BY cosine DESC, p.sku_b
            LIMIT ${String(NEIGHBOURS_PER_ANCHOR)}) n
        WHERE a.sku = ANY($1::text[])`,
      [[...anchors]],
    );
    return rows.map((r) => ({ anchor: r.anchor, sku: r.sku, cosine: r.cosine }));
  }

  async ladder(q: SqlQueryable, categories: readonly string[]): Promise<LadderStep[]> {
    if (categories.length === 0) return [];
    const rows = await q.query<{
      category: string;
      from_rung: string;
      to_rung: string;
      clients: string;
    }>(
      `SELECT category, from_rung, to_rung, clients::text FROM ${this.#s}.ladder_steps
        WHERE category = ANY($1::text[]) AND clients > 0`,
      [[...categories]],
    );
    return rows.map((r) => ({
      category: r.category,
      fromRung: r.from_rung,
      toRung: r.to_rung,
      clients: Number(r.clients),
    }));
  }

  /** Best sellers (in the scope, else everywhere) of the given categories and collections. */
  async pool(
    q: SqlQueryable,
    scope: string,
    categories: readonly string[],
    collections: readonly string[],
  ): Promise<Seller[]> {
    if (categories.length === 0 && collections.length === 0) return [];
    const rows = await q.query<{ sku: string; value: string }>(
      `WITH ranked AS (
         SELECT p.sku, p.value, i.category, i.collection,
                row_number() OVER (PARTITION BY i.category ORDER BY p.value DESC, p.sku) AS by_category,
                row_number() OVER (PARTITION BY i.collection ORDER BY p.value DESC, p.sku) AS by_collection
           FROM ${this.#s}.popularity p JOIN ${this.#s}.items i ON i.sku = p.sku
          WHERE p.scope = $1 AND p.value > 0
            AND (i.category = ANY($2::text[]) OR i.collection = ANY($3::text[])))
       SELECT sku, value::text FROM ranked
        WHERE (category = ANY($2::text[]) AND by_category <= $4)
           OR (collection = ANY($3::text[]) AND by_collection <= $4)
        ORDER BY sku`,
      [scope, [...categories], [...collections], POOL_PER_GROUP],
    );
    return rows.map((r) => ({ sku: r.sku, value: Number(r.value) }));
  }

  async bestSellers(q: SqlQueryable, scopes: readonly string[]): Promise<BestSellerList[]> {
    if (scopes.length === 0) return [];
    const rows = await q.query<{ scope: string; sku: string; value: string }>(
      `SELECT scope, sku, value::text FROM (
         SELECT scope, sku, value,
                row_number() OVER (PARTITION BY scope ORDER BY value DESC, sku) AS n
           FROM ${this.#s}.popularity WHERE scope = ANY($1::text[]) AND value > 0) r
        WHERE n <= $2 ORDER BY scope, n`,
      [[...scopes], BEST_SELLERS],
    );
    return scopes.map((scope) => ({
      scope,
      sellers: rows
        .filter((r) => r.scope === scope)
        .map((r) => ({ sku: r.sku, value: Number(r.value) })),
    }));
  }

  async items(q: SqlQueryable, skus: readonly string[]): Promise<Map<string, ItemInfo>> {
    if (skus.length === 0) return new Map();
    const rows = await q.query<ItemRecord>(
      `SELECT i.sku, i.product_id, i.name, i.category_path, i.collection,
              (SELECT jsonb_object_agg(p.currency, round(p.sum_minor / p.units))
                 FROM ${this.#s}.item_prices p WHERE p.sku = i.sku AND p.units > 0) AS prices
         FROM ${this.#s}.items i WHERE i.sku = ANY($1::text[])`,
      [[...new Set(skus)]],
    );
    return new Map(
      rows.map((r) => [
        r.sku,
        {
          sku: r.sku,
          productId: r.product_id,
          name: r.name,
          categoryPath: r.category_path,
          collection: r.collection,
          prices: Object.fromEntries(Object.entries(r.prices ?? {})),
        },
      ]),
    );
  }

  /** The catalogue filter: undefined when no feed is configured (everything is available). */
  async availability(
    q: SqlQueryable,
    skus: readonly string[],
    region: string | null,
    configured: boolean,
  ): Promise<((sku: string) => boolean) | undefined> {
    if (!configured) return undefined;
    const rows = await q.query<{
      sku: string;
      available: boolean;
      regions: string[] | null;
      stock: number | null;
    }>(
      `SELECT sku, available, regions, stock FROM ${this.#s}.catalogue WHERE sku = ANY($1::text[])`,
      [[...new Set(skus)]],
    );
    const feed = new Map<string, CatalogueItem>(
      rows.map((r) => [
        r.sku,
        {
          sku: r.sku,
          available: r.available,
          ...(r.regions ? { regions: r.regions as CatalogueItem['regions'] & string[] } : {}),
          ...(r.stock === null ? {} : { stock: r.stock }),
        },
      ]),
    );
    return (sku) => proposable(feed.get(sku), region);
  }
}
