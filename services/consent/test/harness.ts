import { createHmac, randomUUID } from 'node:crypto';
import type { Cache } from '@maison/cache';
import {
  ClientDataPurged,
  IdentifierLinked,
  identityStream,
  newEventId,
  TOPICS,
  type EventEnvelope,
  type IdentifierRef,
  type Region,
  type ServiceName,
} from '@maison/event-contracts';
import {
  createEventConsumer,
  identifierIndex,
  openServiceEventStore,
  serveModule,
  startServicePublisher,
  type ServedModule,
  type ServiceContext,
  type ServiceEventStore,
} from '@maison/runtime';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { normaliseIdentifier } from '@maison/identifiers';
import type { Logger } from '@maison/service-kit';
import type { RunningPublisher } from '@maison/messaging';
import {
  CONSENT_PRIVATE_EVENTS,
  createConsentService,
  type ConsentServiceModule,
} from '../src/app.js';
import { generateDevSigner } from '../src/ledger/checkpoint.js';
import { sha256Hex } from '../src/notice/notice.decider.js';

export const SHOP = 'maison-paris.myshopify.com';
export const SHOP_SECRET = 'shpss_test_secret_0123456789';
export const NOTICE_TEXT =
  'Maison utilise votre adresse pour vous informer de ses collections. Vous pouvez retirer votre consentement à tout moment.';
export const NOTICE_SHA = sha256Hex(NOTICE_TEXT);

/** A problem+json body. */
export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly errors: readonly { pointer: string; detail: string }[];
}

export interface GraphQLBody<T> {
  readonly data: T;
  readonly errors?: readonly { message: string; extensions: { code: string } }[];
}

