import { readFileSync } from 'node:fs';
import path from 'node:path';
import { can, canReadClientOf, requirePrincipal, type Principal } from '@maison/auth';
import { getOrLoad, type Cache } from '@maison/cache';
import type { GraphQLContext, SubgraphResolvers } from '@maison/runtime';
import { ForbiddenError, ValidationError } from '@maison/service-kit';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import { money, type KpiRow, type ReadModel } from '../projections/read-model.js';
import type { TierRules } from '../tier/tier.rules.js';

export const SCHEMA_FILE = path.join(import.meta.dirname, '..', '..', 'schema.graphql');

export function transactionsTypeDefs(): DocumentNode {
  return gql(readFileSync(SCHEMA_FILE, 'utf8'));
}

export interface SubgraphDeps {
  readonly readModel: ReadModel;
  readonly cache: Cache;
  readonly reportingCurrency: string;
  readonly tierRules: TierRules;
  readonly clock: () => Date;
}

const up = (s: string) => s.toUpperCase();
const down = (s: string | null | undefined) =>
  s === null || s === undefined ? null : s.toLowerCase();

interface ClientRef {
  readonly id: string;
}

function score(value: number, thresholds: readonly number[]): number {
  // thresholds ascending for scores 2..5
  let s = 1;
  for (const [i, t] of thresholds.entries()) if (value >= t) s = i + 2;
  return s;
}

/**
 * The resolvers. Every field checks the caller (never trusting the gateway alone): `client:read`
 * on the client's scope as the read model knows it — associates see the clients who bought in
 * their store or from them, store managers their stores', regional managers their region's.
 */
