import type { Migration } from '@maison/sql';

/**
 * The read models of schema `profiles`. Append-only: never edit a released migration.
 *
 * Personal data in plaintext lives in `profiles.fields`, `profiles.display_name`,
 * `profiles.sort_key`, `search_tokens`, `occasions` and `notes.text` (see ADR on profile search):
 * the erasure consumer deletes every row of an erased client from each of them.
 */
export const READ_MODEL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'profiles, search, occasions, notes, client book, records, purchases, reassignments',
    sql: (s) => `
CREATE TABLE ${s}.profiles (
  client_id text PRIMARY KEY,
  fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  display_name text,
  sort_key text NOT NULL DEFAULT '',
  home_region text,
  home_store_id text,
  time_zone text,
  updated_at text NOT NULL
);
CREATE INDEX profiles_sort ON ${s}.profiles (sort_key, client_id);
CREATE INDEX profiles_home_store ON ${s}.profiles (home_store_id);
CREATE INDEX profiles_home_region ON ${s}.profiles (home_region);

CREATE TABLE ${s}.search_tokens (
  client_id text NOT NULL,
  token text NOT NULL,
  PRIMARY KEY (client_id, token)
);
CREATE INDEX search_tokens_token ON ${s}.search_tokens (token text_pattern_ops);

CREATE TABLE ${s}.occasions (
  client_id text NOT NULL,
  position integer NOT NULL,
  kind text NOT NULL,
  label text,
  month integer NOT NULL,
  day integer NOT NULL,
  year integer,
  PRIMARY KEY (client_id, position)
);
CREATE INDEX occasions_day ON ${s}.occasions ((month * 100 + day));

CREATE TABLE ${s}.notes (
  note_id uuid PRIMARY KEY,
  client_id text NOT NULL,
  author_id text NOT NULL,
  store_id text,
  visibility text NOT NULL,
  text text NOT NULL,
  created_at text NOT NULL,
  created_ts timestamptz NOT NULL
);
CREATE INDEX notes_client ON ${s}.notes (client_id, created_ts);

CREATE TABLE ${s}.book_assignments (
  client_id text NOT NULL,
  associate_id text NOT NULL,
  role text NOT NULL,
  store_id text NOT NULL,
  since text NOT NULL,
  assigned_by text NOT NULL,
  policy_id text,
  policy_version text,
  merge_id uuid,
  reassignment_id uuid,
  PRIMARY KEY (client_id, associate_id)
);
CREATE UNIQUE INDEX book_assignments_primary ON ${s}.book_assignments (client_id) WHERE role = 'primary';
CREATE INDEX book_assignments_associate ON ${s}.book_assignments (associate_id, role);
CREATE INDEX book_assignments_store ON ${s}.book_assignments (store_id);

CREATE TABLE ${s}.book_stores (
  client_id text NOT NULL,
  store_id text NOT NULL,
  since text NOT NULL,
  added_by text NOT NULL,
  merge_id uuid,
  PRIMARY KEY (client_id, store_id)
);
CREATE INDEX book_stores_store ON ${s}.book_stores (store_id);

CREATE TABLE ${s}.book_history (
  event_id uuid PRIMARY KEY,
  ord bigserial NOT NULL,
  client_id text NOT NULL,
  at text NOT NULL,
  type text NOT NULL,
  role text,
  associate_id text,
  store_id text,
  previous_associate_id text,
  by_actor text NOT NULL,
  policy_id text,
  policy_version text,
  reason text,
  reassignment_id uuid,
  merge_id uuid
);
CREATE INDEX book_history_client ON ${s}.book_history (client_id, ord);
CREATE INDEX book_history_reassignment ON ${s}.book_history (reassignment_id) WHERE reassignment_id IS NOT NULL;

-- Stores a client is known at besides the book: where their records were captured.
CREATE TABLE ${s}.client_stores (
  client_id text NOT NULL,
  store_id text NOT NULL,
  PRIMARY KEY (client_id, store_id)
);
CREATE INDEX client_stores_store ON ${s}.client_stores (store_id);

-- Source records (no personal data: blind indexes only) waiting for, or given, an owner.
CREATE TABLE ${s}.records (
  record_id uuid PRIMARY KEY,
  stream_id text NOT NULL,
  store_id text,
  status text NOT NULL,
  client_id text,
  received_at text NOT NULL
);
CREATE INDEX records_client ON ${s}.records (client_id);
CREATE TABLE ${s}.record_refs (
  identifier_index text NOT NULL,
  record_id uuid NOT NULL,
  position integer NOT NULL,
  PRIMARY KEY (identifier_index, record_id)
);
CREATE INDEX record_refs_record ON ${s}.record_refs (record_id);

-- Purchases as transactions attributed them (TransactionAttributed, the last one wins).
CREATE TABLE ${s}.purchases (
  transaction_id uuid PRIMARY KEY,
  client_id text,
  kind text NOT NULL,
  occurred_at text NOT NULL,
  occurred_ts timestamptz NOT NULL,
  store_id text,
  region text NOT NULL,
  associate_id text,
  amount_minor bigint NOT NULL,
  currency text NOT NULL,
  reporting_minor bigint,
  reporting_currency text,
  attributed_at timestamptz NOT NULL
);
CREATE INDEX purchases_client ON ${s}.purchases (client_id, occurred_ts);
CREATE INDEX purchases_store ON ${s}.purchases (store_id, occurred_ts);
CREATE INDEX purchases_region ON ${s}.purchases (region, occurred_ts);

CREATE TABLE ${s}.reassignments (
  reassignment_id uuid PRIMARY KEY,
  from_associate_id text NOT NULL,
  to_associate_id text NOT NULL,
  to_store_id text NOT NULL,
  roles text[] NOT NULL,
  requested_by text NOT NULL,
  reason text NOT NULL,
  scope jsonb NOT NULL,
  status text NOT NULL,
  requested_at text NOT NULL,
  request_position text NOT NULL,
  total integer,
  moved integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  completed_at text,
  heartbeat timestamptz
);

CREATE TABLE ${s}.erased_clients (
  client_id text PRIMARY KEY,
  request_id uuid NOT NULL,
  erased_at text NOT NULL
);
`,
  },
];
