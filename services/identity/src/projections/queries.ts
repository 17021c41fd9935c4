import type { ResourceScope } from '@maison/auth';
import { REGIONS, type EventEnvelope, type Region } from '@maison/event-contracts';
import type { Privacy } from '@maison/privacy';
import { quoteIdent, type SqlQueryable } from '@maison/sql';

/** An identifier row as the read model keeps it: value and mask still encrypted. */
export interface IdentifierRow {
  readonly index: string;
  readonly type: string;
  readonly scope: string | null;
  /** The member of the cluster holding it directly. */
  readonly holder: string;
  readonly linkedAt: string;
  readonly rule: { readonly id: string; readonly version: string };
  readonly eventId: string;
  readonly subjectId: string;
  readonly sealed: { readonly value: unknown; readonly masked: unknown };
}

export interface DecisionRow {
  readonly eventId: string;
  readonly clientId: string;
  readonly kind: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly rule: { readonly id: string; readonly version: string } | null;
  readonly actor: string | null;
  readonly explanation: string;
  readonly details: Record<string, unknown>;
}

/** A client as lookups see it: the survivor, with everything merged into it. */
export interface ClientView {
  readonly id: string;
  readonly homeRegion: string | null;
  readonly registeredAt: string;
  /** The survivor itself and every id merged into it, directly or not. */
  readonly members: readonly string[];
  readonly identifiers: readonly IdentifierRow[];
  readonly storeIds: readonly string[];
  readonly associateIds: readonly string[];
}

export interface MergeRow {
  readonly mergeId: string;
  readonly survivorId: string;
  readonly mergedId: string;
  readonly mergedAt: string;
  readonly unmergedAt: string | null;
}

const MAX_DEPTH = 64;

/** Read-side queries over identity's read models. */
export class IdentityQueries {
  readonly #s: string;
  readonly #db: SqlQueryable;

  constructor(db: SqlQueryable, schema: string) {
    this.#db = db;
    this.#s = quoteIdent(schema);
  }

