import type { ClientDirectory } from '@maison/client-directory';
import { newEventId, type IdentifierRef, type Region } from '@maison/event-contracts';
import { handleCommand, type EventStore, type RecordedEvent } from '@maison/event-store';
import type { Logger } from '@maison/service-kit';
import type { SqlQueryable } from '@maison/sql';
import {
  clientTierDecider,
  decideTier,
  initialTierState,
  type SetTier,
} from '../tier/client-tier.decider.js';
import { tierFor, type Tier, type TierRules } from '../tier/tier.rules.js';
import { transactionDecider } from '../transaction/transaction.decider.js';
import type {
  AttributedData,
  CancelledData,
  RecordedData,
} from '../transaction/transaction.events.js';
import { transactionStream } from '../transaction/transaction.events.js';
import { lockIndexes } from './locks.js';

export interface ProjectionDeps {
  readonly schema: string;
  readonly store: EventStore;
  readonly directory: ClientDirectory;
  readonly tierRules: TierRules;
  readonly reportingCurrency: string;
  readonly region: Region;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** After the commit: drop cached views of these clients. */
  readonly invalidate: (clientIds: readonly string[]) => Promise<void>;
}

interface RowState {
  readonly transactionId: string;
  readonly kind: string;
  readonly storeId: string;
  readonly associateId: string;
  readonly day: string;
  readonly captured: boolean;
  clientId: string | null;
  via: string | null;
  cancelled: boolean;
}

const counted = (r: RowState): boolean =>
  !r.cancelled && (r.kind === 'sale' || r.kind === 'exchange');

function contribution(r: RowState | undefined): [number, number, number] {
  if (!r || !counted(r)) return [0, 0, 0];
  return [1, r.captured ? 1 : 0, r.clientId === null ? 0 : 1];
}

const TWELVE_MONTHS_MS = 365 * 24 * 60 * 60 * 1000;
/** Longest a tier decision waits while the projection works off a backlog. */
const TIER_DEFER_MS = 5000;

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Signed reporting amount of each line, spread by its share of the total. */
function categorySpend(d: RecordedData): Map<string, number> {
  const out = new Map<string, number>();
  const reporting = d.reporting?.amount.amountMinor ?? 0;
  const gross = d.lines.reduce((sum, l) => sum + l.lineTotal.amountMinor, 0);
  for (const l of d.lines) {
    const sign = d.kind === 'return' || l.direction === 'in' ? -1 : 1;
    const share =
      gross === 0 ? 0 : Math.round((Math.abs(reporting) * l.lineTotal.amountMinor) / gross);
    const cat = l.categoryPath[0] ?? 'Other';
    out.set(cat, (out.get(cat) ?? 0) + sign * share);
  }
  return out;
}

/**
 * The transactions read model from the service's own events, a batch per database transaction:
 * transactions with their references and category spend, per-client KPIs and tier, per store and
 * associate daily capture counts. It also closes the one race of asynchronous attribution (a
 * transaction projected while identity's link is being applied): under the same advisory locks
 * as the identity consumer, it checks each new transaction against the directory and corrects
 * its attribution; and when live, it decides tier changes.
 */