export interface Harness {
  readonly env: TestEnvironment;
  readonly ctx: ServiceContext;
  readonly consent: ConsentServiceModule;
  readonly served: ServedModule;
  readonly url: string;
  readonly signer: ReturnType<typeof generateDevSigner>;
  token(
    role:
      'associate' | 'store_manager' | 'compliance' | 'integration' | 'admin' | 'regional_manager',
    extra?: Record<string, unknown>,
  ): Promise<string>;
  /** The caller names the shape of the JSON it expects back (tests assert on it). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
  request<T = Problem>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T; text: string; headers: Headers }>;

  graphql<T>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<{ status: number; body: GraphQLBody<T> }>;
  /** Plays another service: appends and publishes its events on its topic. */
  service(name: ServiceName): Promise<{ append(event: EventEnvelope): Promise<void> }>;
  linkIdentifier(
    clientId: string,
    type: string,
    value: string,
    scope?: string | null,
  ): Promise<IdentifierRef>;
  reportPurge(
    service: ServiceName,
    requestId: string,
    clientId: string,
    purged: Record<string, number>,
    suppressed?: IdentifierRef[],
  ): Promise<void>;
  shopify(
    topic: string,
    body: string,
    webhookId: string,
    secret?: string,
  ): Promise<{ status: number; body: { status: string } }>;
  publishNotice(
    overrides?: Record<string, unknown>,
  ): Promise<{ status: number; body: { sha256: string } }>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    transport?: 'kafka' | 'memory';
    clock?: () => Date;
    cache?: Cache;
    logger?: Logger;
    region?: Region;
    checkpointIntervalMs?: number;
    database?: 'postgres' | 'pglite';
  } = {},
): Promise<Harness> {
  const env = await createTestEnvironment({
    transport: options.transport ?? 'kafka',
    eventTypes: CONSENT_PRIVATE_EVENTS,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.database ? { database: options.database } : {}),
  });
  const base = env.contextFor('consent');
  const ctx: ServiceContext = {
    ...base,
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const signer = generateDevSigner();
  const consent = await createConsentService(ctx, {
    signer,
    shops: { [SHOP]: { secret: SHOP_SECRET, jurisdiction: 'FR', country: 'FR' } },
    checkpointIntervalMs: options.checkpointIntervalMs ?? 60_000,
  });
  await consent.start();
  const served = await serveModule(consent, ctx);
  const others = new Map<ServiceName, { events: ServiceEventStore; publisher: RunningPublisher }>();
  const harness: Harness = {
    env,
    ctx,
    consent,
    served,
    url: served.url,
    signer,
    token: async (role, extra = {}) => {
      const defaults: Record<string, Record<string, unknown>> = {
        associate: { associateId: 'assoc-1', storeIds: ['PAR-01'] },
        store_manager: { storeIds: ['PAR-01'] },
        regional_manager: { region: 'EU' },
      };
      return env.auth.authorization({ role, ...(defaults[role] ?? {}), ...extra });
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects
    request: async <T>(
      method: string,
      path: string,
      o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const res = await fetch(`${served.url}${path}`, {
        method,
        headers: {
          ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(o.token ? { authorization: o.token } : {}),
          ...(o.headers ?? {}),
        },
        ...(o.body === undefined
          ? {}
          : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: body as T, text, headers: res.headers };
    },
    graphql: async <T>(query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const r = await harness.request<GraphQLBody<T>>('POST', '/graphql', {
        body: { query, variables },
        ...(token ? { token } : {}),
      });
      return { status: r.status, body: r.body };
    },
    service: async (name) => {
      let entry = others.get(name);
      if (entry === undefined) {
        const c = env.contextFor(name);
        const events = await openServiceEventStore(c);
        entry = { events, publisher: await startServicePublisher(c, events) };
        others.set(name, entry);
      }
      const { events } = entry;
      return {
        append: async (event) => {
          await events.store.append(event.streamId, [event]);
        },
      };
    },
    linkIdentifier: async (clientId, type, value, scope = null) => {
      const n = normaliseIdentifier({ type, value, scope });
      if (!n.ok) throw new Error(`bad identifier ${type}`);
      const ref = {
        type: n.identifier.type,
        scope: n.identifier.scope,
        index: identifierIndex(env.privacy, n.identifier),
      };
      const identity = await harness.service('identity');
      const id = newEventId();
      await identity.append({
        id,
        type: IdentifierLinked.type,
        schemaVersion: 1,
        streamId: identityStream(clientId),
        subjectId: clientId,
        occurredAt: new Date().toISOString(),
        recordedAt: new Date().toISOString(),
        region: 'EU',
        source: { system: 'identity' },
        correlationId: id,
        causationId: null,
        data: {
          clientId,
          identifier: { ...ref, value: n.identifier.value, masked: '•••' },
          rule: { id: 'ID-EXACT-1', version: '1' },
          evidence: { trigger: 'api:test', matches: [], explanation: 'test link' },
        },
      });
      return ref;
    },
    reportPurge: async (name, requestId, clientId, purged, suppressed = []) => {
      const svc = await harness.service(name);
      const id = newEventId();
      await svc.append({
        id,
        type: ClientDataPurged.type,
        schemaVersion: 1,
        streamId: `${name}-erasure-${requestId}`,
        subjectId: clientId,
        occurredAt: new Date().toISOString(),
        recordedAt: new Date().toISOString(),
        region: 'EU',
        source: { system: name },
        correlationId: id,
        causationId: null,
        data: {
          requestId,
          clientId,
          service: name,
          purged,
          suppressed,
          completedAt: new Date().toISOString(),
        },
      });
    },
    shopify: async (topic, body, webhookId, secret = SHOP_SECRET) => {
      const hmac = createHmac('sha256', secret).update(body).digest('base64');
      const r = await harness.request<{ status: string }>('POST', '/v1/webhooks/shopify', {
        body,
        headers: {
          'x-shopify-topic': topic,
          'x-shopify-hmac-sha256': hmac,
          'x-shopify-shop-domain': SHOP,
          'x-shopify-webhook-id': webhookId,
          'x-shopify-triggered-at': '2026-03-02T09:00:00Z',
        },
      });
      return { status: r.status, body: r.body };
    },
    publishNotice: async (overrides = {}) =>
      harness.request<{ sha256: string }>('POST', '/v1/notices', {
        token: await harness.token('compliance'),
        body: {
          noticeId: 'privacy-eu',
          version: '3',
          language: 'fr',
          jurisdiction: 'FR',
          title: 'Politique de confidentialité',
          text: NOTICE_TEXT,
          publishedAt: '2026-01-01T00:00:00+01:00',
          ...overrides,
        },
      }),
    close: async () => {
      await served.close();
      await consent.stop();
      for (const o of others.values()) {
        await o.publisher.stop();
        await o.events.raw.close();
      }
      await env.cleanup();
    },
  };
  return harness;
}

/** A grant as the associate app sends it. */
export function grant(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    purpose: 'marketing',
    channel: 'email',
    state: 'granted',
    legalBasis: 'consent',
    notice: { id: 'privacy-eu', version: '3', sha256: NOTICE_SHA, language: 'fr' },
    collection: {
      method: 'associate',
      point: 'PAR-01 clienteling app',
      storeId: 'PAR-01',
      associateId: 'assoc-1',
    },
    jurisdiction: 'FR',
    occurredAt: '2026-03-02T10:00:00+01:00',
    ...overrides,
  };
}

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Reads every message of a topic from the beginning (raw bytes, as any consumer sees them). */
export async function collectTopic(
  env: TestEnvironment,
  topic: string,
  into: { key: string | null; value: string; headers: Record<string, string> }[],
) {
  const consumer = env.broker.createConsumer({
    groupId: `${env.names.prefix}collector-${randomUUID().slice(0, 6)}`,
  });
  await consumer.run({
    topics: [env.names.topic(topic)],
    fromBeginning: true,
    eachMessage: (m) => {
      into.push({
        key: m.key?.toString('utf8') ?? null,
        value: m.value?.toString('utf8') ?? '',
        headers: { ...m.headers },
      });
      return Promise.resolve();
    },
  });
  return consumer;
}

export { createEventConsumer, TOPICS };
