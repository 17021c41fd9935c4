import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { serveModule, type ServedModule } from '@maison/runtime';
import { eventually } from '@maison/testing';
import { createTransactionsService, type TransactionsModule } from '../src/app.js';
import { SAMPLE_RATES_FILE, type TransactionsConfig } from '../src/config.js';
import { DEFAULT_TIER_RULES } from '../src/tier/tier.rules.js';
import type { ShopConfig } from '../src/shopify/shopify.mapping.js';

export const SHOP: ShopConfig = {
  domain: 'maison-eu.myshopify.com',
  // generated per run: secrets are never committed
  secret: `test-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`,
  region: 'EU',
  country: 'FR',
  storeId: 'WEB-EU',
  taxesIncluded: true,
};

export function testConfig(overrides: Partial<TransactionsConfig> = {}): TransactionsConfig {
  return {
    reportingCurrency: 'EUR',
    fxRatesFile: SAMPLE_RATES_FILE,
    maxRateGapDays: 5,
    tierRules: DEFAULT_TIER_RULES,
    shopifyShops: [SHOP],
    batchLimit: 1000,
    importMaxBytes: 64 * 1024 * 1024,
    importLeaseMs: 2000,
    ...overrides,
  };
}

export interface Harness {
  readonly env: TestEnvironment;
  readonly module: TransactionsModule;
  readonly served: ServedModule;
  readonly integration: string;
  readonly admin: string;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  get(
    path: string,
    authorization?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  graphql(
    query: string,
    variables: Record<string, unknown>,
    authorization: string,
  ): Promise<Record<string, unknown>>;
  sql<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { transport?: 'kafka' | 'memory'; config?: Partial<TransactionsConfig> } = {},
): Promise<Harness> {
  const env = await createTestEnvironment({ transport: options.transport ?? 'kafka' });
  const ctx = env.contextFor('transactions');
  const module = await createTransactionsService(ctx, testConfig(options.config));
  await module.start();
  const served = await serveModule(module, ctx);
  const integration = await env.auth.authorization({ role: 'integration' });
  const admin = await env.auth.authorization({ role: 'admin' });
  const h: Harness = {
    env,
    module,
    served,
    integration,
    admin,
    post: async (path, body, headers = {}) => {
      const res = await fetch(`${served.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: integration, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        headers: res.headers,
      };
    },
    get: async (path, authorization = admin) => {
      const res = await fetch(`${served.url}${path}`, { headers: { authorization } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    graphql: async (query, variables, authorization) => {
      const res = await fetch(`${served.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    sql: (sql, params = []) => env.database.query(sql, params),
    close: async () => {
      await served.close();
      await module.stop();
      await env.cleanup();
    },
  };
  return h;
}

let counter = 0;
/** A valid boutique sale (override anything). */
export function sale(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    kind: 'sale',
    sourceSystem: 'pos.cegid',
    sourceTransactionId: `PAR-01/2026/${Date.now().toString(36)}-${counter}`,
    channel: 'boutique',
    storeId: 'PAR-01',
    region: 'EU',
    country: 'FR',
    associateId: 'A-PAR-1',
    occurredAt: '2026-11-20T15:30:00+01:00',
    currency: 'EUR',
    lines: [
      {
        sku: 'BAG-001',
        productId: 'P-1',
        name: 'Top handle bag',
        categoryPath: ['Leather goods', 'Bags'],
        quantity: 1,
        unitPrice: { amountMinor: 250000, currency: 'EUR' },
      },
    ],
    total: { amountMinor: 250000, currency: 'EUR' },
    customer: [{ type: 'email', value: `client-${counter}@example.com` }],
    ...overrides,
  };
}

export async function transactionCount(
  h: Harness,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const rows = await h.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM transactions.transactions WHERE ${where}`,
    params,
  );
  return rows[0]?.n ?? 0;
}

export function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return eventually(probe, { timeoutMs, what });
}
