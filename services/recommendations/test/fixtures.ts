import {
  catalogRegistry,
  consentStream,
  newEventId,
  profileStream,
  TOPICS,
  transactionStream,
  type EventEnvelope,
  type Region,
  type TopicSpec,
} from '@maison/event-contracts';
import { eventMessage } from '@maison/messaging';
import { defaultKeySubject } from '@maison/runtime';
import type { TestEnvironment } from '@maison/runtime/testing';

/** Events as the other services publish them (validated, PII encrypted), for the service's topics. */
const registry = catalogRegistry();
const INDEX = 'B'.repeat(43);

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly categoryPath: readonly string[];
  readonly collection: string | null;
  readonly price: number;
}

export const PRODUCTS = {
  cardHolder: {
    sku: 'SLG-001',
    name: 'Card holder',
    categoryPath: ['Leather goods', 'Small leather goods'],
    collection: 'Monogram',
    price: 45_000,
  },
  wallet: {
    sku: 'SLG-002',
    name: 'Compact wallet',
    categoryPath: ['Leather goods', 'Small leather goods'],
    collection: 'Monogram',
    price: 65_000,
  },
  topHandle: {
    sku: 'BAG-001',
    name: 'Top handle bag',
    categoryPath: ['Leather goods', 'Bags'],
    collection: 'Monogram',
    price: 320_000,
  },
  shoulderBag: {
    sku: 'BAG-003',
    name: 'Shoulder bag',
    categoryPath: ['Leather goods', 'Bags'],
    collection: null,
    price: 400_000,
  },
  tote: {
    sku: 'BAG-002',
    name: 'Canvas tote',
    categoryPath: ['Leather goods', 'Bags'],
    collection: 'Riviera',
    price: 210_000,
  },
  scarf: {
    sku: 'RTW-001',
    name: 'Silk scarf',
    categoryPath: ['Ready-to-wear', 'Accessories'],
    collection: 'Riviera',
    price: 42_000,
  },
  perfume: {
    sku: 'FRG-001',
    name: 'Eau de parfum 100 ml',
    categoryPath: ['Fragrance', 'Eau de parfum'],
    collection: null,
    price: 28_000,
  },
  ring: {
    sku: 'JWL-001',
    name: 'Gold ring',
    categoryPath: ['Jewellery', 'Rings'],
    collection: 'Etoile',
    price: 480_000,
  },
  watch: {
    sku: 'WCH-001',
    name: 'Automatic watch 38 mm',
    categoryPath: ['Watches', 'Automatic'],
    collection: 'Etoile',
    price: 1_250_000,
  },
} as const satisfies Record<string, Product>;

function envelope(
  type: string,
  streamId: string,
  subjectId: string | null,
  data: unknown,
  at: string,
  region: Region = 'EU',
): EventEnvelope {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId,
    subjectId,
    occurredAt: at,
    recordedAt: new Date(Date.parse(at)).toISOString(),
    region,
    source: { system: 'test' },
    correlationId: id,
    causationId: null,
    data,
  };
}

export interface SaleSpec {
  readonly transactionId?: string;
  readonly kind?: 'sale' | 'return';
  readonly products: readonly Product[];
  readonly at: string;
  readonly storeId?: string | null;
  readonly region?: Region;
  readonly country?: string;
  readonly channel?: 'boutique' | 'ecommerce';
  readonly currency?: string;
  readonly originalTransactionId?: string | null;
  /** Rate to EUR (the reporting currency) when the sale is in another currency. */
  readonly eurRate?: number;
}

export function transactionRecorded(spec: SaleSpec): EventEnvelope {
  const transactionId = spec.transactionId ?? newEventId();
  const currency = spec.currency ?? 'EUR';
  const kind = spec.kind ?? 'sale';
  const sign = kind === 'return' ? -1 : 1;
  const total = spec.products.reduce((n, p) => n + p.price, 0);
  const money = (amountMinor: number) => ({ amountMinor, currency });
  return envelope(
    'TransactionRecorded',
    transactionStream(transactionId),
    null,
    {
      transactionId,
      kind,
      sourceSystem: 'pos.test',
      sourceTransactionId: transactionId,
      originalTransactionId: spec.originalTransactionId ?? null,
      channel: spec.channel ?? 'boutique',
      storeId: spec.storeId === undefined ? 'PAR-01' : spec.storeId,
      region: spec.region ?? 'EU',
      country: spec.country ?? 'FR',
      associateId: null,
      occurredAt: spec.at,
      currency,
      lines: spec.products.map((p, i) => ({
        lineId: String(i + 1),
        sku: p.sku,
        productId: null,
        name: p.name,
        categoryPath: [...p.categoryPath],
        collection: p.collection,
        quantity: 1,
        unitPrice: money(p.price),
        discount: money(0),
        tax: money(0),
        lineTotal: money(p.price),
        originalLineId: null,
      })),
      total: money(sign * total),
      reporting:
        spec.eurRate === undefined
          ? null
          : {
              amount: { amountMinor: Math.round(sign * total * spec.eurRate), currency: 'EUR' },
              rate: String(spec.eurRate),
              rateDate: spec.at.slice(0, 10),
              source: 'ecb',
            },
      customer: [{ type: 'email', scope: null, index: INDEX, value: 'someone@example.com' }],
    },
    spec.at,
    spec.region ?? 'EU',
  );
}

