import { categoryOf, instantMs, rungOf, type PriceFacts, type TransactionFacts } from './facts.js';
import { decayWeight } from './weights.js';

/** One piece a client owns now (bought and not given back), with the purchase that explains it. */
export interface OwnedItem {
  readonly sku: string;
  /** Decayed weight of the latest purchase (see weights.ts). */
  readonly weight: bigint;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly lastTransactionId: string;
  readonly lastStoreId: string | null;
  readonly lastChannel: string;
  readonly lastCountry: string;
  readonly name: string;
  readonly category: string;
  readonly rung: string;
  readonly collection: string | null;
  readonly price: PriceFacts;
}

/** What one client contributes to the model: the pieces owned now and those given back. */
export interface ClientSummary {
  readonly items: ReadonlyMap<string, OwnedItem>;
  readonly returned: ReadonlySet<string>;
}

export const EMPTY_SUMMARY: ClientSummary = { items: new Map(), returned: new Set() };

interface Acc {
  net: number;
  first: { at: number; iso: string } | null;
  last: {
    at: number;
    iso: string;
    tx: TransactionFacts;
    line: TransactionFacts['lines'][number];
  } | null;
}

function later(at: number, tx: string, than: { at: number; tx: TransactionFacts } | null): boolean {
  if (than === null) return true;
  return at > than.at || (at === than.at && tx > than.tx.transactionId);
}

/**
 * A client's summary from its active transactions (recorded, not cancelled, not erased; returns
 * without an attribution of their own count for the client of the sale they return). Pure and
 * order-independent: the same transactions in any order give the same summary.
 */
export function summarise(
  transactions: readonly TransactionFacts[],
  halfLifeDays: number,
): ClientSummary {
  const acc = new Map<string, Acc>();
  const returned = new Set<string>();
  for (const tx of transactions) {
    const at = instantMs(tx.occurredAt);
    for (const line of tx.lines) {
      let a = acc.get(line.sku);
      if (!a) {
        a = { net: 0, first: null, last: null };
        acc.set(line.sku, a);
      }
      if (line.flow === 'in') {
        a.net -= line.quantity;
        returned.add(line.sku);
        continue;
      }
      a.net += line.quantity;
      if (a.first === null || at < a.first.at) a.first = { at, iso: tx.occurredAt };
      if (later(at, tx.transactionId, a.last)) a.last = { at, iso: tx.occurredAt, tx, line };
    }
  }
  const items = new Map<string, OwnedItem>();
  for (const sku of [...acc.keys()].sort()) {
    const a = acc.get(sku);
    if (!a || a.net <= 0 || a.last === null || a.first === null) continue;
    const { tx, line } = a.last;
    items.set(sku, {
      sku,
      weight: decayWeight(a.last.at, halfLifeDays),
      firstAt: a.first.iso,
      lastAt: a.last.iso,
      lastTransactionId: tx.transactionId,
      lastStoreId: tx.storeId,
      lastChannel: tx.channel,
      lastCountry: tx.country,
      name: line.name,
      category: categoryOf(line.categoryPath),
      rung: rungOf(line.categoryPath),
      collection: line.collection,
      price: line.price,
    });
  }
  return { items, returned };
}
