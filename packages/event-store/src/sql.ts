import type { EventEnvelope } from '@maison/event-contracts';
import type { ExpectedRevision, GlobalPosition } from './port.js';

/**
 * SQL shared by the PostgreSQL and embedded (PGlite) adapters. Every statement is parameterised
 * by schema so tests and tenants can live side by side in one database.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new TypeError(`invalid schema name: ${schema}`);
  return `"${schema}"`;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (s: string) => string;
}

/** Append-only: never edit a released migration, add a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'streams and events',
    sql: (s) => `
CREATE TABLE ${s}.streams (
  stream_id text PRIMARY KEY,
  revision bigint NOT NULL
);
CREATE TABLE ${s}.events (
  position bigserial PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id text NOT NULL,
  revision bigint NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  type text NOT NULL,
  schema_version integer NOT NULL,
  subject_id text,
  occurred_at timestamptz NOT NULL,
  occurred_at_text text NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_at_text text NOT NULL,
  region text NOT NULL,
  source jsonb NOT NULL,
  correlation_id text NOT NULL,
  causation_id text,
  traceparent text,
  data jsonb,
  UNIQUE (stream_id, revision)
);
-- the global order subscribers follow
CREATE INDEX events_global_order ON ${s}.events (transaction_id, position);
CREATE INDEX events_subject ON ${s}.events (subject_id) WHERE subject_id IS NOT NULL;
CREATE TABLE ${s}.subscription_checkpoints (
  subscriber text PRIMARY KEY,
  commit_position numeric(20) NOT NULL,
  prepare_position numeric(20) NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    name: 'append function',
    // One call per append: lock the stream row, check idempotency and the expected revision, insert
    // the batch and bump the stream revision, all in the caller's single statement. Failures raise
    // (so a created stream row rolls back with them) with a message the client maps to typed errors.
    sql: (s) => `
CREATE FUNCTION ${s}.append_events(p_stream text, p_expected text, p_events json)
RETURNS TABLE (o_revision bigint, o_transaction_id text, o_position bigint)
LANGUAGE plpgsql
-- PL/pgSQL caches generic plans made when the table was empty (a sequential scan for the event id
-- lookup stays cached as the table grows): plan each call against the table as it is.
SET plan_cache_mode = force_custom_plan
AS $fn$
#variable_conflict use_column
DECLARE
  v_count integer := json_array_length(p_events);
  v_current bigint;
  v_matched bigint;
  v_same_stream boolean;
  v_min_offset bigint;
  v_max_offset bigint;
  v_ok boolean;
  v_ids uuid[];
BEGIN
  SELECT revision INTO v_current FROM ${s}.streams WHERE stream_id = p_stream FOR UPDATE;
  IF NOT FOUND THEN
    v_current := -1;
    IF v_count > 0 THEN
      INSERT INTO ${s}.streams (stream_id, revision) VALUES (p_stream, -1) ON CONFLICT DO NOTHING;
      IF NOT FOUND THEN
        -- a concurrent writer created the stream first: wait for it and take its revision
        SELECT revision INTO v_current FROM ${s}.streams WHERE stream_id = p_stream FOR UPDATE;
      END IF;
    END IF;
  END IF;

  IF v_count > 0 THEN
    -- by index, one probe per id: a join here lets the planner scan the whole table
    v_ids := ARRAY(SELECT (x.value ->> 'id')::uuid FROM json_array_elements(p_events) AS x);
    SELECT count(*), coalesce(bool_and(e.stream_id = p_stream), false),
           min(e.revision - (array_position(v_ids, e.event_id) - 1)),
           max(e.revision - (array_position(v_ids, e.event_id) - 1))
      INTO v_matched, v_same_stream, v_min_offset, v_max_offset
      FROM ${s}.events e WHERE e.event_id = ANY (v_ids);
    -- the whole batch is already there, in order, in this stream: answer as the first time
    IF v_matched = v_count AND v_same_stream AND v_min_offset = v_max_offset
       AND (p_expected IN ('any', 'exists') OR (p_expected = 'no_stream' AND v_min_offset = 0)
            OR (p_expected ~ '^-?[0-9]+$' AND p_expected::bigint = v_min_offset - 1)) THEN
      RETURN QUERY SELECT e.revision, e.transaction_id::text, e.position
        FROM ${s}.events e WHERE e.stream_id = p_stream
         AND e.revision BETWEEN v_min_offset AND v_min_offset + v_count - 1
       ORDER BY e.revision;
      RETURN;
    END IF;
  END IF;

  v_ok := CASE p_expected
    WHEN 'any' THEN true
    WHEN 'no_stream' THEN v_current = -1
    WHEN 'exists' THEN v_current >= 0
    ELSE v_current = p_expected::bigint
  END;
  IF NOT v_ok THEN
    RAISE EXCEPTION 'maison_event_store:concurrency' USING DETAIL = v_current::text;
  END IF;
  IF v_count = 0 THEN
    RETURN;
  END IF;
  IF v_matched > 0 THEN
    RAISE EXCEPTION 'maison_event_store:duplicate' USING DETAIL = v_matched::text;
  END IF;

  UPDATE ${s}.streams SET revision = v_current + v_count WHERE stream_id = p_stream;
  RETURN QUERY WITH inserted AS (
    INSERT INTO ${s}.events (stream_id, revision, event_id, type, schema_version, subject_id,
      occurred_at, occurred_at_text, recorded_at, recorded_at_text, region, source,
      correlation_id, causation_id, traceparent, data)
    SELECT p_stream, v_current + 1 + x.i, x.id, x.type, x.schema_version, x.subject_id,
      x.occurred_at::timestamptz, x.occurred_at, x.recorded_at::timestamptz, x.recorded_at,
      x.region, x.source, x.correlation_id, x.causation_id, x.traceparent, x.data
    FROM json_to_recordset(p_events) AS x(i bigint, id uuid, type text, schema_version integer,
      subject_id text, occurred_at text, recorded_at text, region text, source jsonb,
      correlation_id text, causation_id text, traceparent text, data jsonb)
    ORDER BY x.i
    RETURNING revision, transaction_id, position
  )
  SELECT revision, transaction_id::text, position FROM inserted ORDER BY revision;
END
$fn$;
`,
  },
];

export function migrationLockKey(schema: string): string {
  return `maison_event_store:${schema}`;
}

export function expectedToSql(expected: ExpectedRevision): string {
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < 0)
      throw new RangeError(`expected revision must be a non-negative integer: ${String(expected)}`);
    return String(expected);
  }
  return expected;
}

/** An event as the columns of its row, for the JSON parameters of the append statements. */
function eventRow(e: EventEnvelope) {
  return {
    id: e.id,
    type: e.type,
    schema_version: e.schemaVersion,
    subject_id: e.subjectId,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    region: e.region,
    source: e.source,
    correlation_id: e.correlationId,
    causation_id: e.causationId,
    traceparent: e.traceparent ?? null,
    data: e.data ?? null,
  };
}

