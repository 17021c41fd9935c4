import type { ClientSummary } from './client-summary.js';
import { instantMs, type TransactionFacts } from './facts.js';
import { decayWeight } from './weights.js';

/**
 * The model is a sum of contributions: each client contributes its basket to the item-to-item
 * co-purchase matrix and its purchase sequences to the price ladders; each active transaction
 * contributes its lines to the best sellers and to the items' prices. A change (a new sale, a
 * return, a re-attribution, an erasure) is applied as `contribution(after) − contribution(before)`
 * of the clients and transactions it touches, with exact integer arithmetic — so the incremental
 * model always equals the model rebuilt from scratch.
 */
export interface ModelDelta {
  /** Σ_c w_ci² per item. */
  readonly norms: Map<string, bigint>;
  /** Σ_c w_ci·w_cj per ordered pair `a␀b` (both orders are kept). */
  readonly pairs: Map<string, bigint>;
  /** Number of clients per ladder step `category␀fromRung␀toRung`. */
  readonly ladder: Map<string, bigint>;
  /** Decayed units sold per `scope␀sku` (scopes: `all`, `region:<R>`, `store:<id>`). */
  readonly popularity: Map<string, bigint>;
  /** Sum of unit prices and count of units per `sku␀currency`. */
  readonly priceSum: Map<string, bigint>;
  readonly priceCount: Map<string, bigint>;
}

export const SEP = '\u0000';

export function emptyDelta(): ModelDelta {
  return {
    norms: new Map(),
    pairs: new Map(),
    ladder: new Map(),
    popularity: new Map(),
    priceSum: new Map(),
    priceCount: new Map(),
  };
}

function add(map: Map<string, bigint>, key: string, value: bigint): void {
  if (value === 0n) return;
  const next = (map.get(key) ?? 0n) + value;
  if (next === 0n) map.delete(key);
  else map.set(key, next);
}

/**
 * The ladder steps a client's pieces show: within a category, a piece bought after another one
 * and dearer (same currency) is a step from the first piece's rung to the second's.
 */
export function ladderSteps(summary: ClientSummary): Set<string> {
  const steps = new Set<string>();
  const items = [...summary.items.values()];
  for (const x of items) {
    for (const y of items) {
      if (x.sku === y.sku || x.category !== y.category) continue;
      if (x.price.currency !== y.price.currency || y.price.amountMinor <= x.price.amountMinor)
        continue;
      const tx = instantMs(x.firstAt);
      const ty = instantMs(y.firstAt);
      if (tx < ty || (tx === ty && x.sku < y.sku))
        steps.add([x.category, x.rung, y.rung].join(SEP));
    }
  }
  return steps;
}

/** Adds `after − before` of one client's contribution to the delta. */
export function addClientChange(
  delta: ModelDelta,
  before: ClientSummary,
  after: ClientSummary,
): void {
  const skus = new Set([...before.items.keys(), ...after.items.keys()]);
  const w0 = (s: string): bigint => before.items.get(s)?.weight ?? 0n;
  const w1 = (s: string): bigint => after.items.get(s)?.weight ?? 0n;
  const changed = [...skus].filter((s) => w0(s) !== w1(s));
  const isChanged = new Set(changed);
  for (const i of changed) {
    add(delta.norms, i, w1(i) * w1(i) - w0(i) * w0(i));
    for (const j of skus) {
      if (j === i) continue;
      // A pair of two changed items is visited from both ends: count each ordered pair once.
      if (isChanged.has(j) && j < i) continue;
      const d = w1(i) * w1(j) - w0(i) * w0(j);
      add(delta.pairs, `${i}${SEP}${j}`, d);
      add(delta.pairs, `${j}${SEP}${i}`, d);
    }
  }
  const l0 = ladderSteps(before);
  const l1 = ladderSteps(after);
  for (const s of l1) if (!l0.has(s)) add(delta.ladder, s, 1n);
  for (const s of l0) if (!l1.has(s)) add(delta.ladder, s, -1n);
}

/** Adds `sign ×` one active transaction's contribution to best sellers and prices. */
export function addTransaction(
  delta: ModelDelta,
  tx: TransactionFacts,
  sign: 1n | -1n,
  halfLifeDays: number,
): void {
  const w = decayWeight(instantMs(tx.occurredAt), halfLifeDays);
  const scopes = ['all', `region:${tx.region}`, ...(tx.storeId ? [`store:${tx.storeId}`] : [])];
  for (const line of tx.lines) {
    const q = BigInt(line.quantity);
    const units = line.flow === 'out' ? q : -q;
    for (const scope of scopes)
      add(delta.popularity, `${scope}${SEP}${line.sku}`, sign * units * w);
    if (line.flow === 'out') {
      const key = `${line.sku}${SEP}${line.price.currency}`;
      add(delta.priceSum, key, sign * q * BigInt(line.price.amountMinor));
      add(delta.priceCount, key, sign * q);
    }
  }
}
