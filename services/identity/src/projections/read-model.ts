import type { DataOf, EventEnvelope, IdentifierRef } from '@maison/event-contracts';
import type {
  ClientDataPurged,
  ClientRegistered,
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  IdentifierUnlinked,
  MergeRejected,
} from '@maison/event-contracts';
import { quoteIdent, type Migration, type SqlQueryable } from '@maison/sql';
import type { ClientAbsorbed, ClientForgotten, ClientRestored } from '../client/client.events.js';
import type { RecordResolvedData } from '../record/record.events.js';

/**
 * Identity's read models (schema `identity`), fed by its own events: who holds which identifier
 * (with the encrypted value and mask exactly as stored — plaintext is never written here), the
 * merge forest, every decision with its explanation (the identity history), and the stores and
 * client books that scope who may read a client. Append-only migrations.
 */
export const READ_MODEL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'clients, identifiers, decisions, merges, scope',
    sql: (s) => `
CREATE TABLE ${s}.clients (
  client_id text PRIMARY KEY,
  home_region text,
  registered_at text NOT NULL,
  merged_into text,
  merge_id uuid
);
CREATE INDEX clients_merged_into ON ${s}.clients (merged_into) WHERE merged_into IS NOT NULL;
CREATE TABLE ${s}.identifiers (
  identifier_index text PRIMARY KEY,
  identifier_type text NOT NULL,
  scope text,
  client_id text NOT NULL,
  linked_at text NOT NULL,
  rule_id text NOT NULL,
  rule_version text NOT NULL,
  event_id uuid NOT NULL,
  subject_id text NOT NULL,
  sealed jsonb NOT NULL
);
CREATE INDEX identifiers_client ON ${s}.identifiers (client_id);
CREATE TABLE ${s}.decisions (
  seq bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  client_id text NOT NULL,
  kind text NOT NULL,
  occurred_at text NOT NULL,
  recorded_at text NOT NULL,
  rule_id text,
  rule_version text,
  actor text,
  explanation text NOT NULL,
  details jsonb NOT NULL
);
CREATE INDEX decisions_client ON ${s}.decisions (client_id, seq);
CREATE TABLE ${s}.merges (
  merge_id uuid PRIMARY KEY,
  survivor_id text NOT NULL,
  merged_id text NOT NULL,
  merged_at text NOT NULL,
  rule_id text,
  actor text NOT NULL,
  unmerged_at text
);
CREATE INDEX merges_survivor ON ${s}.merges (survivor_id);
CREATE INDEX merges_merged ON ${s}.merges (merged_id);
CREATE TABLE ${s}.client_stores (
  client_id text NOT NULL,
  store_id text NOT NULL,
  PRIMARY KEY (client_id, store_id)
);
CREATE TABLE ${s}.client_book (
  client_id text NOT NULL,
  associate_id text NOT NULL,
  store_id text NOT NULL,
  PRIMARY KEY (client_id, associate_id, store_id)
);
`,
  },
];

export type DecisionKind =
  'registered' | 'linked' | 'unlinked' | 'merged' | 'unmerged' | 'merge_rejected';

const refOf = (r: IdentifierRef): IdentifierRef => ({
  type: r.type,
  scope: r.scope,
  index: r.index,
});