/** The batch as one JSON parameter: one round trip whatever the batch size. */
export function eventsToJson(events: readonly EventEnvelope[]): string {
  return JSON.stringify(events.map((e, i) => ({ i, ...eventRow(e) })));
}

export function appendSql(s: string): string {
  return `SELECT o_revision::text AS revision, o_transaction_id AS txid, o_position::text AS position
    FROM ${s}.append_events($1, $2, $3::json)`;
}

/**
 * Creates the streams that do not exist yet and inserts their events, in one statement: stream
 * rows first (`ON CONFLICT DO NOTHING` waits for a concurrent creator and then skips), then the
 * events of the streams this statement created, in input order. `$1` is `newStreamsToJson`.
 */
export function appendNewStreamsSql(s: string): string {
  return `WITH input AS (
    SELECT * FROM json_to_recordset($1::json) AS x(n bigint, stream text, i bigint, id uuid,
      type text, schema_version integer, subject_id text, occurred_at text, recorded_at text,
      region text, source jsonb, correlation_id text, causation_id text, traceparent text,
      data jsonb)),
  created AS (
    INSERT INTO ${s}.streams (stream_id, revision)
    SELECT stream, max(i) FROM input GROUP BY stream ORDER BY stream
    ON CONFLICT DO NOTHING RETURNING stream_id),
  inserted AS (
    INSERT INTO ${s}.events (stream_id, revision, event_id, type, schema_version, subject_id,
      occurred_at, occurred_at_text, recorded_at, recorded_at_text, region, source,
      correlation_id, causation_id, traceparent, data)
    SELECT x.stream, x.i, x.id, x.type, x.schema_version, x.subject_id,
      x.occurred_at::timestamptz, x.occurred_at, x.recorded_at::timestamptz, x.recorded_at,
      x.region, x.source, x.correlation_id, x.causation_id, x.traceparent, x.data
      FROM input x JOIN created c ON c.stream_id = x.stream
     ORDER BY x.n
    RETURNING stream_id, revision, transaction_id, position)
  SELECT stream_id, revision::text AS revision, transaction_id::text AS txid,
         position::text AS position
    FROM inserted ORDER BY position`;
}

