import {
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  IdentifierUnlinked,
  type DataOf,
  type EventEnvelope,
  type IdentifierRef,
} from '@maison/event-contracts';
import { quoteIdent, type Migration, type SqlQueryable } from '@maison/sql';

/**
 * A consuming service's copy of what identity decided: which client owns each identifier (by its
 * blind index) and which client ids were merged into which. Services that receive raw customer
 * references (transactions, profiles, consent) attribute their records with it; every service
 * resolves merged ids to the survivor with it. It lives in the consuming service's own schema and
 * is fed by its own idempotent consumer of identity.events.v1, so it is never read across
 * services.
 */

export const DIRECTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'client directory',
    sql: (s) => `
CREATE TABLE ${s}.directory_identifiers (
  identifier_index text PRIMARY KEY,
  identifier_type text NOT NULL,
  scope text,
  client_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_identifiers_client ON ${s}.directory_identifiers (client_id);
CREATE TABLE ${s}.directory_aliases (
  client_id text PRIMARY KEY,
  merged_into text NOT NULL,
  merge_id uuid NOT NULL
);
CREATE INDEX directory_aliases_into ON ${s}.directory_aliases (merged_into);
`,
  },
];

/** What an identity event changed, so the service can re-attribute the records concerned. */
export interface DirectoryChange {
  /** Identifier indexes whose owner changed (linked, unlinked, moved by a merge or unmerge). */
  readonly indexes: readonly string[];
  /** Client ids that now resolve elsewhere (merged away) or again to themselves (restored). */
  readonly clients: readonly string[];
  readonly kind: 'linked' | 'unlinked' | 'merged' | 'unmerged' | 'none';
}

const NONE: DirectoryChange = { indexes: [], clients: [], kind: 'none' };
const MAX_HOPS = 20;

export class ClientDirectory {
  readonly #s: string;

  /** `schema`: the consuming service's schema, where DIRECTORY_MIGRATIONS ran. */
  constructor(schema: string) {
    this.#s = quoteIdent(schema);
  }

  /** Applies one identity event (decoded; PII fields are never read). */
  async apply(tx: SqlQueryable, event: EventEnvelope): Promise<DirectoryChange> {
    switch (event.type) {
      case IdentifierLinked.type: {
        const d = event.data as DataOf<typeof IdentifierLinked>;
        await this.#own(tx, d.identifier, d.clientId);
        return { indexes: [d.identifier.index], clients: [], kind: 'linked' };
      }
      case IdentifierUnlinked.type: {
        const d = event.data as DataOf<typeof IdentifierUnlinked>;
        await tx.query(
          `DELETE FROM ${this.#s}.directory_identifiers WHERE identifier_index = $1 AND client_id = $2`,
          [d.identifier.index, d.clientId],
        );
        return { indexes: [d.identifier.index], clients: [], kind: 'unlinked' };
      }
      case ClientsMerged.type: {
        const d = event.data as DataOf<typeof ClientsMerged>;
        for (const merged of d.mergedIds) {
          await tx.query(
            `INSERT INTO ${this.#s}.directory_aliases (client_id, merged_into, merge_id) VALUES ($1, $2, $3)
             ON CONFLICT (client_id) DO UPDATE SET merged_into = EXCLUDED.merged_into, merge_id = EXCLUDED.merge_id`,
            [merged, d.survivorId, d.mergeId],
          );
        }
        for (const ref of d.movedIdentifiers) await this.#own(tx, ref, d.survivorId);
        return {
          indexes: d.movedIdentifiers.map((r) => r.index),
          clients: d.mergedIds,
          kind: 'merged',
        };
      }
      case ClientUnmerged.type: {
        const d = event.data as DataOf<typeof ClientUnmerged>;
        await tx.query(
          `DELETE FROM ${this.#s}.directory_aliases WHERE client_id = $1 AND merge_id = $2`,
          [d.restoredClientId, d.mergeId],
        );
        for (const ref of d.restoredIdentifiers) await this.#own(tx, ref, d.restoredClientId);
        return {
          indexes: d.restoredIdentifiers.map((r) => r.index),
          clients: [d.restoredClientId],
          kind: 'unmerged',
        };
      }
      default:
        return NONE;
    }
  }

