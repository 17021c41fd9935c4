import type { EventEnvelope } from '@maison/event-contracts';
import {
  consentRecorded,
  PRODUCTS as P,
  profileUpdated,
  transactionAttributed,
  transactionRecorded,
  type Product,
} from './fixtures.js';

/**
 * A small boutique history with known answers:
 * - alice bought a card holder in Dubai on 2026-03-02 (AED, reported in EUR), a scarf she
 *   returned, and a perfume; she granted profiling consent;
 * - bob bought a top handle bag and never consented;
 * - c1–c4 bought a card holder, then a (dearer) top handle bag: the Small leather goods → Bags rung;
 * - c5 alone bought a tote (with a card holder): erasing c5 must make the tote disappear;
 * - c8 alone bought a shoulder bag, with nothing else: only the ladder leads alice to it;
 * - c6 and c7 fill in other categories.
 */
export interface Scenario {
  readonly transactions: EventEnvelope[];
  readonly consent: EventEnvelope[];
  readonly profiles: EventEnvelope[];
  /** The transactions of each client, for checking explanations. */
  readonly history: Map<string, EventEnvelope[]>;
  readonly alice: string;
  readonly bob: string;
}

export function scenario(prefix: string): Scenario {
  const alice = `${prefix}alice`;
  const bob = `${prefix}bob`;
  const transactions: EventEnvelope[] = [];
  const history = new Map<string, EventEnvelope[]>();
  const sale = (
    client: string,
    products: Product[],
    at: string,
    extra: Partial<Parameters<typeof transactionRecorded>[0]> = {},
  ): EventEnvelope => {
    const recorded = transactionRecorded({ products, at, ...extra });
    transactions.push(recorded, transactionAttributed(recorded, client, at));
    history.set(client, [...(history.get(client) ?? []), recorded]);
    return recorded;
  };
  sale(alice, [{ ...P.cardHolder, price: 180_000 }], '2026-03-02T10:00:00+04:00', {
    storeId: 'DXB-01',
    region: 'ME',
    country: 'AE',
    currency: 'AED',
    eurRate: 0.25,
  });
  const scarf = sale(alice, [P.scarf], '2026-04-10T15:00:00+02:00');
  sale(alice, [P.scarf], '2026-04-15T11:00:00+02:00', {
    kind: 'return',
    originalTransactionId: (scarf.data as { transactionId: string }).transactionId,
  });
  sale(alice, [P.perfume], '2026-05-01T12:00:00+02:00');
  sale(bob, [P.topHandle], '2026-05-03T12:00:00+02:00');
  for (let i = 1; i <= 4; i++) {
    sale(`${prefix}c${String(i)}`, [P.cardHolder], `2026-01-0${String(i)}T11:00:00+01:00`);
    sale(`${prefix}c${String(i)}`, [P.topHandle], `2026-02-0${String(i)}T11:00:00+01:00`);
  }
  sale(`${prefix}c5`, [P.cardHolder, P.tote], '2026-02-10T16:00:00+01:00');
  sale(`${prefix}c6`, [P.perfume, P.ring], '2026-02-11T16:00:00+01:00');
  // Bought alone: reachable for alice only through the Bags rung of the ladder.
  sale(`${prefix}c8`, [P.shoulderBag], '2026-02-14T16:00:00+01:00');
  sale(`${prefix}c7`, [P.wallet, P.scarf], '2026-02-12T16:00:00+01:00', {
    storeId: 'LON-01',
    region: 'UK',
    country: 'GB',
    currency: 'GBP',
  });
  sale(`${prefix}c7`, [P.watch], '2026-02-13T16:00:00+01:00', {
    storeId: 'LON-01',
    region: 'UK',
    country: 'GB',
    currency: 'GBP',
  });
  return {
    transactions,
    consent: [consentRecorded(alice, 'granted', '2026-01-15T10:00:00+01:00')],
    profiles: [profileUpdated(alice, 'EU', 'PAR-01', '2026-01-15T10:00:00+01:00')],
    history,
    alice,
    bob,
  };
}