  /** The survivor an id resolves to (itself when not merged); null for an unknown id. */
  async rootOf(clientId: string): Promise<string | null> {
    const rows = await this.#db.query<{ client_id: string }>(
      `WITH RECURSIVE chain (client_id, merged_into, depth) AS (
         SELECT client_id, merged_into, 0 FROM ${this.#s}.clients WHERE client_id = $1
         UNION ALL
         SELECT c.client_id, c.merged_into, chain.depth + 1 FROM ${this.#s}.clients c
           JOIN chain ON c.client_id = chain.merged_into WHERE chain.depth < ${String(MAX_DEPTH)}
       ) SELECT client_id FROM chain WHERE merged_into IS NULL LIMIT 1`,
      [clientId],
    );
    return rows[0]?.client_id ?? null;
  }

  /** The id itself and every client above it in the merge chain. */
  async ancestors(clientId: string): Promise<string[]> {
    const rows = await this.#db.query<{ client_id: string }>(
      `WITH RECURSIVE chain (client_id, merged_into, depth) AS (
         SELECT client_id, merged_into, 0 FROM ${this.#s}.clients WHERE client_id = $1
         UNION ALL
         SELECT c.client_id, c.merged_into, chain.depth + 1 FROM ${this.#s}.clients c
           JOIN chain ON c.client_id = chain.merged_into WHERE chain.depth < ${String(MAX_DEPTH)}
       ) SELECT client_id FROM chain`,
      [clientId],
    );
    return rows.map((r) => r.client_id);
  }

  /** Every client above any of these (themselves included), in one query. */
  async ancestorsOf(clientIds: readonly string[]): Promise<string[]> {
    if (clientIds.length === 0) return [];
    const rows = await this.#db.query<{ client_id: string }>(
      `WITH RECURSIVE chain (client_id, merged_into, depth) AS (
         SELECT client_id, merged_into, 0 FROM ${this.#s}.clients WHERE client_id = ANY($1::text[])
         UNION ALL
         SELECT c.client_id, c.merged_into, chain.depth + 1 FROM ${this.#s}.clients c
           JOIN chain ON c.client_id = chain.merged_into WHERE chain.depth < ${String(MAX_DEPTH)}
       ) SELECT DISTINCT client_id FROM chain`,
      [[...clientIds]],
    );
    return rows.map((r) => r.client_id);
  }

  /** The client an id was merged into directly, if any. */
  async parentOf(clientId: string): Promise<string | null> {
    const rows = await this.#db.query<{ merged_into: string | null }>(
      `SELECT merged_into FROM ${this.#s}.clients WHERE client_id = $1`,
      [clientId],
    );
    return rows[0]?.merged_into ?? null;
  }

  async members(root: string): Promise<string[]> {
    const rows = await this.#db.query<{ client_id: string }>(
      `WITH RECURSIVE tree (client_id, depth) AS (
         SELECT client_id, 0 FROM ${this.#s}.clients WHERE client_id = $1
         UNION ALL
         SELECT c.client_id, tree.depth + 1 FROM ${this.#s}.clients c
           JOIN tree ON c.merged_into = tree.client_id WHERE tree.depth < ${String(MAX_DEPTH)}
       ) SELECT client_id FROM tree`,
      [root],
    );
    return rows.map((r) => r.client_id);
  }

  /** The client an identifier index belongs to (the survivor), if any. */
  async clientByIndex(index: string): Promise<string | null> {
    const rows = await this.#db.query<{ client_id: string }>(
      `SELECT client_id FROM ${this.#s}.identifiers WHERE identifier_index = $1`,
      [index],
    );
    const holder = rows[0]?.client_id;
    return holder === undefined ? null : this.rootOf(holder);
  }

  /** The client view of a survivor id (call `rootOf` first). */
  async view(root: string): Promise<ClientView | null> {
    const head = await this.#db.query<{ home_region: string | null; registered_at: string }>(
      `SELECT home_region, registered_at FROM ${this.#s}.clients WHERE client_id = $1`,
      [root],
    );
    const row = head[0];
    if (row === undefined) return null;
    const members = await this.members(root);
    const [identifiers, stores, book] = await Promise.all([
      this.#db.query<{
        identifier_index: string;
        identifier_type: string;
        scope: string | null;
        client_id: string;
        linked_at: string;
        rule_id: string;
        rule_version: string;
        event_id: string;
        subject_id: string;
        sealed: { value: unknown; masked: unknown } | string;
      }>(
        `SELECT identifier_index, identifier_type, scope, client_id, linked_at, rule_id, rule_version,
                event_id::text AS event_id, subject_id, sealed
           FROM ${this.#s}.identifiers WHERE client_id = ANY($1::text[])
          ORDER BY linked_at, identifier_index`,
        [members],
      ),
      this.#db.query<{ store_id: string }>(
        `SELECT DISTINCT store_id FROM (
           SELECT store_id FROM ${this.#s}.client_stores WHERE client_id = ANY($1::text[])
           UNION SELECT store_id FROM ${this.#s}.client_book WHERE client_id = ANY($1::text[])
         ) s ORDER BY store_id`,
        [members],
      ),
      this.#db.query<{ associate_id: string }>(
        `SELECT DISTINCT associate_id FROM ${this.#s}.client_book
          WHERE client_id = ANY($1::text[]) AND associate_id <> '' ORDER BY associate_id`,
        [members],
      ),
    ]);
    return {
      id: root,
      homeRegion: row.home_region,
      registeredAt: row.registered_at,
      members,
      identifiers: identifiers.map((r) => ({
        index: r.identifier_index,
        type: r.identifier_type,
        scope: r.scope,
        holder: r.client_id,
        linkedAt: r.linked_at,
        rule: { id: r.rule_id, version: r.rule_version },
        eventId: r.event_id,
        subjectId: r.subject_id,
        sealed:
          typeof r.sealed === 'string'
            ? (JSON.parse(r.sealed) as { value: unknown; masked: unknown })
            : r.sealed,
      })),
      storeIds: stores.map((s) => s.store_id),
      associateIds: book.map((b) => b.associate_id),
    };
  }

  async history(members: readonly string[], limit: number): Promise<DecisionRow[]> {
    const rows = await this.#db.query<{
      event_id: string;
      client_id: string;
      kind: string;
      occurred_at: string;
      recorded_at: string;
      rule_id: string | null;
      rule_version: string | null;
      actor: string | null;
      explanation: string;
      details: Record<string, unknown> | string;
    }>(
      `SELECT event_id::text AS event_id, client_id, kind, occurred_at, recorded_at, rule_id,
              rule_version, actor, explanation, details
         FROM ${this.#s}.decisions WHERE client_id = ANY($1::text[]) ORDER BY seq DESC LIMIT $2`,
      [[...members], limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      clientId: r.client_id,
      kind: r.kind,
      occurredAt: r.occurred_at,
      recordedAt: r.recorded_at,
      rule: r.rule_id === null ? null : { id: r.rule_id, version: r.rule_version ?? '' },
      actor: r.actor,
      explanation: r.explanation,
      details:
        typeof r.details === 'string'
          ? (JSON.parse(r.details) as Record<string, unknown>)
          : r.details,
    }));
  }

  async merge(mergeId: string): Promise<MergeRow | null> {
    const rows = await this.#db.query<{
      merge_id: string;
      survivor_id: string;
      merged_id: string;
      merged_at: string;
      unmerged_at: string | null;
    }>(
      `SELECT merge_id::text AS merge_id, survivor_id, merged_id, merged_at, unmerged_at
         FROM ${this.#s}.merges WHERE merge_id = $1`,
      [mergeId],
    );
    const r = rows[0];
    return r === undefined
      ? null
      : {
          mergeId: r.merge_id,
          survivorId: r.survivor_id,
          mergedId: r.merged_id,
          mergedAt: r.merged_at,
          unmergedAt: r.unmerged_at,
        };
  }

  /** Client-book facts from profiles (who may read the client). */
  async assignBook(
    q: SqlQueryable,
    clientId: string,
    associateId: string,
    storeId: string,
  ): Promise<void> {
    await q.query(
      `INSERT INTO ${this.#s}.client_book (client_id, associate_id, store_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [clientId, associateId, storeId],
    );
  }

  async unassignBook(
    q: SqlQueryable,
    clientId: string,
    associateId: string,
    storeId?: string,
  ): Promise<void> {
    await q.query(
      `DELETE FROM ${this.#s}.client_book WHERE client_id = $1 AND associate_id = $2
         AND ($3::text IS NULL OR store_id = $3)`,
      [clientId, associateId, storeId ?? null],
    );
  }
}

/** Who may read the client: its home region, the stores it was seen in or booked at, its associates. */
export function scopeOf(view: ClientView): ResourceScope {
  const region = (REGIONS as readonly string[]).includes(view.homeRegion ?? '')
    ? (view.homeRegion as Region)
    : undefined;
  return {
    ...(region === undefined ? {} : { region }),
    storeIds: view.storeIds,
    associateIds: view.associateIds,
  };
}

/** Decrypts an identifier row's value and mask (`[erased]` once the client is shredded). */
export async function openIdentifier(
  privacy: Pick<Privacy, 'decryptEvent'>,
  row: IdentifierRow,
): Promise<{ value: string; masked: string }> {
  const envelope: EventEnvelope = {
    id: row.eventId,
    type: 'IdentifierLinked',
    schemaVersion: 1,
    streamId: `identity-${row.holder}`,
    subjectId: row.subjectId,
    occurredAt: row.linkedAt,
    recordedAt: row.linkedAt,
    region: 'EU',
    source: { system: 'identity' },
    correlationId: row.eventId,
    causationId: null,
    data: { identifier: { value: row.sealed.value, masked: row.sealed.masked } },
  };
  const opened = await privacy.decryptEvent(envelope);
  const identifier = (opened.data as { identifier: { value: unknown; masked: unknown } })
    .identifier;
  return { value: String(identifier.value), masked: String(identifier.masked) };
}
