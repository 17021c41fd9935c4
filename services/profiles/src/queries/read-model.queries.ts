import type { ResourceScope, ScopeFilter } from '@maison/auth';
import type { Region } from '@maison/event-contracts';
import { ValidationError } from '@maison/service-kit';
import type { SqlQueryable } from '@maison/sql';
import type { StoreInfo } from '../config.js';
import type { ProfileDocument } from '../projections/profile-document.js';
import { likePrefix, queryTerms } from '../text/name-search.js';

export interface ProfileRow {
  readonly client_id: string;
  readonly fields: ProfileDocument;
  readonly display_name: string | null;
  readonly home_region: string | null;
  readonly home_store_id: string | null;
  readonly time_zone: string | null;
  readonly updated_at: string;
}

export interface AssignmentRow {
  readonly client_id: string;
  readonly associate_id: string;
  readonly role: 'primary' | 'secondary';
  readonly store_id: string;
  readonly since: string;
  readonly assigned_by: string;
  readonly policy_id: string | null;
  readonly policy_version: string | null;
}

export interface BookStoreRow {
  readonly store_id: string;
  readonly since: string;
  readonly added_by: string;
}

export interface HistoryRow {
  readonly event_id: string;
  readonly at: string;
  readonly type: string;
  readonly role: string | null;
  readonly associate_id: string | null;
  readonly store_id: string | null;
  readonly previous_associate_id: string | null;
  readonly by_actor: string;
  readonly policy_id: string | null;
  readonly policy_version: string | null;
  readonly reason: string | null;
  readonly reassignment_id: string | null;
}

export interface NoteRow {
  readonly note_id: string;
  readonly client_id: string;
  readonly author_id: string;
  readonly store_id: string | null;
  readonly visibility: 'private' | 'store' | 'brand';
  readonly text: string;
  readonly created_at: string;
}

export interface ReassignmentRow {
  readonly reassignment_id: string;
  readonly from_associate_id: string;
  readonly to_associate_id: string;
  readonly to_store_id: string;
  readonly requested_by: string;
  readonly requested_at: string;
  readonly status: 'pending' | 'running' | 'completed';
  readonly total: number | null;
  readonly moved: number;
  readonly skipped: number;
  readonly completed_at: string | null;
  readonly roles: string[];
  readonly reason: string;
  readonly scope: unknown;
  readonly request_position: string;
}

const PROFILE_COLUMNS =
  'p.client_id, p.fields, p.display_name, p.home_region, p.home_store_id, p.time_zone, p.updated_at';

/** Builds parameterised WHERE fragments: one place for the scope rules of every query. */
export class Sql {
  readonly params: unknown[] = [];
  readonly #s: string;

