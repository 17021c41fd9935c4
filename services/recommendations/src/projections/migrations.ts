import type { Migration } from '@maison/sql';

/**
 * The read models of schema `recommendations` (versioned, append-only: add a migration, never edit
 * one). Everything here is derived from other services' topics, except `catalogue` (the feed) and
 * `model_meta` (the rebuild generation); a rebuild truncates the derived tables and replays.
 * Aggregates are `numeric`: sums of exact integer contributions (see engine/weights.ts).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'model',
    sql: (s) => `
      CREATE TABLE ${s}.transactions (
        transaction_id uuid PRIMARY KEY,
        facts jsonb,
        cancelled boolean NOT NULL DEFAULT false,
        erased boolean NOT NULL DEFAULT false,
        client_id text,
        attributed_at timestamptz,
        attribution_event_id uuid,
        original_transaction_id uuid
      );
      CREATE INDEX transactions_client ON ${s}.transactions (client_id);
      CREATE INDEX transactions_original ON ${s}.transactions (original_transaction_id)
        WHERE original_transaction_id IS NOT NULL;

      CREATE TABLE ${s}.client_items (
        client_id text NOT NULL,
        sku text NOT NULL,
        item jsonb NOT NULL,
        PRIMARY KEY (client_id, sku)
      );
      CREATE TABLE ${s}.client_returns (
        client_id text NOT NULL,
        sku text NOT NULL,
        PRIMARY KEY (client_id, sku)
      );
      CREATE TABLE ${s}.item_norms (sku text PRIMARY KEY, value numeric NOT NULL);
      CREATE TABLE ${s}.co_pairs (
        sku_a text NOT NULL,
        sku_b text NOT NULL,
        value numeric NOT NULL,
        PRIMARY KEY (sku_a, sku_b)
      );
      CREATE TABLE ${s}.ladder_steps (
        category text NOT NULL,
        from_rung text NOT NULL,
        to_rung text NOT NULL,
        clients numeric NOT NULL,
        PRIMARY KEY (category, from_rung, to_rung)
      );
      CREATE TABLE ${s}.popularity (
        scope text NOT NULL,
        sku text NOT NULL,
        value numeric NOT NULL,
        PRIMARY KEY (scope, sku)
      );
      CREATE INDEX popularity_rank ON ${s}.popularity (scope, value DESC, sku);
      CREATE TABLE ${s}.item_prices (
        sku text NOT NULL,
        currency text NOT NULL,
        sum_minor numeric NOT NULL,
        units numeric NOT NULL,
        PRIMARY KEY (sku, currency)
      );
      CREATE TABLE ${s}.items (
        sku text PRIMARY KEY,
        product_id text,
        name text NOT NULL,
        category text NOT NULL,
        rung text NOT NULL,
        category_path text[] NOT NULL,
        collection text,
        seen_at timestamptz NOT NULL,
        seen_tx uuid NOT NULL
      );
      CREATE INDEX items_category ON ${s}.items (category, rung);
      CREATE INDEX items_collection ON ${s}.items (collection) WHERE collection IS NOT NULL;

      CREATE TABLE ${s}.consents (
        client_id text PRIMARY KEY,
        state text NOT NULL,
        evidence text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        expires_at timestamptz,
        event_id uuid NOT NULL
      );
      CREATE TABLE ${s}.profiles (
        client_id text PRIMARY KEY,
        home_region text,
        home_store_id text
      );
      CREATE TABLE ${s}.client_book (
        client_id text NOT NULL,
        associate_id text NOT NULL,
        store_id text NOT NULL,
        PRIMARY KEY (client_id, associate_id)
      );
      CREATE TABLE ${s}.erased_clients (
        client_id text PRIMARY KEY,
        request_id uuid NOT NULL
      );
      CREATE TABLE ${s}.purge_reports (
        request_id uuid PRIMARY KEY,
        client_id text NOT NULL,
        purged jsonb NOT NULL,
        completed_at timestamptz NOT NULL,
        published boolean NOT NULL DEFAULT false
      );

      CREATE TABLE ${s}.catalogue (
        sku text PRIMARY KEY,
        available boolean NOT NULL,
        regions text[],
        stock integer
      );
      CREATE TABLE ${s}.model_meta (
        id integer PRIMARY KEY CHECK (id = 1),
        generation integer NOT NULL,
        catalogue_configured boolean NOT NULL DEFAULT false,
        catalogue_version text,
        rebuilt_at timestamptz
      );
      INSERT INTO ${s}.model_meta (id, generation) VALUES (1, 1);
    `,
  },
];

/** Tables rebuilt from the topics by a replay (the catalogue and model_meta are not). */
export const DERIVED_TABLES = [
  'transactions',
  'client_items',
  'client_returns',
  'item_norms',
  'co_pairs',
  'ladder_steps',
  'popularity',
  'item_prices',
  'items',
  'consents',
  'profiles',
  'client_book',
  'erased_clients',
  'directory_identifiers',
  'directory_aliases',
] as const;
