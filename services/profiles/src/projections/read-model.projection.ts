import {
  ClientBookReassignmentCompleted,
  ClientBookReassignmentRequested,
  type DataOf,
  type RuleRef,
} from '@maison/event-contracts';
import { formatPosition, type RecordedEvent } from '@maison/event-store';
import type { SqlQueryable } from '@maison/sql';
import {
  ClientBookAssigned,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ClientBookUnassigned,
  type ClientBookAssignedData,
  type ClientBookStoreAddedData,
  type ClientBookStoreRemovedData,
  type ClientBookUnassignedData,
} from '../client-book/client-book.events.js';
import type { StoreInfo } from '../config.js';
import {
  ProfileNoteAdded,
  ProfileUpdated,
  type ProfileNoteAddedData,
  type ProfileUpdatedData,
} from '../profile/profile.events.js';
import { derive, type ProfileDocument, type StoredField } from './profile-document.js';

const CLIENT_EVENTS: ReadonlySet<string> = new Set([
  ProfileUpdated.type,
  ProfileNoteAdded.type,
  ClientBookAssigned.type,
  ClientBookUnassigned.type,
  ClientBookStoreAdded.type,
  ClientBookStoreRemoved.type,
]);

interface Assignment {
  associate_id: string;
  role: string;
  store_id: string;
  since: string;
  assigned_by: string;
  policy_id: string | null;
  policy_version: string | null;
  merge_id: string | null;
  reassignment_id: string | null;
}

interface BookStoreRow {
  store_id: string;
  since: string;
  added_by: string;
  merge_id: string | null;
}

interface HistoryEntry {
  event_id: string;
  client_id: string;
  at: string;
  type: string;
  role: string | null;
  associate_id: string | null;
  store_id: string | null;
  previous_associate_id: string | null;
  by_actor: string;
  policy: RuleRef | null;
  reason: string | null;
  reassignment_id: string | null;
  merge_id: string | null;
}

const clientOf = (e: RecordedEvent): string | undefined => {
  if (!CLIENT_EVENTS.has(e.type)) return undefined;
  const id = (e.data as { clientId?: unknown }).clientId;
  return typeof id === 'string' ? id : undefined;
};

/** Transposes rows into one array per column, for `unnest`. */
function columns<T extends object>(rows: readonly T[], keys: readonly (keyof T)[]): unknown[][] {
  return keys.map((k) => rows.map((r) => r[k] ?? null));
}

/**
 * The read models fed by the service's own events. A page of events is applied set-wise: the rows
 * of the clients it touches are loaded once, the events folded in memory in order, and the rows
 * written back with one statement per table — a few statements per page whatever its size. An
 * erased client's events (replayed, or late) are skipped: its rows must not come back.
 */
export class ReadModelProjection {
  readonly #s: string;
  readonly #stores: Readonly<Record<string, StoreInfo>>;

  constructor(quotedSchema: string, stores: Readonly<Record<string, StoreInfo>>) {
    this.#s = quotedSchema;
    this.#stores = stores;
  }

  /** Applies the page's client and reassignment events; returns the clients it touched. */
  async applyPage(page: readonly RecordedEvent[], tx: SqlQueryable): Promise<Set<string>> {
    const s = this.#s;
    const ids = [...new Set(page.map(clientOf).filter((c): c is string => c !== undefined))];
    const erased = new Set(
      ids.length === 0
        ? []
        : (
            await tx.query<{ client_id: string }>(
              `SELECT client_id FROM ${s}.erased_clients WHERE client_id = ANY($1::text[])`,
              [ids],
            )
          ).map((r) => r.client_id),
    );
    const live = ids.filter((id) => !erased.has(id));
    const events = page.filter((e) => {
      const c = clientOf(e);
      return c === undefined || !erased.has(c);
    });
    if (live.length > 0)
      await tx.query(
        `INSERT INTO ${s}.profiles (client_id, updated_at) SELECT unnest($1::text[]), $2 ON CONFLICT (client_id) DO NOTHING`,
        [live, page.at(-1)?.recordedAt ?? ''],
      );
    await this.#profiles(events, tx);
    await this.#book(events, tx);
    await this.#notes(events, tx);
    for (const e of events) await this.#reassignment(e, tx);
    return new Set(live);
  }

