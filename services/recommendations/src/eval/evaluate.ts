import {
  consentStream,
  deterministicEventId,
  profileStream,
  transactionStream,
  type EventEnvelope,
} from '@maison/event-contracts';
import type { GeneratedHistory, GeneratedTransaction } from './generator.js';

/**
 * Offline evaluation with a time-based split: the model learns from everything before the split
 * instant; for each client who bought before and after it, the pieces bought after it (and not
 * owned before) are the truth. hit-rate@k = share of those clients with at least one of them in
 * their top k; recall@k = mean share of each client's truth found in its top k.
 */
export interface Split {
  readonly train: readonly GeneratedTransaction[];
  /** Per client: SKUs bought after the split that it did not own before. */
  readonly truth: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per client: SKUs bought (or returned) before the split. */
  readonly seen: ReadonlyMap<string, ReadonlySet<string>>;
}

export function splitByTime(history: GeneratedHistory, splitAtMs: number): Split {
  const train = history.transactions.filter((t) => t.occurredAtMs < splitAtMs);
  const seen = new Map<string, Set<string>>();
  for (const t of train) {
    if (t.clientId === null) continue;
    const set = seen.get(t.clientId) ?? new Set<string>();
    for (const l of t.lines) set.add(l.sku);
    seen.set(t.clientId, set);
  }
  const truth = new Map<string, Set<string>>();
  for (const t of history.transactions) {
    if (t.occurredAtMs < splitAtMs || t.kind !== 'sale' || t.clientId === null) continue;
    const before = seen.get(t.clientId);
    if (!before) continue;
    const set = truth.get(t.clientId) ?? new Set<string>();
    for (const l of t.lines) if (!before.has(l.sku)) set.add(l.sku);
    if (set.size > 0) truth.set(t.clientId, set);
  }
  return { train, truth, seen };
}

export interface Metrics {
  readonly clients: number;
  readonly hitRate: number;
  readonly recall: number;
}

export function metricsAtK(
  recommendations: ReadonlyMap<string, readonly string[]>,
  truth: ReadonlyMap<string, ReadonlySet<string>>,
  k: number,
): Metrics {
  let hits = 0;
  let recall = 0;
  for (const [client, expected] of truth) {
    const top = (recommendations.get(client) ?? []).slice(0, k);
    const found = top.filter((s) => expected.has(s)).length;
    if (found > 0) hits++;
    recall += found / expected.size;
  }
  const n = truth.size;
  return {
    clients: n,
    hitRate: n === 0 ? 0 : hits / n,
    recall: n === 0 ? 0 : recall / n,
  };
}

/** The popularity baseline: the training period's best sellers (units), minus what the client has. */
export function popularityBaseline(
  split: Split,
  k: number,
  scopeOf: (t: GeneratedTransaction) => string = () => 'all',
  clientScope: (client: string) => string = () => 'all',
): Map<string, string[]> {
  const counts = new Map<string, Map<string, number>>();
  for (const t of split.train) {
    const scope = scopeOf(t);
    const m = counts.get(scope) ?? new Map<string, number>();
    for (const l of t.lines)
      m.set(l.sku, (m.get(l.sku) ?? 0) + (t.kind === 'sale' ? l.quantity : -l.quantity));
    counts.set(scope, m);
  }
  const ranked = new Map(
    [...counts].map(([scope, m]) => [
      scope,
      [...m]
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([s]) => s),
    ]),
  );
  const out = new Map<string, string[]>();
  for (const client of split.truth.keys()) {
    const seen = split.seen.get(client) ?? new Set<string>();
    const list = [...(ranked.get(clientScope(client)) ?? []), ...(ranked.get('all') ?? [])];
    out.set(client, [...new Set(list.filter((s) => !seen.has(s)))].slice(0, k));
  }
  return out;
}

const INDEX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** A stable, fake blind index per client (43 base64url characters): the events need one. */
function fakeIndex(clientId: string): string {
  let h = 2166136261;
  let out = '';
  for (let i = 0; i < 43; i++) {
    for (const ch of `${clientId}/${String(i)}`)
      h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += INDEX_CHARS[h % 64] ?? 'A';
  }
  return out;
}

/**
 * The history as the other services would publish it: TransactionRecorded and (for attributed
 * ones) TransactionAttributed on transactions.events.v1, the home boutique as ProfileUpdated, and
 * a granted profiling consent per client (evaluation measures the personalised model).
 */
