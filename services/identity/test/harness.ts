// Integration-test support: identity on the runtime's test environment (real PostgreSQL; Kafka or
// the in-process bus), reached only through its public surfaces — HTTP, GraphQL, topics.
import {
  ClientErased,
  CustomerRecordReceived,
  TOPICS,
  TransactionRecorded,
  deterministicEventId,
  newEventId,
  profileRecordStream,
  transactionStream,
  type EventEnvelope,
  type TopicSpec,
} from '@maison/event-contracts';
import { eventMessage } from '@maison/messaging';
import {
  defaultKeySubject,
  normaliseReferences,
  serveModule,
  type ServedModule,
  type ServiceContext,
} from '@maison/runtime';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import {
  createIdentityService,
  type IdentityModule,
  type IdentityServiceOptions,
} from '../src/index.js';

export interface TokenRequest {
  readonly role:
    'associate' | 'store_manager' | 'regional_manager' | 'compliance' | 'integration' | 'admin';
  readonly storeIds?: string[];
  readonly associateId?: string;
  readonly region?: 'EU' | 'UK' | 'ME' | 'CN' | 'JP' | 'KR' | 'US' | 'SG';
}

export const ADMIN: TokenRequest = { role: 'admin' };
export const INTEGRATION: TokenRequest = { role: 'integration' };
export const PARIS_ASSOCIATE: TokenRequest = {
  role: 'associate',
  associateId: 'assoc-par-1',
  storeIds: ['PAR-01'],
};
export const DUBAI_ASSOCIATE: TokenRequest = {
  role: 'associate',
  associateId: 'assoc-dxb-1',
  storeIds: ['DXB-01'],
};
export const COMPLIANCE: TokenRequest = { role: 'compliance' };

export interface Identity {
  readonly env: TestEnvironment;
  readonly ctx: ServiceContext;
  readonly module: IdentityModule;
  readonly served: ServedModule;
  readonly url: string;
  authorization(who: TokenRequest): Promise<string>;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; as?: TokenRequest; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  graphql(
    query: string,
    variables: Record<string, unknown>,
    as?: TokenRequest,
  ): Promise<{
    status: number;
    body: {
      data?: Record<string, unknown> | null;
      errors?: { message: string; extensions?: { code?: string } }[];
    };
  }>;
  /** Publishes an event on a topic the way its owning service would (PII encrypted). */
  publish(topic: TopicSpec, event: EventEnvelope): Promise<void>;
  close(): Promise<void>;
}

