import type { DataOf, TransactionRecorded } from '@maison/event-contracts';

/**
 * What the model keeps of a transaction: products, prices, place and time. No customer reference,
 * no associate, nothing personal — the client is known only by the pseudonymous id it is
 * attributed to.
 */
export interface LineFacts {
  readonly sku: string;
  readonly productId: string | null;
  readonly name: string;
  readonly categoryPath: readonly string[];
  readonly collection: string | null;
  readonly quantity: number;
  /** `out`: the client takes the piece (a sale, an exchange's new piece); `in`: it comes back. */
  readonly flow: 'out' | 'in';
  /** Unit price in the reporting currency when the transaction carries a rate, else its own. */
  readonly price: PriceFacts;
}

export interface PriceFacts {
  readonly amountMinor: number;
  readonly currency: string;
}

export interface TransactionFacts {
  readonly transactionId: string;
  readonly kind: 'sale' | 'return' | 'exchange';
  /** Business time with the store's offset, as the source sent it. */
  readonly occurredAt: string;
  readonly storeId: string | null;
  readonly channel: string;
  readonly region: string;
  readonly country: string;
  readonly originalTransactionId: string | null;
  readonly lines: readonly LineFacts[];
}

type Recorded = DataOf<typeof TransactionRecorded>;

/** Per-line unit price in the reporting currency (the transaction's rate), or its own currency. */
function linePrice(data: Recorded, line: Recorded['lines'][number]): PriceFacts {
  const reporting = data.reporting;
  if (reporting && data.total.amountMinor !== 0) {
    const ratio = reporting.amount.amountMinor / data.total.amountMinor;
    return {
      amountMinor: Math.round(Math.abs(line.unitPrice.amountMinor * ratio)),
      currency: reporting.amount.currency,
    };
  }
  return { amountMinor: line.unitPrice.amountMinor, currency: line.unitPrice.currency };
}

/** The model's view of a TransactionRecorded (customer references dropped). */
export function transactionFacts(data: Recorded): TransactionFacts {
  return {
    transactionId: data.transactionId,
    kind: data.kind,
    occurredAt: data.occurredAt,
    storeId: data.storeId,
    channel: data.channel,
    region: data.region,
    country: data.country,
    originalTransactionId: data.originalTransactionId,
    lines: data.lines.map((line) => ({
      sku: line.sku,
      productId: line.productId,
      name: line.name,
      categoryPath: line.categoryPath,
      collection: line.collection,
      quantity: line.quantity,
      // A return line carries direction `out` by default: what matters is the transaction kind.
      flow: data.kind === 'return' ? 'in' : data.kind === 'exchange' ? line.direction : 'out',
      price: linePrice(data, line),
    })),
  };
}

/** The top-level category ("Leather goods") and the rung of the ladder ("Small leather goods"). */
export function categoryOf(path: readonly string[]): string {
  return path[0] ?? 'Other';
}

export function rungOf(path: readonly string[]): string {
  return path[1] ?? path[0] ?? 'Other';
}

export function instantMs(iso: string): number {
  return Date.parse(iso);
}