export function transactionsResolvers(deps: SubgraphDeps): SubgraphResolvers {
  const { readModel } = deps;
  const kpisOf = (clientId: string) =>
    getOrLoad(
      deps.cache,
      `kpis:${clientId}`,
      async () => ((await readModel.kpis(clientId)) ?? null) as unknown as never,
      {
        ttlMs: 60_000,
        tags: [`client:${clientId}`],
        onCacheError: () => undefined,
      },
    ) as Promise<KpiRow | null>;

  /** The canonical client and its KPIs, once the caller may read them. */
  const access = async (principal: Principal | undefined, id: string) => {
    const p = requirePrincipal(principal);
    if (!can(p, 'client:read')) throw new ForbiddenError('This token may not read client data.');
    const clientId = await readModel.canonical(id);
    const kpis = await kpisOf(clientId);
    // no purchase here: nothing to protect, an empty history
    if (kpis && !readModel.clientScopes(kpis).some((scope) => canReadClientOf(p, scope)))
      throw new ForbiddenError('The client is outside your stores, client book and region.');
    return { clientId, kpis };
  };

  return {
    Client: {
      __resolveReference: (ref: ClientRef) => ({ id: ref.id }),
      transactions: async (
        client: ClientRef,
        args: {
          first?: number;
          after?: string | null;
          channel?: string | null;
          region?: string | null;
          from?: string | null;
          to?: string | null;
        },
        ctx: GraphQLContext,
      ) => {
        if ((args.first ?? 20) < 0 || (args.first ?? 20) > 100)
          throw new ValidationError('first must be between 0 and 100.', [
            { pointer: '/first', detail: 'must be between 0 and 100' },
          ]);
        const { clientId, kpis } = await access(ctx.principal, client.id);
        if (!kpis)
          return {
            totalCount: 0,
            edges: [],
            pageInfo: {
              hasNextPage: false,
              hasPreviousPage: false,
              startCursor: null,
              endCursor: null,
            },
          };
        return readModel.clientTransactions(clientId, {
          first: args.first ?? 20,
          after: args.after,
          channel: down(args.channel),
          region: args.region,
          from: args.from,
          to: args.to,
        });
      },
      spend: async (client: ClientRef, _: unknown, ctx: GraphQLContext) => {
        const { clientId, kpis } = await access(ctx.principal, client.id);
        const currency = deps.reportingCurrency;
        const rolling = kpis ? await readModel.rolling(clientId) : { spend: '0', orders: 0 };
        const top = kpis ? await readModel.topCategories(clientId) : [];
        const t = deps.tierRules.thresholds;
        const last = kpis?.last_purchase_at ? new Date(kpis.last_purchase_at).getTime() : null;
        const days =
          last === null ? Number.POSITIVE_INFINITY : (deps.clock().getTime() - last) / 86_400_000;
        const recency =
          last === null
            ? 1
            : days <= 30
              ? 5
              : days <= 90
                ? 4
                : days <= 180
                  ? 3
                  : days <= 365
                    ? 2
                    : 1;
        const frequency = score(rolling.orders, [1, 2, 4, 8]);
        const monetary =
          Number(rolling.spend) <= 0
            ? 1
            : score(Number(rolling.spend), [1, t.silver, t.gold, t.vic]);
        return {
          currency,
          lifetime: money(kpis?.lifetime_minor ?? 0, currency),
          rolling12Months: money(rolling.spend, currency),
          orderCount: kpis?.orders ?? 0,
          ordersLast12Months: rolling.orders,
          averageOrderValue:
            kpis && kpis.orders > 0
              ? money(Math.round(Number(kpis.sales_minor) / kpis.orders), currency)
              : null,
          firstPurchaseAt: kpis?.first_purchase_at
            ? new Date(kpis.first_purchase_at).toISOString()
            : null,
          lastPurchaseAt: kpis?.last_purchase_at
            ? new Date(kpis.last_purchase_at).toISOString()
            : null,
          topCategories: top.map((c) => ({
            category: c.category,
            spend: money(c.spend, currency),
          })),
          regions: kpis?.regions ?? [],
          storeIds: kpis?.stores ?? [],
          rfm: { recency, frequency, monetary, segment: `${recency}${frequency}${monetary}` },
        };
      },
      tier: async (client: ClientRef, _: unknown, ctx: GraphQLContext) => {
        const { kpis } = await access(ctx.principal, client.id);
        return {
          level: up(kpis?.tier ?? 'prospect'),
          since: kpis?.tier_since ? new Date(kpis.tier_since).toISOString() : null,
          rule: kpis?.tier_rule ?? null,
        };
      },
    },
    Query: {
      transaction: async (_: unknown, args: { id: string }, ctx: GraphQLContext) => {
        const p = requirePrincipal(ctx.principal);
        if (!can(p, 'client:read'))
          throw new ForbiddenError('This token may not read client data.');
        const row = /^[0-9a-f-]{36}$/i.test(args.id)
          ? await readModel.transaction(args.id)
          : undefined;
        if (!row) return null;
        if (!canReadClientOf(p, readModel.transactionScope(row)))
          throw new ForbiddenError(
            'The transaction is outside your stores, client book and region.',
          );
        return readModel.transactionView(row);
      },
      storeCaptureRate: async (
        _: unknown,
        args: { storeId: string; from: string; to: string; granularity?: string | null },
        ctx: GraphQLContext,
      ) => {
        const p = requirePrincipal(ctx.principal);
        if (!can(p, 'client:read')) throw new ForbiddenError('This token may not read store KPIs.');
        const regions = await readModel.storeRegions(args.storeId);
        const allowed = [{ storeIds: [args.storeId] }, ...regions.map((r) => ({ region: r }))].some(
          (scope) => canReadClientOf(p, scope),
        );
        if (!allowed) throw new ForbiddenError('The store is outside your scope.');
        const report = await readModel.captureRate(
          args.storeId,
          args.from,
          args.to,
          args.granularity === 'MONTH' ? 'month' : 'day',
        );
        return {
          ...report,
          granularity: up(report.granularity),
          // an associate sees the store's figures and their own line, not their colleagues'
          associates:
            p.role === 'associate'
              ? report.associates.filter((a) => a.associateId === p.associateId)
              : report.associates,
        };
      },
    },
    Transaction: {
      kind: (t: { kind: string }) => up(t.kind),
      status: (t: { status: string }) => up(t.status),
      channel: (t: { channel: string }) => up(t.channel),
      reportingTotal: (t: { reporting: { total: unknown } | null }) => t.reporting?.total ?? null,
      fxRate: (t: { reporting: { rate: string | null } | null }) => t.reporting?.rate ?? null,
      fxRateDate: (t: { reporting: { rateDate: string | null } | null }) =>
        t.reporting?.rateDate ?? null,
    },
    TransactionLine: {
      direction: (l: { direction: string }) => up(l.direction),
    },
    TransactionAttribution: {
      status: (a: { status: string }) => up(a.status),
      client: (a: { clientId: string | null }) => (a.clientId === null ? null : { id: a.clientId }),
    },
  };
}