export function historyEvents(
  history: GeneratedHistory,
  transactions: readonly GeneratedTransaction[] = history.transactions,
): { transactions: EventEnvelope[]; profiles: EventEnvelope[]; consent: EventEnvelope[] } {
  const items = new Map(history.items.map((i) => [i.sku, i]));
  const id = (sourceId: string, type: string) =>
    deterministicEventId({ sourceSystem: 'eval', sourceId, type });
  const base = (
    eventId: string,
    type: string,
    streamId: string,
    subjectId: string | null,
    at: string,
    region: EventEnvelope['region'],
    data: unknown,
  ): EventEnvelope => ({
    id: eventId,
    type,
    schemaVersion: 1,
    streamId,
    subjectId,
    occurredAt: at,
    recordedAt: at,
    region,
    source: { system: 'eval' },
    correlationId: eventId,
    causationId: null,
    data,
  });
  const txEvents: EventEnvelope[] = [];
  for (const t of transactions) {
    const sign = t.kind === 'return' ? -1 : 1;
    const currency = t.store.currency;
    const local = (eur: number) => Math.max(1, Math.round(eur / t.store.eurRate));
    const lines = t.lines.map((l, i) => {
      const item = items.get(l.sku);
      if (!item) throw new Error(`unknown SKU ${l.sku}`);
      const price = local(item.priceEur);
      const money = (amountMinor: number) => ({ amountMinor, currency });
      return {
        lineId: String(i + 1),
        sku: item.sku,
        productId: null,
        name: item.name,
        categoryPath: [...item.categoryPath],
        collection: item.collection,
        quantity: l.quantity,
        unitPrice: money(price),
        discount: money(0),
        tax: money(0),
        lineTotal: money(price * l.quantity),
        originalLineId: null,
      };
    });
    const total = lines.reduce((n, l) => n + l.lineTotal.amountMinor, 0) * sign;
    const eurTotal = Math.round(total * t.store.eurRate);
    txEvents.push(
      base(
        id(t.transactionId, 'TransactionRecorded'),
        'TransactionRecorded',
        transactionStream(t.transactionId),
        null,
        t.occurredAt,
        t.store.region,
        {
          transactionId: t.transactionId,
          kind: t.kind,
          sourceSystem: 'eval',
          sourceTransactionId: t.transactionId,
          originalTransactionId: t.originalTransactionId,
          channel: t.channel,
          storeId: t.storeId,
          region: t.store.region,
          country: t.store.country,
          associateId: null,
          occurredAt: t.occurredAt,
          currency,
          lines,
          total: { amountMinor: total, currency },
          reporting:
            currency === 'EUR'
              ? null
              : {
                  amount: { amountMinor: eurTotal, currency: 'EUR' },
                  rate: String(t.store.eurRate),
                  rateDate: t.occurredAt.slice(0, 10),
                  source: 'eval',
                },
          customer:
            t.clientId === null
              ? []
              : [
                  {
                    type: 'loyalty_id',
                    scope: null,
                    index: fakeIndex(t.clientId),
                    value: t.clientId,
                  },
                ],
        },
      ),
    );
    if (t.clientId !== null)
      txEvents.push(
        base(
          id(t.transactionId, 'TransactionAttributed'),
          'TransactionAttributed',
          transactionStream(t.transactionId),
          t.clientId,
          t.occurredAt,
          t.store.region,
          {
            transactionId: t.transactionId,
            clientId: t.clientId,
            previousClientId: null,
            via: null,
            kind: t.kind,
            occurredAt: t.occurredAt,
            storeId: t.storeId,
            region: t.store.region,
            associateId: null,
            total: { amountMinor: total, currency },
            reporting: null,
          },
        ),
      );
  }
  const at = history.from;
  const profiles = history.clients.map((c) =>
    base(
      id(c.clientId, 'ProfileUpdated'),
      'ProfileUpdated',
      profileStream(c.clientId),
      c.clientId,
      at,
      c.homeStore.region,
      {
        clientId: c.clientId,
        changes: [
          {
            field: 'homeStoreId',
            value: c.homeStore.storeId,
            source: 'eval',
            policy: { id: 'eval', version: '1' },
            reason: 'generated',
          },
        ],
        homeRegion: c.homeStore.region,
        homeStoreId: c.homeStore.storeId,
      },
    ),
  );
  const consent = history.clients.map((c) =>
    profilingConsent(c.clientId, 'granted', at, c.homeStore.region, c.homeStore.country),
  );
  return { transactions: txEvents, profiles, consent };
}

/** A profiling consent as the consent service publishes it (deterministic id per client/state/time). */
export function profilingConsent(
  clientId: string,
  state: 'granted' | 'withdrawn',
  at: string,
  region: EventEnvelope['region'] = 'EU',
  jurisdiction = 'FR',
): EventEnvelope {
  const eventId = deterministicEventId({
    sourceSystem: 'eval',
    sourceId: `${clientId}/${state}/${at}`,
    type: 'ConsentRecorded',
  });
  return {
    id: eventId,
    type: 'ConsentRecorded',
    schemaVersion: 1,
    streamId: consentStream(clientId),
    subjectId: clientId,
    occurredAt: at,
    recordedAt: new Date(Date.parse(at)).toISOString(),
    region,
    source: { system: 'eval' },
    correlationId: eventId,
    causationId: null,
    data: {
      consentId: deterministicEventId({
        sourceSystem: 'eval',
        sourceId: `${clientId}/${at}`,
        type: 'consent',
      }),
      clientId,
      purpose: 'profiling',
      channel: null,
      state,
      legalBasis: 'consent',
      notice: { id: 'privacy', version: '1', sha256: '0'.repeat(64), language: 'en' },
      collection: { method: 'store', point: 'eval', storeId: null, associateId: null },
      evidenceStrength: 'full',
      jurisdiction,
      recipient: null,
      nightTime: false,
      proofRef: null,
      expiresAt: null,
    },
  };
}