export function transactionsProjection(deps: ProjectionDeps) {
  const s = deps.schema;
  const pendingTiers = new Set<string>();
  let lastTierRun = 0;

  return async (
    events: readonly RecordedEvent[],
    tx: SqlQueryable,
    state: { readonly live: boolean; readonly backlog: boolean },
  ): Promise<(() => Promise<void>) | undefined> => {
    const recorded: RecordedEvent[] = [];
    const touched = new Set<string>();
    for (const e of events) {
      if (e.type === 'TransactionRecorded') recorded.push(e);
      if (e.type.startsWith('Transaction'))
        touched.add((e.data as { transactionId: string }).transactionId);
    }
    const tierEvents = events.filter((e) => e.type === 'ClientTierChanged');

    // rows as they were before this batch
    const before = new Map<string, RowState>();
    if (touched.size > 0) {
      const rows = await tx.query<{
        transaction_id: string;
        kind: string;
        store_id: string | null;
        associate_id: string | null;
        day: string;
        captured: boolean;
        client_id: string | null;
        via_index: string | null;
        cancelled: boolean;
      }>(
        `SELECT transaction_id, kind, store_id, associate_id, business_date::text AS day, captured, client_id,
                via_index, cancelled_at IS NOT NULL AS cancelled
           FROM ${s}.transactions WHERE transaction_id = ANY($1::uuid[])`,
        [[...touched]],
      );
      for (const r of rows)
        before.set(r.transaction_id, {
          transactionId: r.transaction_id,
          kind: r.kind,
          storeId: r.store_id ?? '',
          associateId: r.associate_id ?? '',
          day: r.day,
          captured: r.captured,
          clientId: r.client_id,
          via: r.via_index,
          cancelled: r.cancelled,
        });
    }

    // new rows
    const inserts: unknown[] = [];
    const refs: unknown[] = [];
    const categories: unknown[] = [];
    const after = new Map<string, RowState>();
    for (const [id, r] of before) after.set(id, { ...r });
    for (const e of recorded) {
      const d = e.data as RecordedData;
      if (before.has(d.transactionId) || after.has(d.transactionId)) continue;
      inserts.push({
        transaction_id: d.transactionId,
        source_system: d.sourceSystem,
        source_transaction_id: d.sourceTransactionId,
        kind: d.kind,
        channel: d.channel,
        store_id: d.storeId,
        region: d.region,
        country: d.country,
        associate_id: d.associateId,
        occurred_at: d.occurredAt,
        occurred_at_text: d.occurredAt,
        business_date: d.occurredAt.slice(0, 10),
        currency: d.currency,
        total_minor: d.total.amountMinor,
        reporting_minor: d.reporting?.amount.amountMinor ?? null,
        reporting_currency: d.reporting?.amount.currency ?? null,
        fx_rate: d.reporting?.rate ?? null,
        fx_rate_date: d.reporting?.rateDate ?? null,
        fx_source: d.reporting?.source ?? null,
        original_transaction_id: d.originalTransactionId,
        lines: d.lines,
        captured: d.customer.length > 0,
        correlation_id: e.correlationId,
        recorded_at: e.recordedAt,
      });
      d.customer.forEach((c, priority) =>
        refs.push({
          identifier_index: c.index,
          transaction_id: d.transactionId,
          priority,
          identifier_type: c.type,
          scope: c.scope,
        }),
      );
      for (const [category, amount] of categorySpend(d))
        categories.push({ transaction_id: d.transactionId, category, reporting_minor: amount });
      after.set(d.transactionId, {
        transactionId: d.transactionId,
        kind: d.kind,
        storeId: d.storeId ?? '',
        associateId: d.associateId ?? '',
        day: d.occurredAt.slice(0, 10),
        captured: d.customer.length > 0,
        clientId: null,
        via: null,
        cancelled: false,
      });
    }
    if (inserts.length > 0) {
      await tx.query(
        `INSERT INTO ${s}.transactions
           SELECT r.transaction_id, r.source_system, r.source_transaction_id, r.kind, r.channel, r.store_id, r.region,
                  r.country, r.associate_id, r.occurred_at, r.occurred_at_text, r.business_date, r.currency, r.total_minor,
                  r.reporting_minor, r.reporting_currency, r.fx_rate, r.fx_rate_date, r.fx_source, r.original_transaction_id,
                  r.lines, r.captured, NULL, NULL, NULL, NULL, r.correlation_id, r.recorded_at
             FROM jsonb_to_recordset($1::jsonb) AS r(
               transaction_id uuid, source_system text, source_transaction_id text, kind text, channel text, store_id text,
               region text, country text, associate_id text, occurred_at timestamptz, occurred_at_text text,
               business_date date, currency text, total_minor bigint, reporting_minor bigint, reporting_currency text,
               fx_rate text, fx_rate_date date, fx_source text, original_transaction_id uuid, lines jsonb, captured boolean,
               correlation_id text, recorded_at timestamptz)
           ON CONFLICT (transaction_id) DO NOTHING`,
        [JSON.stringify(inserts)],
      );
      if (refs.length > 0)
        await tx.query(
          `INSERT INTO ${s}.transaction_refs SELECT * FROM jsonb_to_recordset($1::jsonb)
             AS r(identifier_index text, transaction_id uuid, priority smallint, identifier_type text, scope text)
             ON CONFLICT DO NOTHING`,
          [JSON.stringify(refs)],
        );
      if (categories.length > 0)
        await tx.query(
          `INSERT INTO ${s}.transaction_categories SELECT * FROM jsonb_to_recordset($1::jsonb)
             AS r(transaction_id uuid, category text, reporting_minor bigint) ON CONFLICT DO NOTHING`,
          [JSON.stringify(categories)],
        );
    }

    // attributions and cancellations, in order
    const erased = new Set<string>();
    const candidates = events
      .filter((e) => e.type === 'TransactionAttributed')
      .map((e) => (e.data as AttributedData).clientId)
      .filter((c): c is string => c !== null);
    if (candidates.length > 0) {
      const rows = await tx.query<{ client_id: string }>(
        `SELECT client_id FROM ${s}.erased_clients WHERE client_id = ANY($1::text[])`,
        [candidates],
      );
      for (const r of rows) erased.add(r.client_id);
    }
    const cancelReasons = new Map<string, CancelledData>();
    for (const e of events) {
      if (e.type === 'TransactionAttributed') {
        const d = e.data as AttributedData;
        const row = after.get(d.transactionId);
        if (!row) continue;
        row.clientId = d.clientId !== null && erased.has(d.clientId) ? null : d.clientId;
        row.via = row.clientId === null ? null : (d.via?.index ?? null);
      } else if (e.type === 'TransactionCancelled') {
        const d = e.data as CancelledData;
        const row = after.get(d.transactionId);
        if (!row) continue;
        row.cancelled = true;
        cancelReasons.set(d.transactionId, d);
      }
    }
    const updates: unknown[] = [];
    const affected = new Set<string>();
    const capture = new Map<string, [number, number, number]>();
    for (const [id, row] of after) {
      const was = before.get(id);
      const changed =
        was === undefined ? true : was.clientId !== row.clientId || was.cancelled !== row.cancelled;
      if (!changed) continue;
      if (was?.clientId) affected.add(was.clientId);
      if (row.clientId) affected.add(row.clientId);
      const c = cancelReasons.get(id);
      if (was || row.clientId !== null || row.cancelled)
        updates.push({
          transaction_id: id,
          client_id: row.clientId,
          via_index: row.via,
          cancelled_at: c?.cancelledAt ?? null,
          cancel_reason: c?.reason ?? null,
        });
      const [t0, c0, i0] = contribution(was);
      const [t1, c1, i1] = contribution(row);
      if (t0 !== t1 || c0 !== c1 || i0 !== i1) {
        const key = `${row.storeId}\u0000${row.day}\u0000${row.associateId}`;
        const d = capture.get(key) ?? [0, 0, 0];
        capture.set(key, [d[0] + t1 - t0, d[1] + c1 - c0, d[2] + i1 - i0]);
      }
    }
    if (updates.length > 0)
      await tx.query(
        `UPDATE ${s}.transactions t
            SET client_id = u.client_id, via_index = u.via_index,
                cancelled_at = coalesce(u.cancelled_at, t.cancelled_at), cancel_reason = coalesce(u.cancel_reason, t.cancel_reason)
           FROM jsonb_to_recordset($1::jsonb) AS u(transaction_id uuid, client_id text, via_index text,
                                                   cancelled_at timestamptz, cancel_reason text)
          WHERE t.transaction_id = u.transaction_id`,
        [JSON.stringify(updates)],
      );
    if (capture.size > 0) {
      const rows = [...capture].map(([key, [t, c, i]]) => {
        const [store_id, day, associate_id] = key.split('\u0000');
        return { store_id, day, associate_id, transactions: t, captured: c, identified: i };
      });
      await tx.query(
        `INSERT INTO ${s}.capture_daily (store_id, day, associate_id, transactions, captured, identified)
           SELECT store_id, day, associate_id, transactions, captured, identified
             FROM jsonb_to_recordset($1::jsonb) AS r(store_id text, day date, associate_id text,
                                                    transactions int, captured int, identified int)
         ON CONFLICT (store_id, day, associate_id) DO UPDATE
           SET transactions = ${s}.capture_daily.transactions + EXCLUDED.transactions,
               captured = ${s}.capture_daily.captured + EXCLUDED.captured,
               identified = ${s}.capture_daily.identified + EXCLUDED.identified`,
        [JSON.stringify(rows)],
      );
    }

    // identity may have linked a reference while these transactions were on their way: check
    // them against the directory, under the locks the identity consumer takes
    const corrections: {
      transactionId: string;
      attribution: { clientId: string; via: IdentifierRef } | null;
    }[] = [];
    const withRefs = recorded
      .map((e) => e.data as RecordedData)
      .filter((d) => d.customer.length > 0 && after.has(d.transactionId));
    if (withRefs.length > 0) {
      await lockIndexes(
        tx,
        withRefs.flatMap((d) => d.customer.map((c) => c.index)),
      );
      const owners = await deps.directory.attributeMany(
        tx,
        withRefs.map((d) => d.customer),
      );
      withRefs.forEach((d, i) => {
        const owner = owners[i] ?? null;
        const row = after.get(d.transactionId);
        const wanted = owner !== null && erased.has(owner.clientId) ? null : owner;
        if ((wanted?.clientId ?? null) === (row?.clientId ?? null)) return;
        const ref = d.customer.find((c) => c.index === wanted?.via);
        corrections.push({
          transactionId: d.transactionId,
          attribution:
            wanted && ref
              ? {
                  clientId: wanted.clientId,
                  via: { type: ref.type, scope: ref.scope, index: ref.index },
                }
              : null,
        });
      });
    }
    const now = deps.clock().toISOString();
    for (const c of corrections) {
      await handleCommand(deps.store, transactionStream(c.transactionId), transactionDecider, {
        type: 'AttributeTransaction',
        transactionId: c.transactionId,
        attribution: c.attribution,
        at: now,
        meta: {
          eventId: newEventId(),
          recordedAt: now,
          region: deps.region,
          correlationId: c.transactionId,
          causationId: null,
        },
      });
    }

    // KPIs of every client whose transactions changed, then their tier
    if (tierEvents.length > 0) {
      // the last change of each client in the batch wins
      const tiers = new Map<
        string,
        { client_id: string; tier: Tier; rule: string; since: string }
      >();
      for (const e of tierEvents) {
        const d = e.data as { clientId: string; to: Tier; rule: { id: string } };
        tiers.set(d.clientId, {
          client_id: d.clientId,
          tier: d.to,
          rule: d.rule.id,
          since: e.occurredAt,
        });
      }
      await tx.query(
        `UPDATE ${s}.client_kpis k SET tier = t.tier, tier_rule = t.rule, tier_since = t.since
           FROM jsonb_to_recordset($1::jsonb) AS t(client_id text, tier text, rule text, since timestamptz)
          WHERE k.client_id = t.client_id`,
        [JSON.stringify([...tiers.values()])],
      );
    }
    for (const c of affected) pendingTiers.add(c);
    // Tier decisions need only each client's latest spend: while a backlog is being worked off (a
    // backfill), they wait — at most TIER_DEFER_MS — so a client is decided once, not at every step.
    const decideTiers =
      state.live &&
      pendingTiers.size > 0 &&
      (!state.backlog || deps.clock().getTime() - lastTierRun >= TIER_DEFER_MS);
    if (affected.size === 0 && !decideTiers) return undefined;
    const windowStart = new Date(deps.clock().getTime() - TWELVE_MONTHS_MS).toISOString();
    await recomputeKpis(tx, s, [...affected], windowStart, deps.reportingCurrency, now);
    if (decideTiers) {
      lastTierRun = deps.clock().getTime();
      const toDecide = [...pendingTiers];
      pendingTiers.clear();
      const current = await tx.query<{
        client_id: string;
        rolling_minor: string;
        orders: number;
        tier: Tier | null;
      }>(
        `SELECT client_id, rolling_minor::text, orders, tier FROM ${s}.client_kpis WHERE client_id = ANY($1::text[])`,
        [toDecide],
      );
      const changed = current
        .map((k) => {
          const rolling = {
            amountMinor: Number(k.rolling_minor),
            currency: deps.reportingCurrency,
          };
          return { k, rolling, decision: tierFor(deps.tierRules, rolling, k.orders) };
        })
        .filter((c) => c.decision.tier !== c.k.tier);
      const applied: { client_id: string; tier: Tier; rule: string; since: string | null }[] = [];
      const command = ({ k, rolling, decision }: (typeof changed)[number]): SetTier => ({
        type: 'SetTier',
        clientId: k.client_id,
        tier: decision.tier,
        rollingSpend: rolling,
        rule: decision.rule,
        at: now,
        meta: {
          eventId: newEventId(),
          recordedAt: now,
          region: deps.region,
          correlationId: k.client_id,
          causationId: null,
        },
      });
      const tierStream = (clientId: string) => `transactions-client-${clientId}`;
      // a client's first tier (most of them in a backfill): its stream is new — all in one append
      let careful = changed;
      const appendNewStreams = deps.store.appendNewStreams?.bind(deps.store);
      const first = changed.filter((c) => c.k.tier === null);
      if (appendNewStreams && first.length > 0) {
        const result = await appendNewStreams(
          first.map((c) => ({
            streamId: tierStream(c.k.client_id),
            events: decideTier(command(c), initialTierState()),
          })),
        );
        for (const c of first)
          if (result.appended.has(tierStream(c.k.client_id)))
            applied.push({
              client_id: c.k.client_id,
              tier: c.decision.tier,
              rule: c.decision.rule.id,
              since: now,
            });
        const existing = new Set(result.existing);
        careful = changed.filter(
          (c) => c.k.tier !== null || existing.has(tierStream(c.k.client_id)),
        );
      }
      // the others through their stream's history, each client its own stream: side by side
      await inParallel(careful, 8, async (c) => {
        const result = await handleCommand(
          deps.store,
          tierStream(c.k.client_id),
          clientTierDecider,
          command(c),
        );
        applied.push({
          client_id: c.k.client_id,
          tier: c.decision.tier,
          rule: c.decision.rule.id,
          since: result.events.length > 0 ? now : null,
        });
      });
      if (applied.length > 0)
        await tx.query(
          `UPDATE ${s}.client_kpis k SET tier = t.tier, tier_rule = t.rule, tier_since = coalesce(t.since, k.tier_since)
             FROM jsonb_to_recordset($1::jsonb) AS t(client_id text, tier text, rule text, since timestamptz)
            WHERE k.client_id = t.client_id`,
          [JSON.stringify(applied)],
        );
    }
    const invalidate = [...affected];
    return invalidate.length === 0 ? undefined : () => deps.invalidate(invalidate);
  };
}