/** Applies one of identity's events (decoded, PII still encrypted). Returns the clients it changed. */
export async function applyToReadModel(
  tx: SqlQueryable,
  schema: string,
  event: EventEnvelope,
  /** Where the stores clients were seen in are collected, to be written once per batch. */
  stores: [string, string][],
): Promise<string[]> {
  const s = quoteIdent(schema);
  const decision = async (
    clientId: string,
    kind: DecisionKind,
    rule: { id: string; version: string } | null,
    explanation: string,
    details: Record<string, unknown>,
  ) => {
    await tx.query(
      `INSERT INTO ${s}.decisions (event_id, client_id, kind, occurred_at, recorded_at, rule_id,
         rule_version, actor, explanation, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING`,
      [
        event.id,
        clientId,
        kind,
        event.occurredAt,
        event.recordedAt,
        rule?.id ?? null,
        rule?.version ?? null,
        event.source.actor ?? null,
        explanation,
        JSON.stringify(details),
      ],
    );
  };
  const store = (clientId: string, storeId: string | null | undefined): Promise<void> => {
    if (storeId !== null && storeId !== undefined) stores.push([clientId, storeId]);
    return Promise.resolve();
  };

  switch (event.type) {
    case 'ClientRegistered': {
      const d = event.data as DataOf<typeof ClientRegistered>;
      await tx.query(
        `INSERT INTO ${s}.clients (client_id, home_region, registered_at) VALUES ($1, $2, $3)
         ON CONFLICT (client_id) DO NOTHING`,
        [d.clientId, d.homeRegion, event.recordedAt],
      );
      await decision(d.clientId, 'registered', d.rule, d.evidence.explanation, {
        trigger: d.evidence.trigger,
        matches: d.evidence.matches,
        storeId: d.evidence.storeId ?? null,
        sourceSystem: d.evidence.sourceSystem ?? null,
      });
      await store(d.clientId, d.evidence.storeId);
      return [d.clientId];
    }
    case 'IdentifierLinked': {
      const d = event.data as DataOf<typeof IdentifierLinked>;
      const { value, masked } = d.identifier as { value: unknown; masked: unknown };
      await tx.query(
        `INSERT INTO ${s}.identifiers (identifier_index, identifier_type, scope, client_id, linked_at,
           rule_id, rule_version, event_id, subject_id, sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (identifier_index) DO UPDATE SET identifier_type = EXCLUDED.identifier_type,
           scope = EXCLUDED.scope, client_id = EXCLUDED.client_id, linked_at = EXCLUDED.linked_at,
           rule_id = EXCLUDED.rule_id, rule_version = EXCLUDED.rule_version,
           event_id = EXCLUDED.event_id, subject_id = EXCLUDED.subject_id, sealed = EXCLUDED.sealed`,
        [
          d.identifier.index,
          d.identifier.type,
          d.identifier.scope,
          d.clientId,
          event.recordedAt,
          d.rule.id,
          d.rule.version,
          event.id,
          event.subjectId ?? d.clientId,
          JSON.stringify({ value, masked }),
        ],
      );
      await decision(d.clientId, 'linked', d.rule, d.evidence.explanation, {
        identifier: refOf(d.identifier),
        trigger: d.evidence.trigger,
        matches: d.evidence.matches,
        storeId: d.evidence.storeId ?? null,
        sourceSystem: d.evidence.sourceSystem ?? null,
      });
      await store(d.clientId, d.evidence.storeId);
      return [d.clientId];
    }
    case 'IdentifierUnlinked': {
      const d = event.data as DataOf<typeof IdentifierUnlinked>;
      await tx.query(
        `DELETE FROM ${s}.identifiers WHERE identifier_index = $1 AND client_id = $2`,
        [d.identifier.index, d.clientId],
      );
      await decision(d.clientId, 'unlinked', d.rule, unlinkExplanation(d.reason), {
        identifier: refOf(d.identifier),
        reason: d.reason,
      });
      return [d.clientId];
    }
    case 'ClientsMerged': {
      const d = event.data as DataOf<typeof ClientsMerged>;
      for (const merged of d.mergedIds)
        await tx.query(
          `INSERT INTO ${s}.merges (merge_id, survivor_id, merged_id, merged_at, rule_id, actor)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (merge_id) DO NOTHING`,
          [d.mergeId, d.survivorId, merged, event.recordedAt, d.rule?.id ?? null, d.actor],
        );
      await decision(d.survivorId, 'merged', d.rule, d.evidence.explanation, {
        mergeId: d.mergeId,
        mergedIds: d.mergedIds,
        movedIdentifiers: d.movedIdentifiers,
        trigger: d.evidence.trigger,
        matches: d.evidence.matches,
      });
      return [d.survivorId, ...d.mergedIds];
    }
    case 'ClientAbsorbed': {
      const d = event.data as DataOf<typeof ClientAbsorbed>;
      await tx.query(
        `UPDATE ${s}.clients SET merged_into = $2, merge_id = $3 WHERE client_id = $1`,
        [d.clientId, d.survivorId, d.mergeId],
      );
      return [d.clientId, d.survivorId];
    }
    case 'ClientUnmerged': {
      const d = event.data as DataOf<typeof ClientUnmerged>;
      await tx.query(`UPDATE ${s}.merges SET unmerged_at = $2 WHERE merge_id = $1`, [
        d.mergeId,
        event.recordedAt,
      ]);
      await decision(d.survivorId, 'unmerged', null, `Unmerged by a data steward: ${d.reason}`, {
        mergeId: d.mergeId,
        restoredClientId: d.restoredClientId,
        restoredIdentifiers: d.restoredIdentifiers,
      });
      return [d.survivorId, d.restoredClientId];
    }
    case 'ClientRestored': {
      const d = event.data as DataOf<typeof ClientRestored>;
      await tx.query(
        `UPDATE ${s}.clients SET merged_into = NULL, merge_id = NULL WHERE client_id = $1 AND merge_id = $2`,
        [d.clientId, d.mergeId],
      );
      return [d.clientId, d.survivorId];
    }
    case 'MergeRejected': {
      const d = event.data as DataOf<typeof MergeRejected>;
      const [first, ...others] = d.clientIds;
      if (first === undefined) return [];
      await decision(first, 'merge_rejected', d.rule, d.evidence.explanation, {
        reason: d.reason,
        clientIds: d.clientIds,
        trigger: d.evidence.trigger,
        matches: d.evidence.matches,
      });
      return [first, ...others];
    }
    case 'ClientForgotten': {
      const d = event.data as DataOf<typeof ClientForgotten>;
      await recordStores(tx, schema, stores.splice(0)); // what came before, then the purge
      await purgeClients(tx, schema, [d.clientId]);
      return [d.clientId];
    }
    case 'ClientDataPurged': {
      const d = event.data as DataOf<typeof ClientDataPurged>;
      await recordStores(tx, schema, stores.splice(0));
      await purgeClients(tx, schema, [d.clientId]);
      return [d.clientId];
    }
    case 'RecordResolved': {
      const d = event.data as RecordResolvedData;
      if (d.clientId !== null) await store(d.clientId, d.storeId);
      return d.clientId === null ? [] : [d.clientId];
    }
    default:
      return [];
  }
}