  async #profiles(events: readonly RecordedEvent[], tx: SqlQueryable): Promise<void> {
    const updates = events.filter((e) => e.type === ProfileUpdated.type);
    if (updates.length === 0) return;
    const s = this.#s;
    const ids = [...new Set(updates.map((e) => (e.data as ProfileUpdatedData).clientId))];
    const rows = await tx.query<{ client_id: string; fields: ProfileDocument }>(
      `SELECT client_id, fields FROM ${s}.profiles WHERE client_id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    );
    const docs = new Map(
      rows.map((r) => [r.client_id, new Map<string, StoredField>(Object.entries(r.fields))]),
    );
    const updatedAt = new Map<string, string>();
    for (const e of updates) {
      const d = e.data as ProfileUpdatedData;
      let doc = docs.get(d.clientId);
      if (doc === undefined) {
        doc = new Map();
        docs.set(d.clientId, doc);
      }
      for (const c of d.changes) {
        if (c.value === null) doc.delete(c.field);
        else
          doc.set(c.field, {
            value: c.value as StoredField['value'],
            source: c.source,
            sourceKind: c.sourceKind ?? 'import',
            at: c.at ?? e.occurredAt,
            policy: c.policy,
            reason: c.reason,
          });
      }
      updatedAt.set(d.clientId, e.recordedAt);
    }
    const written = ids.map((id) => {
      const doc: ProfileDocument = Object.fromEntries(
        docs.get(id) ?? new Map<string, StoredField>(),
      );
      return { id, doc, derived: derive(doc, this.#stores), at: updatedAt.get(id) ?? '' };
    });
    await tx.query(
      `UPDATE ${s}.profiles p SET fields = v.fields::jsonb, display_name = v.display_name, sort_key = v.sort_key,
         home_region = v.home_region, home_store_id = v.home_store_id, time_zone = v.time_zone, updated_at = v.updated_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS v(client_id, fields, display_name, sort_key, home_region, home_store_id, time_zone, updated_at)
       WHERE p.client_id = v.client_id`,
      [
        written.map((w) => w.id),
        written.map((w) => JSON.stringify(w.doc)),
        written.map((w) => w.derived.displayName),
        written.map((w) => w.derived.sortKey),
        written.map((w) => w.derived.homeRegion),
        written.map((w) => w.derived.homeStoreId),
        written.map((w) => w.derived.timeZone),
        written.map((w) => w.at),
      ],
    );
    await tx.query(`DELETE FROM ${s}.search_tokens WHERE client_id = ANY($1::text[])`, [ids]);
    const tokens = written.flatMap((w) => w.derived.tokens.map((t) => [w.id, t] as const));
    if (tokens.length > 0)
      await tx.query(
        `INSERT INTO ${s}.search_tokens (client_id, token) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        [tokens.map((t) => t[0]), tokens.map((t) => t[1])],
      );
    await tx.query(`DELETE FROM ${s}.occasions WHERE client_id = ANY($1::text[])`, [ids]);
    const occasions = written.flatMap((w) =>
      w.derived.occasions.map((o, i) => ({ client_id: w.id, position: i, ...o })),
    );
    if (occasions.length > 0)
      await tx.query(
        `INSERT INTO ${s}.occasions (client_id, position, kind, label, month, day, year)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])`,
        columns(occasions, ['client_id', 'position', 'kind', 'label', 'month', 'day', 'year']),
      );
  }

  async #book(events: readonly RecordedEvent[], tx: SqlQueryable): Promise<void> {
    const bookEvents = events.filter(
      (e) =>
        e.type === ClientBookAssigned.type ||
        e.type === ClientBookUnassigned.type ||
        e.type === ClientBookStoreAdded.type ||
        e.type === ClientBookStoreRemoved.type,
    );
    if (bookEvents.length === 0) return;
    const s = this.#s;
    const ids = [...new Set(bookEvents.map((e) => (e.data as { clientId: string }).clientId))];
    const assignments = new Map<string, Map<string, Assignment>>(ids.map((id) => [id, new Map()]));
    const stores = new Map<string, Map<string, BookStoreRow>>(ids.map((id) => [id, new Map()]));
    for (const r of await tx.query<Assignment & { client_id: string }>(
      `SELECT client_id, associate_id, role, store_id, since, assigned_by, policy_id, policy_version,
              merge_id::text AS merge_id, reassignment_id::text AS reassignment_id
         FROM ${s}.book_assignments WHERE client_id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    ))
      assignments.get(r.client_id)?.set(r.associate_id, r);
    for (const r of await tx.query<BookStoreRow & { client_id: string }>(
      `SELECT client_id, store_id, since, added_by, merge_id::text AS merge_id
         FROM ${s}.book_stores WHERE client_id = ANY($1::text[]) FOR UPDATE`,
      [ids],
    ))
      stores.get(r.client_id)?.set(r.store_id, r);
    const history: HistoryEntry[] = [];
    const base = (e: RecordedEvent, clientId: string) => ({
      event_id: e.id,
      client_id: clientId,
      at: e.occurredAt,
      type: e.type,
    });
    for (const e of bookEvents) {
      switch (e.type) {
        case ClientBookAssigned.type: {
          const d = e.data as ClientBookAssignedData;
          const book = assignments.get(d.clientId) ?? new Map<string, Assignment>();
          if (d.role === 'primary')
            for (const [k, a] of book) if (a.role === 'primary') book.delete(k);
          book.set(d.associateId, {
            associate_id: d.associateId,
            role: d.role,
            store_id: d.storeId,
            since: d.since,
            assigned_by: d.assignedBy,
            policy_id: d.policy?.id ?? null,
            policy_version: d.policy?.version ?? null,
            merge_id: d.mergeId ?? null,
            reassignment_id: d.reassignmentId ?? null,
          });
          history.push({
            ...base(e, d.clientId),
            role: d.role,
            associate_id: d.associateId,
            store_id: d.storeId,
            previous_associate_id: d.previousAssociateId,
            by_actor: d.assignedBy,
            policy: d.policy,
            reason: d.reason ?? null,
            reassignment_id: d.reassignmentId ?? null,
            merge_id: d.mergeId ?? null,
          });
          break;
        }
        case ClientBookUnassigned.type: {
          const d = e.data as ClientBookUnassignedData;
          assignments.get(d.clientId)?.delete(d.associateId);
          history.push({
            ...base(e, d.clientId),
            role: d.role ?? null,
            associate_id: d.associateId,
            store_id: d.storeId ?? null,
            previous_associate_id: null,
            by_actor: d.unassignedBy,
            policy: null,
            reason: d.reason,
            reassignment_id: d.reassignmentId ?? null,
            merge_id: d.mergeId ?? null,
          });
          break;
        }
        case ClientBookStoreAdded.type: {
          const d = e.data as ClientBookStoreAddedData;
          stores.get(d.clientId)?.set(d.storeId, {
            store_id: d.storeId,
            since: d.since,
            added_by: d.addedBy,
            merge_id: d.mergeId ?? null,
          });
          history.push({
            ...base(e, d.clientId),
            role: null,
            associate_id: null,
            store_id: d.storeId,
            previous_associate_id: null,
            by_actor: d.addedBy,
            policy: null,
            reason: null,
            reassignment_id: null,
            merge_id: d.mergeId ?? null,
          });
          break;
        }
        case ClientBookStoreRemoved.type: {
          const d = e.data as ClientBookStoreRemovedData;
          stores.get(d.clientId)?.delete(d.storeId);
          history.push({
            ...base(e, d.clientId),
            role: null,
            associate_id: null,
            store_id: d.storeId,
            previous_associate_id: null,
            by_actor: d.removedBy,
            policy: null,
            reason: d.reason,
            reassignment_id: null,
            merge_id: d.mergeId ?? null,
          });
          break;
        }
        default:
          break;
      }
    }
    await tx.query(`DELETE FROM ${s}.book_assignments WHERE client_id = ANY($1::text[])`, [ids]);
    const rows = [...assignments].flatMap(([client_id, book]) =>
      [...book.values()].map((a) => ({ client_id, ...a })),
    );
    if (rows.length > 0)
      await tx.query(
        `INSERT INTO ${s}.book_assignments (client_id, associate_id, role, store_id, since, assigned_by, policy_id,
           policy_version, merge_id, reassignment_id)
         SELECT c, a, r, st, si, b, pi, pv, m::uuid, ra::uuid
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
             AS v(c, a, r, st, si, b, pi, pv, m, ra)`,
        columns(rows, [
          'client_id',
          'associate_id',
          'role',
          'store_id',
          'since',
          'assigned_by',
          'policy_id',
          'policy_version',
          'merge_id',
          'reassignment_id',
        ]),
      );
    await tx.query(`DELETE FROM ${s}.book_stores WHERE client_id = ANY($1::text[])`, [ids]);
    const storeRows = [...stores].flatMap(([client_id, map]) =>
      [...map.values()].map((r) => ({ client_id, ...r })),
    );
    if (storeRows.length > 0)
      await tx.query(
        `INSERT INTO ${s}.book_stores (client_id, store_id, since, added_by, merge_id)
         SELECT c, st, si, b, m::uuid FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(c, st, si, b, m)`,
        columns(storeRows, ['client_id', 'store_id', 'since', 'added_by', 'merge_id']),
      );
    const h = history.map((x) => ({
      ...x,
      policy_id: x.policy?.id ?? null,
      policy_version: x.policy?.version ?? null,
    }));
    await tx.query(
      `INSERT INTO ${s}.book_history (event_id, client_id, at, type, role, associate_id, store_id, previous_associate_id,
         by_actor, policy_id, policy_version, reason, reassignment_id, merge_id)
       SELECT e::uuid, c, at, t, r, a, st, pa, b, pi, pv, re, ra::uuid, m::uuid
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
           WITH ORDINALITY AS v(e, c, at, t, r, a, st, pa, b, pi, pv, re, ra, m, n)
        ORDER BY n
       ON CONFLICT (event_id) DO NOTHING`,
      columns(h, [
        'event_id',
        'client_id',
        'at',
        'type',
        'role',
        'associate_id',
        'store_id',
        'previous_associate_id',
        'by_actor',
        'policy_id',
        'policy_version',
        'reason',
        'reassignment_id',
        'merge_id',
      ]),
    );
  }

  async #notes(events: readonly RecordedEvent[], tx: SqlQueryable): Promise<void> {
    const notes = events.filter((e) => e.type === ProfileNoteAdded.type);
    if (notes.length === 0) return;
    const rows = notes.map((e) => {
      const d = e.data as ProfileNoteAddedData;
      return {
        note_id: d.noteId,
        client_id: d.clientId,
        author_id: d.authorId,
        store_id: d.storeId,
        visibility: d.visibility,
        text: String(d.text),
        created_at: e.occurredAt,
      };
    });
    await tx.query(
      `INSERT INTO ${this.#s}.notes (note_id, client_id, author_id, store_id, visibility, text, created_at, created_ts)
       SELECT n::uuid, c, a, st, v, t, ca, ca::timestamptz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(n, c, a, st, v, t, ca)
       ON CONFLICT (note_id) DO NOTHING`,
      columns(rows, [
        'note_id',
        'client_id',
        'author_id',
        'store_id',
        'visibility',
        'text',
        'created_at',
      ]),
    );
  }

  async #reassignment(e: RecordedEvent, tx: SqlQueryable): Promise<void> {
    if (e.type === ClientBookReassignmentRequested.type) {
      const d = e.data as DataOf<typeof ClientBookReassignmentRequested>;
      await tx.query(
        `INSERT INTO ${this.#s}.reassignments (reassignment_id, from_associate_id, to_associate_id, to_store_id, roles,
           requested_by, reason, scope, status, requested_at, request_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) ON CONFLICT (reassignment_id) DO NOTHING`,
        [
          d.reassignmentId,
          d.fromAssociateId,
          d.toAssociateId,
          d.toStoreId,
          d.roles,
          d.requestedBy,
          d.reason,
          JSON.stringify(d.scope),
          e.occurredAt,
          formatPosition(e.position),
        ],
      );
    } else if (e.type === ClientBookReassignmentCompleted.type) {
      const d = e.data as DataOf<typeof ClientBookReassignmentCompleted>;
      await tx.query(
        `UPDATE ${this.#s}.reassignments SET status = 'completed', moved = $2, skipped = $3, completed_at = $4
          WHERE reassignment_id = $1`,
        [d.reassignmentId, d.moved, d.skipped, d.completedAt],
      );
    }
  }
}