async function recomputeKpis(
  tx: SqlQueryable,
  s: string,
  clients: readonly string[],
  windowStart: string,
  currency: string,
  now: string,
): Promise<number> {
  if (clients.length === 0) return 0;
  const rows = await tx.query(
    `WITH c AS (SELECT DISTINCT unnest($1::text[]) AS client_id),
     agg AS (
       SELECT c.client_id,
              coalesce(sum(t.reporting_minor) FILTER (WHERE t.cancelled_at IS NULL), 0) AS lifetime,
              coalesce(sum(t.reporting_minor) FILTER (WHERE t.cancelled_at IS NULL AND t.occurred_at >= $2), 0) AS rolling,
              count(t.transaction_id) FILTER (WHERE t.cancelled_at IS NULL AND t.kind = 'sale') AS orders,
              count(t.transaction_id) FILTER (WHERE t.cancelled_at IS NULL AND t.kind = 'sale' AND t.occurred_at >= $2) AS orders_12m,
              coalesce(sum(t.reporting_minor) FILTER (WHERE t.cancelled_at IS NULL AND t.kind = 'sale'), 0) AS sales,
              coalesce(sum(t.reporting_minor) FILTER (WHERE t.cancelled_at IS NULL AND t.kind = 'return'), 0) AS returns,
              min(t.occurred_at) FILTER (WHERE t.cancelled_at IS NULL AND t.kind = 'sale') AS first_purchase,
              max(t.occurred_at) FILTER (WHERE t.cancelled_at IS NULL AND t.kind = 'sale') AS last_purchase,
              coalesce(array_agg(DISTINCT t.store_id) FILTER (WHERE t.store_id IS NOT NULL AND t.cancelled_at IS NULL), '{}') AS stores,
              coalesce(array_agg(DISTINCT t.region) FILTER (WHERE t.region IS NOT NULL AND t.cancelled_at IS NULL), '{}') AS regions,
              coalesce(array_agg(DISTINCT t.associate_id) FILTER (WHERE t.associate_id IS NOT NULL AND t.cancelled_at IS NULL), '{}') AS associates
         FROM c LEFT JOIN ${s}.transactions t ON t.client_id = c.client_id
        GROUP BY c.client_id)
     INSERT INTO ${s}.client_kpis (client_id, currency, lifetime_minor, rolling_minor, orders, orders_12m, sales_minor,
                                   returns_minor, first_purchase_at, last_purchase_at, stores, regions, associates, computed_at)
     SELECT client_id, $3, lifetime, rolling, orders, orders_12m, sales, returns, first_purchase, last_purchase,
            stores, regions, associates, $4 FROM agg
     ON CONFLICT (client_id) DO UPDATE SET
       currency = EXCLUDED.currency, lifetime_minor = EXCLUDED.lifetime_minor, rolling_minor = EXCLUDED.rolling_minor,
       orders = EXCLUDED.orders, orders_12m = EXCLUDED.orders_12m, sales_minor = EXCLUDED.sales_minor,
       returns_minor = EXCLUDED.returns_minor, first_purchase_at = EXCLUDED.first_purchase_at,
       last_purchase_at = EXCLUDED.last_purchase_at, stores = EXCLUDED.stores, regions = EXCLUDED.regions,
       associates = EXCLUDED.associates, computed_at = EXCLUDED.computed_at
     RETURNING client_id`,
    [clients, windowStart, currency, now],
  );
  return rows.length;
}
