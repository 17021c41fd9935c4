import { DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import type { Migration } from '@maison/sql';

/** Read models of the consent service, schema `consent` (versioned, append-only). */
export const CONSENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'consent read models, notice registry, pending attribution, ledger, erasure, audit',
    sql: (s) => `
CREATE TABLE ${s}.consent_records (
  event_id uuid PRIMARY KEY,
  client_id text NOT NULL,
  consent_id uuid NOT NULL,
  seq bigint NOT NULL,
  purpose text NOT NULL,
  channel text,
  contact_key text NOT NULL DEFAULT '',
  contact_type text,
  -- decrypted contact point: personal data, purged on ClientErased
  contact_point text,
  state text NOT NULL,
  legal_basis text NOT NULL,
  notice_id text, notice_version text, notice_sha256 text, notice_language text,
  method text NOT NULL,
  point text NOT NULL,
  store_id text,
  associate_id text,
  source_system text NOT NULL,
  actor text,
  evidence_strength text NOT NULL,
  jurisdiction text NOT NULL,
  recipient text,
  transfer_purposes text[] NOT NULL DEFAULT '{}',
  night_time boolean NOT NULL,
  proof_ref text,
  expires_at text,
  occurred_at timestamptz NOT NULL,
  occurred_at_text text NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_at_text text NOT NULL,
  region text NOT NULL
);
CREATE INDEX consent_records_client ON ${s}.consent_records (client_id, seq);
CREATE INDEX consent_records_recorded ON ${s}.consent_records (recorded_at, event_id);
CREATE INDEX consent_records_occurred ON ${s}.consent_records (occurred_at);
CREATE INDEX consent_records_store ON ${s}.consent_records (store_id);
CREATE INDEX consent_records_associate ON ${s}.consent_records (associate_id);
CREATE SEQUENCE ${s}.consent_records_seq;

CREATE TABLE ${s}.client_scope (
  client_id text PRIMARY KEY,
  home_region text,
  home_store_id text,
  book_store_ids text[] NOT NULL DEFAULT '{}',
  associate_ids text[] NOT NULL DEFAULT '{}',
  consent_store_ids text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE ${s}.notices (
  notice_id text NOT NULL,
  version text NOT NULL,
  language text NOT NULL,
  jurisdiction text NOT NULL,
  title text NOT NULL,
  sha256 text NOT NULL,
  text text NOT NULL,
  published_at timestamptz NOT NULL,
  published_at_text text NOT NULL,
  event_id uuid NOT NULL,
  PRIMARY KEY (notice_id, version, language)
);

CREATE TABLE ${s}.pending_evidence (
  pending_id uuid PRIMARY KEY,
  event_id uuid NOT NULL,
  identifier_indexes text[] NOT NULL,
  key_subject text NOT NULL,
  status text NOT NULL,
  client_id text,
  reason text,
  received_at timestamptz NOT NULL,
  resolved_at timestamptz
);
CREATE INDEX pending_evidence_indexes ON ${s}.pending_evidence USING gin (identifier_indexes);

CREATE TABLE ${s}.webhook_deliveries (
  webhook_id text PRIMARY KEY,
  topic text NOT NULL,
  shop text NOT NULL,
  outcome text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${s}.ledger_leaves (
  region text NOT NULL,
  seq bigint NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  event_type text NOT NULL,
  leaf_hash bytea NOT NULL,
  bytes text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (region, seq)
);
CREATE INDEX ledger_leaves_stream ON ${s}.ledger_leaves (stream_id);

CREATE TABLE ${s}.ledger_checkpoints (
  region text NOT NULL,
  tree_size bigint NOT NULL,
  root_hash text NOT NULL,
  timestamp text NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL,
  origin text NOT NULL,
  PRIMARY KEY (region, tree_size)
);

CREATE TABLE ${s}.ledger_keys (
  key_id text PRIMARY KEY,
  algorithm text NOT NULL,
  public_key text NOT NULL,
  first_used_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${s}.erasure_requests (
  request_id uuid PRIMARY KEY,
  client_id text NOT NULL,
  aliases text[] NOT NULL DEFAULT '{}',
  requested_by text NOT NULL,
  ticket text,
  requested_at timestamptz NOT NULL,
  erased_at timestamptz
);

CREATE TABLE ${s}.erasure_reports (
  request_id uuid NOT NULL,
  service text NOT NULL,
  client_id text NOT NULL,
  purged jsonb NOT NULL,
  suppressed jsonb NOT NULL,
  completed_at timestamptz NOT NULL,
  event_id uuid NOT NULL,
  PRIMARY KEY (request_id, service)
);

CREATE TABLE ${s}.audit_access_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  subject text NOT NULL,
  role text NOT NULL,
  token_id text NOT NULL,
  action text NOT NULL,
  client_id text,
  params jsonb NOT NULL
);

CREATE TABLE ${s}.decision_log (
  id bigserial PRIMARY KEY,
  decided_at timestamptz NOT NULL,
  client_id text NOT NULL,
  purpose text NOT NULL,
  channel text,
  processing_at timestamptz NOT NULL,
  allowed boolean NOT NULL,
  code text NOT NULL,
  relied_on text[] NOT NULL,
  policies jsonb NOT NULL,
  caller_subject text,
  caller_role text
);
CREATE INDEX decision_log_client ON ${s}.decision_log (client_id, processing_at);
`,
  },
];

export { DIRECTORY_MIGRATIONS };