  async #own(tx: SqlQueryable, ref: IdentifierRef, clientId: string): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.#s}.directory_identifiers (identifier_index, identifier_type, scope, client_id)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (identifier_index) DO UPDATE
         SET client_id = EXCLUDED.client_id, identifier_type = EXCLUDED.identifier_type,
             scope = EXCLUDED.scope, updated_at = now()`,
      [ref.index, ref.type, ref.scope, clientId],
    );
  }

  /** The id a client id resolves to now: itself, or the survivor of the merges it went into. */
  async canonical(q: SqlQueryable, clientId: string): Promise<string> {
    let current = clientId;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const rows = await q.query<{ merged_into: string }>(
        `SELECT merged_into FROM ${this.#s}.directory_aliases WHERE client_id = $1`,
        [current],
      );
      const next = rows[0]?.merged_into;
      if (next === undefined || next === current) return current;
      current = next;
    }
    throw new Error(`merge chain of ${clientId} is longer than ${String(MAX_HOPS)} hops`);
  }

  /**
   * Who a record belongs to: the canonical owner of the first of its identifiers (given in
   * attribution priority order) that has an owner, and the identifier that decided it.
   */
  async attribute(
    q: SqlQueryable,
    refs: readonly Pick<IdentifierRef, 'index'>[],
  ): Promise<{ clientId: string; via: string } | null> {
    if (refs.length === 0) return null;
    const rows = await q.query<{ identifier_index: string; client_id: string }>(
      `SELECT identifier_index, client_id FROM ${this.#s}.directory_identifiers
        WHERE identifier_index = ANY($1::text[])`,
      [refs.map((r) => r.index)],
    );
    const owners = new Map(rows.map((r) => [r.identifier_index, r.client_id]));
    for (const ref of refs) {
      const owner = owners.get(ref.index);
      if (owner !== undefined) return { clientId: await this.canonical(q, owner), via: ref.index };
    }
    return null;
  }

  /**
   * `attribute` for many records at once, in a fixed number of queries (one for the owners, one
   * per merge hop): what batch ingestion and projections use. Results are in the order given.
   */
  async attributeMany(
    q: SqlQueryable,
    records: readonly (readonly Pick<IdentifierRef, 'index'>[])[],
  ): Promise<({ clientId: string; via: string } | null)[]> {
    const indexes = [...new Set(records.flatMap((refs) => refs.map((r) => r.index)))];
    if (indexes.length === 0) return records.map(() => null);
    const rows = await q.query<{ identifier_index: string; client_id: string }>(
      `SELECT identifier_index, client_id FROM ${this.#s}.directory_identifiers
        WHERE identifier_index = ANY($1::text[])`,
      [indexes],
    );
    const owners = new Map(rows.map((r) => [r.identifier_index, r.client_id]));
    const canonical = await this.canonicalMany(q, [...new Set(owners.values())]);
    return records.map((refs) => {
      for (const ref of refs) {
        const owner = owners.get(ref.index);
        if (owner !== undefined) return { clientId: canonical.get(owner) ?? owner, via: ref.index };
      }
      return null;
    });
  }

  /** `canonical` for many ids: a map from each id to the id it resolves to now. */
  async canonicalMany(q: SqlQueryable, clientIds: readonly string[]): Promise<Map<string, string>> {
    const result = new Map(clientIds.map((id) => [id, id]));
    let frontier = [...new Set(clientIds)];
    for (let hop = 0; hop < MAX_HOPS && frontier.length > 0; hop++) {
      const rows = await q.query<{ client_id: string; merged_into: string }>(
        `SELECT client_id, merged_into FROM ${this.#s}.directory_aliases WHERE client_id = ANY($1::text[])`,
        [frontier],
      );
      const next = new Map(
        rows.filter((r) => r.merged_into !== r.client_id).map((r) => [r.client_id, r.merged_into]),
      );
      for (const [id, current] of result) {
        const moved = next.get(current);
        if (moved !== undefined) result.set(id, moved);
      }
      frontier = [...new Set(next.values())];
    }
    return result;
  }

  /** The ids that resolve to `clientId` (itself included): what an erasure or a query must cover. */
  async aliasesOf(q: SqlQueryable, clientId: string): Promise<string[]> {
    const seen = new Set([clientId]);
    let frontier = [clientId];
    for (let hop = 0; hop < MAX_HOPS && frontier.length > 0; hop++) {
      const rows = await q.query<{ client_id: string }>(
        `SELECT client_id FROM ${this.#s}.directory_aliases WHERE merged_into = ANY($1::text[])`,
        [frontier],
      );
      frontier = rows.map((r) => r.client_id).filter((id) => !seen.has(id));
      for (const id of frontier) seen.add(id);
    }
    return [...seen];
  }

  /** The identifier indexes owned by a client (not following aliases). */
  async identifiersOf(q: SqlQueryable, clientId: string): Promise<IdentifierRef[]> {
    const rows = await q.query<{
      identifier_index: string;
      identifier_type: string;
      scope: string | null;
    }>(
      `SELECT identifier_index, identifier_type, scope FROM ${this.#s}.directory_identifiers
        WHERE client_id = $1 ORDER BY identifier_index`,
      [clientId],
    );
    return rows.map((r) => ({
      index: r.identifier_index,
      type: r.identifier_type,
      scope: r.scope,
    }));
  }

  /** Erasure: forgets the clients and every identifier they owned. */
  async forget(tx: SqlQueryable, clientIds: readonly string[]): Promise<number> {
    const ids = [...clientIds];
    const removed = await tx.query(
      `DELETE FROM ${this.#s}.directory_identifiers WHERE client_id = ANY($1::text[]) RETURNING 1`,
      [ids],
    );
    const aliases = await tx.query(
      `DELETE FROM ${this.#s}.directory_aliases
        WHERE client_id = ANY($1::text[]) OR merged_into = ANY($1::text[]) RETURNING 1`,
      [ids],
    );
    return removed.length + aliases.length;
  }
}