export async function startIdentity(
  options: {
    transport?: 'kafka' | 'memory';
    env?: TestEnvironment;
    service?: IdentityServiceOptions;
  } = {},
): Promise<Identity> {
  const env =
    options.env ?? (await createTestEnvironment({ transport: options.transport ?? 'memory' }));
  const ctx = env.contextFor('identity');
  const module = await createIdentityService(ctx, options.service);
  await module.start();
  const served = await serveModule(module, ctx);
  const authorization = (who: TokenRequest) => env.auth.authorization(who);
  const identity: Identity = {
    env,
    ctx,
    module,
    served,
    url: served.url,
    authorization,
    async request(method, path, o = {}) {
      const res = await fetch(`${served.url}${path}`, {
        method,
        headers: {
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(o.as === undefined ? {} : { authorization: await authorization(o.as) }),
          ...o.headers,
        },
        ...(o.body === undefined
          ? {}
          : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
      });
      const text = await res.text();
      let body: Record<string, unknown>;
      try {
        body = text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        body = { text };
      }
      return { status: res.status, body, headers: res.headers };
    },
    async graphql(query, variables, as) {
      const res = await fetch(`${served.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(as === undefined ? {} : { authorization: await authorization(as) }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    async publish(topic, event) {
      const stored = await env.privacy.encryptEvent(ctx.registry.validate(event), {
        keySubject: defaultKeySubject(event),
      });
      await env.producer.send(env.names.topic(topic), [eventMessage(stored)]);
    },
    async close() {
      await served.close();
      await module.stop();
      if (options.env === undefined) await env.cleanup();
    },
  };
  return identity;
}

export interface RawIdentifier {
  readonly type: string;
  readonly value: string;
  readonly scope?: string;
}

/** A POS sale as the transactions service records it (references normalised and indexed). */
export function sale(
  env: Pick<TestEnvironment, 'privacy'>,
  customer: readonly RawIdentifier[],
  options: {
    storeId?: string;
    country?: string;
    sourceTransactionId?: string;
    region?: 'EU' | 'ME' | 'CN';
  } = {},
): EventEnvelope {
  const normalised = normaliseReferences(
    env.privacy,
    customer.map((c) => ({ type: c.type, value: c.value, scope: c.scope ?? null })),
    options.country ?? 'FR',
  );
  if (!normalised.ok) throw new Error(`bad test identifier at ${String(normalised.index)}`);
  const transactionId = newEventId();
  const sourceTransactionId = options.sourceTransactionId ?? transactionId;
  const id = deterministicEventId({
    sourceSystem: 'pos.cegid',
    sourceId: sourceTransactionId,
    type: 'TransactionRecorded',
  });
  const amount = { amountMinor: 245_000, currency: 'EUR' };
  const zero = { amountMinor: 0, currency: 'EUR' };
  return {
    id,
    type: TransactionRecorded.type,
    schemaVersion: 1,
    streamId: transactionStream(transactionId),
    subjectId: null,
    occurredAt: '2026-12-01T11:00:00+01:00',
    recordedAt: '2026-12-01T10:00:01Z',
    region: options.region ?? 'EU',
    source: { system: 'transactions', instance: options.storeId ?? 'PAR-01' },
    correlationId: id,
    causationId: null,
    data: {
      transactionId,
      kind: 'sale',
      sourceSystem: 'pos.cegid',
      sourceTransactionId,
      originalTransactionId: null,
      channel: 'boutique',
      storeId: options.storeId ?? 'PAR-01',
      region: options.region ?? 'EU',
      country: options.country ?? 'FR',
      associateId: 'assoc-par-1',
      occurredAt: '2026-12-01T11:00:00+01:00',
      currency: 'EUR',
      lines: [
        {
          lineId: '1',
          sku: 'BAG-001',
          productId: null,
          name: 'Top handle bag',
          categoryPath: ['Leather goods', 'Bags'],
          collection: null,
          quantity: 1,
          unitPrice: amount,
          discount: zero,
          tax: zero,
          lineTotal: amount,
          originalLineId: null,
          direction: 'out',
        },
      ],
      total: amount,
      reporting: null,
      customer: normalised.references,
    },
  };
}

/** A customer record from profiles (a loyalty or e-commerce source). */
export function customerRecord(
  env: Pick<TestEnvironment, 'privacy'>,
  customer: readonly RawIdentifier[],
  options: { storeId?: string | null; country?: string } = {},
): EventEnvelope {
  const normalised = normaliseReferences(
    env.privacy,
    customer.map((c) => ({ type: c.type, value: c.value, scope: c.scope ?? null })),
    options.country ?? 'FR',
  );
  if (!normalised.ok) throw new Error('bad test identifier');
  const recordId = newEventId();
  return {
    id: newEventId(),
    type: CustomerRecordReceived.type,
    schemaVersion: 1,
    streamId: profileRecordStream(recordId),
    subjectId: null,
    occurredAt: '2026-12-01T11:00:00+01:00',
    recordedAt: '2026-12-01T10:00:01Z',
    region: 'EU',
    source: { system: 'profiles' },
    correlationId: recordId,
    causationId: null,
    data: {
      recordId,
      sourceSystem: 'shopify',
      sourceRecordId: recordId,
      region: 'EU',
      storeId: options.storeId ?? null,
      customer: normalised.references,
      fields: {},
    },
  };
}

export function erasure(clientId: string, aliases: readonly string[] = []): EventEnvelope {
  const id = newEventId();
  return {
    id,
    type: ClientErased.type,
    schemaVersion: 1,
    streamId: `consent-${clientId}`,
    subjectId: clientId,
    occurredAt: '2026-12-01T12:00:00Z',
    recordedAt: '2026-12-01T12:00:00Z',
    region: 'EU',
    source: { system: 'consent', actor: 'compliance-1' },
    correlationId: id,
    causationId: null,
    data: {
      requestId: newEventId(),
      clientId,
      aliases: [...aliases],
      erasedAt: '2026-12-01T12:00:00Z',
    },
  };
}

export { TOPICS };