  constructor(quotedSchema: string) {
    this.#s = quotedSchema;
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${String(this.params.length)}`;
  }

  /** The stores a client belongs to besides its book's associates (see `clientScope`). */
  #storesOf(stores: string): string {
    const s = this.#s;
    return `(p.home_store_id = ANY(${stores})
      OR EXISTS (SELECT 1 FROM ${s}.book_assignments b WHERE b.client_id = p.client_id AND b.store_id = ANY(${stores}))
      OR EXISTS (SELECT 1 FROM ${s}.book_stores bs WHERE bs.client_id = p.client_id AND bs.store_id = ANY(${stores}))
      OR EXISTS (SELECT 1 FROM ${s}.client_stores cs WHERE cs.client_id = p.client_id AND cs.store_id = ANY(${stores}))
      OR EXISTS (SELECT 1 FROM ${s}.purchases t WHERE t.client_id = p.client_id AND t.store_id = ANY(${stores})))`;
  }

  /** `@maison/auth`'s scope filter as SQL over `p` (profiles): the same rule as `clientScope` + matchesScope. */
  scope(filter: ScopeFilter, defaultRegion: Region): string {
    switch (filter.kind) {
      case 'all':
        return 'TRUE';
      case 'none':
        return 'FALSE';
      case 'book_or_store': {
        const me = this.param(filter.associateId);
        const stores = this.param([...filter.storeIds]);
        return `(EXISTS (SELECT 1 FROM ${this.#s}.book_assignments b WHERE b.client_id = p.client_id AND b.associate_id = ${me})
          OR ${this.#storesOf(stores)})`;
      }
      case 'stores':
        return this.#storesOf(this.param([...filter.storeIds]));
      case 'region':
        return `COALESCE(p.home_region, ${this.param(defaultRegion)}) = ${this.param(filter.region)}`;
      default: {
        const unreachable: never = filter;
        return unreachable;
      }
    }
  }

  /** A client book: the associate's own, a store's, a region's. */
  book(filter: ScopeFilter, defaultRegion: Region): string {
    switch (filter.kind) {
      case 'book_or_store':
        return `EXISTS (SELECT 1 FROM ${this.#s}.book_assignments b WHERE b.client_id = p.client_id AND b.associate_id = ${this.param(filter.associateId)})`;
      case 'stores': {
        const stores = this.param([...filter.storeIds]);
        return `(EXISTS (SELECT 1 FROM ${this.#s}.book_assignments b WHERE b.client_id = p.client_id AND b.store_id = ANY(${stores}))
          OR EXISTS (SELECT 1 FROM ${this.#s}.book_stores bs WHERE bs.client_id = p.client_id AND bs.store_id = ANY(${stores})))`;
      }
      case 'all':
      case 'none':
      case 'region':
        return this.scope(filter, defaultRegion);
      default: {
        const unreachable: never = filter;
        return unreachable;
      }
    }
  }

  /** Merged-away ids are shown through their survivor only. */
  notAlias(): string {
    return `NOT EXISTS (SELECT 1 FROM ${this.#s}.directory_aliases a WHERE a.client_id = p.client_id)`;
  }

  /** Every search term must be the prefix of one of the client's name tokens. */
  search(query: string | undefined): string {
    if (query === undefined) return 'TRUE';
    const terms = queryTerms(query);
    if (terms.length === 0)
      throw new ValidationError('The search has no letters to look for.', [
        { pointer: '/search', detail: 'is empty' },
      ]);
    return terms
      .map(
        (t) =>
          `EXISTS (SELECT 1 FROM ${this.#s}.search_tokens st WHERE st.client_id = p.client_id AND st.token LIKE ${this.param(likePrefix(t))})`,
      )
      .join(' AND ');
  }
}

export interface Page<T> {
  readonly rows: readonly T[];
  readonly hasNextPage: boolean;
}

export const encodeCursor = (clientId: string): string =>
  Buffer.from(clientId, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id.length === 0 || id.length > 200 || encodeCursor(id) !== cursor)
    throw new ValidationError('The cursor is not valid.', [
      { pointer: '/after', detail: 'is not a cursor of this list' },
    ]);
  return id;
}

export function checkFirst(first: number, max = 100, pointer = '/first'): number {
  if (!Number.isInteger(first) || first < 1 || first > max)
    throw new ValidationError(`Ask for 1 to ${String(max)} items.`, [
      { pointer, detail: `must be an integer from 1 to ${String(max)}` },
    ]);
  return first;
}

/** Read-model queries. Every list is filtered by the caller's scope in SQL. */
export class ReadModelQueries {
  readonly #s: string;
  readonly #region: Region;
  readonly #stores: Readonly<Record<string, StoreInfo>>;

  constructor(quotedSchema: string, region: Region, stores: Readonly<Record<string, StoreInfo>>) {
    this.#s = quotedSchema;
    this.#region = region;
    this.#stores = stores;
  }