export function transactionAttributed(
  recorded: EventEnvelope,
  clientId: string | null,
  recordedAt: string,
): EventEnvelope {
  const d = recorded.data as {
    transactionId: string;
    kind: string;
    occurredAt: string;
    storeId: string | null;
    region: Region;
    total: unknown;
  };
  const e = envelope(
    'TransactionAttributed',
    transactionStream(d.transactionId),
    clientId,
    {
      transactionId: d.transactionId,
      clientId,
      previousClientId: null,
      via: null,
      kind: d.kind,
      occurredAt: d.occurredAt,
      storeId: d.storeId,
      region: d.region,
      associateId: null,
      total: d.total,
      reporting: null,
    },
    d.occurredAt,
    d.region,
  );
  return { ...e, recordedAt };
}

export function transactionCancelled(transactionId: string, at: string): EventEnvelope {
  return envelope(
    'TransactionCancelled',
    transactionStream(transactionId),
    null,
    { transactionId, reason: 'voided at the till', cancelledAt: at },
    at,
  );
}

export function consentRecorded(
  clientId: string,
  state: 'granted' | 'withdrawn' | 'denied',
  at: string,
  options: { expiresAt?: string | null; evidence?: 'full' | 'weak' | 'device' } = {},
): EventEnvelope {
  return envelope(
    'ConsentRecorded',
    consentStream(clientId),
    clientId,
    {
      consentId: newEventId(),
      clientId,
      purpose: 'profiling',
      channel: null,
      state,
      legalBasis: 'consent',
      notice: { id: 'privacy', version: '3', sha256: 'a'.repeat(64), language: 'en' },
      collection: { method: 'store', point: 'PAR-01', storeId: 'PAR-01', associateId: null },
      evidenceStrength: options.evidence ?? 'full',
      jurisdiction: 'FR',
      recipient: null,
      nightTime: false,
      proofRef: null,
      expiresAt: options.expiresAt ?? null,
    },
    at,
  );
}

export function clientErased(clientId: string, aliases: string[], at: string): EventEnvelope {
  return envelope(
    'ClientErased',
    consentStream(clientId),
    clientId,
    { requestId: newEventId(), clientId, aliases, erasedAt: at },
    at,
  );
}

export function profileUpdated(
  clientId: string,
  homeRegion: Region,
  homeStoreId: string,
  at: string,
): EventEnvelope {
  return envelope(
    'ProfileUpdated',
    profileStream(clientId),
    clientId,
    {
      clientId,
      changes: [
        {
          field: 'homeStoreId',
          value: homeStoreId,
          source: 'pos',
          policy: { id: 'P-1', version: '1' },
          reason: 'captured at the till',
        },
      ],
      homeRegion,
      homeStoreId,
    },
    at,
  );
}

export function clientsMerged(
  survivorId: string,
  mergedIds: string[],
  at: string,
  mergeId: string = newEventId(),
): EventEnvelope {
  return envelope(
    'ClientsMerged',
    `identity-${survivorId}`,
    survivorId,
    {
      survivorId,
      mergedIds,
      movedIdentifiers: [],
      mergeId,
      rule: null,
      evidence: { trigger: 'api:test', matches: [], explanation: 'same person' },
      actor: 'steward-1',
    },
    at,
  );
}

export function clientUnmerged(
  survivorId: string,
  restoredClientId: string,
  mergeId: string,
  at: string,
): EventEnvelope {
  return envelope(
    'ClientUnmerged',
    `identity-${survivorId}`,
    survivorId,
    {
      survivorId,
      restoredClientId,
      mergeId,
      restoredIdentifiers: [],
      reason: 'two people after all',
      actor: 'steward-1',
    },
    at,
  );
}

/** Validates, encrypts and produces the events on their service topic, in order. */
export async function publish(
  env: TestEnvironment,
  topic: TopicSpec,
  events: readonly EventEnvelope[],
): Promise<void> {
  const messages = [];
  for (const e of events) {
    const stored = await env.privacy.encryptEvent(registry.validate(e), {
      keySubject: defaultKeySubject(e),
    });
    messages.push(eventMessage(stored));
  }
  await env.producer.send(env.names.topic(topic), messages);
}

export const topics = TOPICS;