export function newStreamsToJson(
  appends: readonly { readonly streamId: string; readonly events: readonly EventEnvelope[] }[],
): string {
  let n = 0;
  return JSON.stringify(
    appends.flatMap((a) =>
      a.events.map((e, i) => ({ n: n++, stream: a.streamId, i, ...eventRow(e) })),
    ),
  );
}

export interface AppendRow {
  readonly revision: string;
  readonly txid: string;
  readonly position: string;
}

// output aliases shadow column names in ORDER BY: always order by `e.<column>`
const EVENT_COLUMNS = `stream_id, revision::text AS revision, event_id::text AS event_id, type,
  schema_version, subject_id, occurred_at_text, recorded_at_text, region, source, correlation_id,
  causation_id, traceparent, data, transaction_id::text AS txid, position::text AS position`;

export interface EventRow {
  readonly stream_id: string;
  readonly revision: string;
  readonly event_id: string;
  readonly type: string;
  readonly schema_version: number;
  readonly subject_id: string | null;
  readonly occurred_at_text: string;
  readonly recorded_at_text: string;
  readonly region: string;
  readonly source: unknown;
  readonly correlation_id: string;
  readonly causation_id: string | null;
  readonly traceparent: string | null;
  readonly data: unknown;
  readonly txid: string;
  readonly position: string;
}

export function readStreamSql(s: string, direction: 'forwards' | 'backwards'): string {
  return direction === 'forwards'
    ? `SELECT ${EVENT_COLUMNS} FROM ${s}.events e WHERE stream_id = $1 AND revision >= $2
       ORDER BY e.revision LIMIT $3`
    : `SELECT ${EVENT_COLUMNS} FROM ${s}.events e WHERE stream_id = $1 AND revision <= $2
       ORDER BY e.revision DESC LIMIT $3`;
}

/**
 * Events strictly after (commit, prepare), in global order, but only those written by transactions
 * older than every transaction still running: a transaction that took its sequence numbers early
 * and commits late is never overtaken, so a reader checkpointing on (transaction id, position)
 * never skips it. `$4` is an optional array of LIKE patterns (stream prefixes).
 */
export function readAllSql(s: string): string {
  return `SELECT ${EVENT_COLUMNS} FROM ${s}.events e
    WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
      AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      AND ($4::text[] IS NULL OR stream_id LIKE ANY ($4::text[]))
    ORDER BY e.transaction_id, e.position LIMIT $3`;
}

/**
 * The last committed event after `$1/$2` (matching the optional prefixes `$3`), ignoring the
 * snapshot horizon: what a subscriber must have delivered before it may say it is live. Rows a
 * running transaction elsewhere still holds back from {@link readAllSql} count here.
 */
export function committedHeadSql(s: string): string {
  return `SELECT e.transaction_id::text AS txid, e.position::text AS position FROM ${s}.events e
    WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
      AND ($3::text[] IS NULL OR stream_id LIKE ANY ($3::text[]))
    ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1`;
}

export function prefixPatterns(prefixes: readonly string[] | undefined): string[] | null {
  if (!prefixes) return null;
  return prefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

/** Parameters for "strictly after": START (negative) maps below every real transaction id. */
export function afterParams(after: GlobalPosition): [string, string] {
  return after.commit < 0n ? ['0', '-1'] : [after.commit.toString(), after.prepare.toString()];
}

export function toPosition(txid: string, position: string): GlobalPosition {
  return { commit: BigInt(txid), prepare: BigInt(position) };
}