/** Records in one statement the stores clients were seen in. */
export async function recordStores(
  tx: SqlQueryable,
  schema: string,
  stores: readonly (readonly [string, string])[],
): Promise<void> {
  if (stores.length === 0) return;
  const s = quoteIdent(schema);
  await tx.query(
    `INSERT INTO ${s}.client_stores (client_id, store_id)
     SELECT DISTINCT c, st FROM unnest($1::text[], $2::text[]) AS u (c, st) ON CONFLICT DO NOTHING`,
    [stores.map((p) => p[0]), stores.map((p) => p[1])],
  );
}

function unlinkExplanation(reason: DataOf<typeof IdentifierUnlinked>['reason']): string {
  switch (reason) {
    case 'steward':
      return 'Unlinked by a data steward.';
    case 'cardinality':
      return 'Unlinked: the client holds more identifiers of this type than the rules allow.';
    case 'blocklisted':
      return 'Unlinked: the value is on the blocklist of junk identifiers.';
    case 'shared':
      return 'Unlinked: the value is shared by more clients than the rules allow.';
    case 'unmerge':
      return 'Unlinked by an unmerge.';
    case 'erasure':
      return 'Unlinked: the client was erased.';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/** Rows of these clients in each read model (what an erasure purges, by store). */
export async function countClientRows(
  q: SqlQueryable,
  schema: string,
  clientIds: readonly string[],
): Promise<Record<string, number>> {
  const s = quoteIdent(schema);
  const ids = [...clientIds];
  const count = async (sql: string) =>
    Number((await q.query<{ n: string }>(sql, [ids]))[0]?.n ?? 0);
  return {
    'read_model.clients': await count(
      `SELECT count(*)::text AS n FROM ${s}.clients WHERE client_id = ANY($1::text[])`,
    ),
    'read_model.identifiers': await count(
      `SELECT count(*)::text AS n FROM ${s}.identifiers WHERE client_id = ANY($1::text[])`,
    ),
    'read_model.decisions': await count(
      `SELECT count(*)::text AS n FROM ${s}.decisions WHERE client_id = ANY($1::text[])`,
    ),
    'read_model.merges': await count(
      `SELECT count(*)::text AS n FROM ${s}.merges
        WHERE survivor_id = ANY($1::text[]) OR merged_id = ANY($1::text[])`,
    ),
    'read_model.scope': await count(
      `SELECT ((SELECT count(*) FROM ${s}.client_stores WHERE client_id = ANY($1::text[]))
            + (SELECT count(*) FROM ${s}.client_book WHERE client_id = ANY($1::text[])))::text AS n`,
    ),
  };
}

/** Deletes every row of these clients from every read model. */
export async function purgeClients(
  tx: SqlQueryable,
  schema: string,
  clientIds: readonly string[],
): Promise<void> {
  const s = quoteIdent(schema);
  const ids = [...clientIds];
  await tx.query(`DELETE FROM ${s}.identifiers WHERE client_id = ANY($1::text[])`, [ids]);
  await tx.query(`DELETE FROM ${s}.decisions WHERE client_id = ANY($1::text[])`, [ids]);
  await tx.query(
    `DELETE FROM ${s}.merges WHERE survivor_id = ANY($1::text[]) OR merged_id = ANY($1::text[])`,
    [ids],
  );
  await tx.query(`DELETE FROM ${s}.client_stores WHERE client_id = ANY($1::text[])`, [ids]);
  await tx.query(`DELETE FROM ${s}.client_book WHERE client_id = ANY($1::text[])`, [ids]);
  await tx.query(`DELETE FROM ${s}.clients WHERE client_id = ANY($1::text[])`, [ids]);
}