  sql(): Sql {
    return new Sql(this.#s);
  }

  get defaultRegion(): Region {
    return this.#region;
  }

  storeRegion(storeId: string): Region | undefined {
    return this.#stores[storeId]?.region;
  }

  async profile(q: SqlQueryable, clientId: string): Promise<ProfileRow | undefined> {
    const rows = await q.query<ProfileRow>(
      `SELECT ${PROFILE_COLUMNS} FROM ${this.#s}.profiles p WHERE p.client_id = $1`,
      [clientId],
    );
    return rows[0];
  }

  /**
   * Where a client belongs, for `@maison/auth`: its home region (else the home store's, else this
   * deployment's), the associates of its book, and its stores — home store, book stores, stores
   * where its records were captured or it bought. `exists` is false for a client profiles never heard of.
   */
  async clientScope(
    q: SqlQueryable,
    clientId: string,
  ): Promise<ResourceScope & { readonly exists: boolean }> {
    const [scope] = await this.clientScopes(q, [clientId]);
    return scope ?? { exists: false, region: this.#region, storeIds: [], associateIds: [] };
  }

  /** `clientScope` of several clients in one query (a page of a list), in the order given. */
  async clientScopes(
    q: SqlQueryable,
    clientIds: readonly string[],
  ): Promise<(ResourceScope & { readonly exists: boolean })[]> {
    const s = this.#s;
    const rows = await q.query<{
      id: string;
      home_region: string | null;
      home_store_id: string | null;
      exists: boolean;
      associates: string[];
      stores: string[];
    }>(
      `SELECT c.id, p.home_region, p.home_store_id, p.client_id IS NOT NULL AS exists,
         ARRAY(SELECT associate_id FROM ${s}.book_assignments WHERE client_id = c.id) AS associates,
         ARRAY(SELECT store_id FROM ${s}.book_assignments WHERE client_id = c.id
               UNION SELECT store_id FROM ${s}.book_stores WHERE client_id = c.id
               UNION SELECT store_id FROM ${s}.client_stores WHERE client_id = c.id
               UNION SELECT store_id FROM ${s}.purchases WHERE client_id = c.id AND store_id IS NOT NULL) AS stores
       FROM unnest($1::text[]) AS c(id) LEFT JOIN ${s}.profiles p ON p.client_id = c.id`,
      [[...clientIds]],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return clientIds.map((id) => {
      const row = byId.get(id);
      const stores = new Set(row?.stores ?? []);
      if (row?.home_store_id) stores.add(row.home_store_id);
      return {
        exists: row?.exists === true,
        region: (row?.home_region as Region | null) ?? this.#region,
        storeIds: [...stores],
        associateIds: row?.associates ?? [],
      };
    });
  }

  async listClients(
    q: SqlQueryable,
    build: (sql: Sql) => string,
    options: { first: number; after?: string | undefined; search?: string | undefined },
  ): Promise<Page<ProfileRow>> {
    const sql = this.sql();
    const where = [build(sql), sql.notAlias(), sql.search(options.search)];
    if (options.after !== undefined) {
      const id = decodeCursor(options.after);
      const exists = await q.query(`SELECT 1 FROM ${this.#s}.profiles WHERE client_id = $1`, [id]);
      if (exists.length === 0)
        throw new ValidationError('The cursor is no longer valid.', [
          { pointer: '/after', detail: 'points at a client no longer listed' },
        ]);
      const p = sql.param(id);
      where.push(
        `(p.sort_key, p.client_id) > (SELECT c.sort_key, c.client_id FROM ${this.#s}.profiles c WHERE c.client_id = ${p})`,
      );
    }
    const limit = sql.param(options.first + 1);
    const rows = await q.query<ProfileRow>(
      `SELECT ${PROFILE_COLUMNS} FROM ${this.#s}.profiles p WHERE ${where.join(' AND ')}
        ORDER BY p.sort_key, p.client_id LIMIT ${limit}`,
      sql.params,
    );
    return { rows: rows.slice(0, options.first), hasNextPage: rows.length > options.first };
  }

  async countBook(q: SqlQueryable, associateId: string): Promise<number> {
    const rows = await q.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.#s}.book_assignments WHERE associate_id = $1`,
      [associateId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async assignments(q: SqlQueryable, clientId: string): Promise<AssignmentRow[]> {
    return q.query<AssignmentRow>(
      `SELECT client_id, associate_id, role, store_id, since, assigned_by, policy_id, policy_version
         FROM ${this.#s}.book_assignments WHERE client_id = $1 ORDER BY role, since, associate_id`,
      [clientId],
    );
  }

  async bookStores(q: SqlQueryable, clientId: string): Promise<BookStoreRow[]> {
    return q.query<BookStoreRow>(
      `SELECT store_id, since, added_by FROM ${this.#s}.book_stores WHERE client_id = $1 ORDER BY since, store_id`,
      [clientId],
    );
  }

  async history(q: SqlQueryable, clientId: string, first: number): Promise<HistoryRow[]> {
    return q.query<HistoryRow>(
      `SELECT event_id::text AS event_id, at, type, role, associate_id, store_id, previous_associate_id, by_actor,
              policy_id, policy_version, reason, reassignment_id::text AS reassignment_id
         FROM ${this.#s}.book_history WHERE client_id = $1 ORDER BY ord DESC LIMIT $2`,
      [clientId, first],
    );
  }

  async historyOfReassignment(q: SqlQueryable, reassignmentId: string): Promise<number> {
    const rows = await q.query<{ n: string }>(
      `SELECT count(DISTINCT client_id)::text AS n FROM ${this.#s}.book_history WHERE reassignment_id = $1`,
      [reassignmentId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async notes(q: SqlQueryable, clientIds: readonly string[]): Promise<NoteRow[]> {
    return q.query<NoteRow>(
      `SELECT note_id::text AS note_id, client_id, author_id, store_id, visibility, text, created_at
         FROM ${this.#s}.notes WHERE client_id = ANY($1::text[]) ORDER BY created_ts DESC, note_id`,
      [[...clientIds]],
    );
  }

  async occasionCandidates(
    q: SqlQueryable,
    build: (sql: Sql) => string,
    dayKeys: readonly number[] | undefined,
  ): Promise<
    {
      client_id: string;
      kind: 'birthday' | 'anniversary' | 'custom';
      label: string | null;
      month: number;
      day: number;
      year: number | null;
      time_zone: string | null;
      home_region: string | null;
    }[]
  > {
    const sql = this.sql();
    const where = [build(sql), sql.notAlias()];
    if (dayKeys !== undefined)
      where.push(`(o.month * 100 + o.day) = ANY(${sql.param([...dayKeys])}::int[])`);
    return q.query(
      `SELECT o.client_id, o.kind, o.label, o.month, o.day, o.year, p.time_zone, p.home_region
         FROM ${this.#s}.occasions o JOIN ${this.#s}.profiles p ON p.client_id = o.client_id
        WHERE ${where.join(' AND ')} LIMIT 5000`,
      sql.params,
    );
  }

  async lapsed(
    q: SqlQueryable,
    build: (sql: Sql) => string,
    cutoff: string,
    first: number,
  ): Promise<{ client_id: string; last_purchase_at: string; last_store_id: string | null }[]> {
    const sql = this.sql();
    const where = [build(sql), sql.notAlias()];
    const c = sql.param(cutoff);
    return q.query(
      `SELECT p.client_id, last.occurred_at AS last_purchase_at, last.store_id AS last_store_id
         FROM ${this.#s}.profiles p
         JOIN LATERAL (SELECT t.occurred_at, t.occurred_ts, t.store_id FROM ${this.#s}.purchases t
                        WHERE t.client_id = p.client_id AND t.kind = 'sale' ORDER BY t.occurred_ts DESC LIMIT 1) last ON TRUE
        WHERE ${where.join(' AND ')} AND last.occurred_ts < ${c}::timestamptz
        ORDER BY last.occurred_ts DESC, p.client_id LIMIT ${sql.param(first)}`,
      sql.params,
    );
  }

  /**
   * Purchases since `since` whose region differs from the client's home region, at the given
   * stores (or in the given region, or anywhere): the latest visit per client.
   */
  async visiting(
    q: SqlQueryable,
    build: (sql: Sql) => string,
    where: { stores?: readonly string[]; region?: Region },
    since: string,
    first: number,
  ): Promise<
    {
      client_id: string;
      home_region: string;
      region: string;
      store_id: string | null;
      occurred_at: string;
    }[]
  > {
    const sql = this.sql();
    const conditions = [build(sql), sql.notAlias()];
    const home = `COALESCE(p.home_region, ${sql.param(this.#region)})`;
    const filters = [`t.occurred_ts >= ${sql.param(since)}::timestamptz`, `t.region <> ${home}`];
    if (where.stores) filters.push(`t.store_id = ANY(${sql.param([...where.stores])})`);
    if (where.region) filters.push(`t.region = ${sql.param(where.region)}`);
    return q.query(
      `SELECT p.client_id, ${home} AS home_region, v.region, v.store_id, v.occurred_at
         FROM ${this.#s}.profiles p
         JOIN LATERAL (SELECT t.region, t.store_id, t.occurred_at, t.occurred_ts FROM ${this.#s}.purchases t
                        WHERE t.client_id = p.client_id AND ${filters.join(' AND ')}
                        ORDER BY t.occurred_ts DESC LIMIT 1) v ON TRUE
        WHERE ${conditions.join(' AND ')}
        ORDER BY v.occurred_ts DESC, p.client_id LIMIT ${sql.param(first)}`,
      sql.params,
    );
  }

  async reassignment(q: SqlQueryable, id: string): Promise<ReassignmentRow | undefined> {
    const rows = await q.query<ReassignmentRow>(
      `SELECT reassignment_id::text AS reassignment_id, from_associate_id, to_associate_id, to_store_id, requested_by,
              requested_at, status, total, moved, skipped, completed_at, roles, reason, scope, request_position
         FROM ${this.#s}.reassignments WHERE reassignment_id = $1`,
      [id],
    );
    return rows[0];
  }
}
