import type { Migration } from '@maison/sql';

/** Read models of schema `transactions` (versioned, append-only: add a migration, never edit one). */
export const READ_MODEL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'transactions, references, categories, client KPIs, capture rate, erasures',
    sql: (s) => `
CREATE TABLE ${s}.transactions (
  transaction_id uuid PRIMARY KEY,
  source_system text NOT NULL,
  source_transaction_id text NOT NULL,
  kind text NOT NULL,
  channel text NOT NULL,
  store_id text,
  region text NOT NULL,
  country text NOT NULL,
  associate_id text,
  occurred_at timestamptz NOT NULL,
  occurred_at_text text NOT NULL,
  business_date date NOT NULL,
  currency text NOT NULL,
  total_minor bigint NOT NULL,
  reporting_minor bigint,
  reporting_currency text,
  fx_rate text,
  fx_rate_date date,
  fx_source text,
  original_transaction_id uuid,
  lines jsonb NOT NULL,
  captured boolean NOT NULL,
  client_id text,
  via_index text,
  cancelled_at timestamptz,
  cancel_reason text,
  correlation_id text,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX transactions_client ON ${s}.transactions (client_id, occurred_at DESC, transaction_id DESC)
  WHERE client_id IS NOT NULL;
CREATE INDEX transactions_store_day ON ${s}.transactions (store_id, business_date);
CREATE INDEX transactions_correlation ON ${s}.transactions (correlation_id);
CREATE TABLE ${s}.transaction_refs (
  identifier_index text NOT NULL,
  transaction_id uuid NOT NULL,
  priority smallint NOT NULL,
  identifier_type text NOT NULL,
  scope text,
  PRIMARY KEY (identifier_index, transaction_id)
);
CREATE INDEX transaction_refs_tx ON ${s}.transaction_refs (transaction_id);
CREATE TABLE ${s}.transaction_categories (
  transaction_id uuid NOT NULL,
  category text NOT NULL,
  reporting_minor bigint NOT NULL,
  PRIMARY KEY (transaction_id, category)
);
CREATE TABLE ${s}.client_kpis (
  client_id text PRIMARY KEY,
  currency text NOT NULL,
  lifetime_minor bigint NOT NULL,
  rolling_minor bigint NOT NULL,
  orders integer NOT NULL,
  orders_12m integer NOT NULL,
  sales_minor bigint NOT NULL,
  returns_minor bigint NOT NULL,
  first_purchase_at timestamptz,
  last_purchase_at timestamptz,
  stores text[] NOT NULL,
  regions text[] NOT NULL,
  associates text[] NOT NULL,
  tier text,
  tier_rule text,
  tier_since timestamptz,
  computed_at timestamptz NOT NULL
);
CREATE TABLE ${s}.capture_daily (
  store_id text NOT NULL,
  associate_id text NOT NULL,
  day date NOT NULL,
  transactions integer NOT NULL,
  captured integer NOT NULL,
  identified integer NOT NULL,
  PRIMARY KEY (store_id, day, associate_id)
);
CREATE TABLE ${s}.erased_clients (
  client_id text PRIMARY KEY,
  request_id uuid NOT NULL,
  erased_at timestamptz NOT NULL
);
CREATE TABLE ${s}.shopify_webhooks (
  webhook_id text PRIMARY KEY,
  shop text NOT NULL,
  topic text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${s}.imports (
  import_id uuid PRIMARY KEY,
  format text NOT NULL,
  source_system text,
  status text NOT NULL,
  bytes_total bigint NOT NULL DEFAULT 0,
  chunks integer NOT NULL DEFAULT 0,
  cursor_offset bigint NOT NULL DEFAULT 0,
  cursor_line integer NOT NULL DEFAULT 0,
  accepted integer NOT NULL DEFAULT 0,
  rejected integer NOT NULL DEFAULT 0,
  header text,
  error text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  lease_until timestamptz,
  lease_owner text
);
CREATE TABLE ${s}.import_chunks (
  import_id uuid NOT NULL REFERENCES ${s}.imports (import_id) ON DELETE CASCADE,
  chunk_no integer NOT NULL,
  start_offset bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (import_id, chunk_no)
);
CREATE TABLE ${s}.import_rejections (
  import_id uuid NOT NULL REFERENCES ${s}.imports (import_id) ON DELETE CASCADE,
  line integer NOT NULL,
  errors jsonb NOT NULL,
  PRIMARY KEY (import_id, line)
);
`,
  },
];
