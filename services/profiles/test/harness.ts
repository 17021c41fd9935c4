// Test harness: the profiles service on real infrastructure (createTestEnvironment), served over
// HTTP, with the other services' events produced to their topics as those services would.
import type { DevTokenRequest as AuthorizationRequest } from '@maison/auth/dev';
import {
  ClientErased,
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  TOPICS,
  TransactionAttributed,
  newEventId,
  type DataOf,
  type EventEnvelope,
  type Region,
} from '@maison/event-contracts';
import { eventMessage } from '@maison/messaging';
import {
  normaliseReferences,
  serveModule,
  serviceCodec,
  type ServedModule,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import {
  createTestEnvironment,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from '@maison/runtime/testing';
import { eventually } from '@maison/testing';
import { createProfilesService, type ProfilesServiceOptions } from '../src/index.js';

export type { AuthorizationRequest };

export interface Profiles {
  readonly env: TestEnvironment;
  readonly ctx: ServiceContext;
  readonly module: ServiceModule;
  readonly served: ServedModule;
  readonly ingestOutcomes: string[];
  auth(request: AuthorizationRequest): Promise<string>;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it queried
  gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown>,
    authorization?: string,
  ): Promise<{
    status: number;
    data: T | null;
    errors: { message: string; path?: string[]; extensions: { code: string } }[];
  }>;
  rest(
    method: string,
    path: string,
    body?: unknown,
    authorization?: string,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  /** Produces events as the owning service would publish them (encrypted, keyed by client). */
  publish(
    service: 'identity' | 'transactions' | 'consent',
    events: readonly EventEnvelope[],
  ): Promise<void>;
  /** Produces raw ingest.profiles.v1 records. */
  ingest(records: readonly unknown[]): Promise<void>;
  /** The blind index of an identifier, as every service computes it. */
  index(type: string, value: string, scope?: string): string;
  close(): Promise<void>;
}

export async function startProfiles(
  options: TestEnvironmentOptions & { readonly service?: ProfilesServiceOptions } = {},
): Promise<Profiles> {
  const env = await createTestEnvironment({
    logLevel: (process.env.TEST_LOG_LEVEL as 'error' | undefined) ?? 'error',
    ...options,
  });
  const ctx = env.contextFor('profiles');
  const ingestOutcomes: string[] = [];
  const module = await createProfilesService(ctx, {
    ...options.service,
    onIngest: (o) => {
      ingestOutcomes.push(o);
      options.service?.onIngest?.(o);
    },
  });
  await module.start();
  const served = await serveModule(module, ctx);
  const codecs = {
    identity: serviceCodec(env.contextFor('identity')),
    transactions: serviceCodec(env.contextFor('transactions')),
    consent: serviceCodec(env.contextFor('consent')),
  };
  const topics = {
    identity: env.names.topic(TOPICS.identityEvents),
    transactions: env.names.topic(TOPICS.transactionsEvents),
    consent: env.names.topic(TOPICS.consentEvents),
  };
  return {
    env,
    ctx,
    module,
    served,
    ingestOutcomes,
    auth: (request) => env.auth.authorization(request),
    async gql(query, variables, authorization) {
      const res = await fetch(`${served.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
      return {
        status: res.status,
        data: (body.data ?? null) as never,
        errors: (body.errors ?? []) as never,
      };
    },
    async rest(method, path, body, authorization) {
      const res = await fetch(`${served.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(authorization ? { authorization } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        headers: res.headers,
      };
    },
    async publish(service, events) {
      const encoded = await Promise.all(events.map((e) => codecs[service].encode(e)));
      await env.producer.send(topics[service], encoded.map(eventMessage));
    },
    async ingest(records) {
      await env.producer.send(
        env.names.topic(TOPICS.ingestProfiles),
        records.map((r) => ({
          key: (r as { sourceRecordId?: string }).sourceRecordId ?? null,
          value: JSON.stringify(r),
        })),
      );
    },
    index(type, value, scope) {
      const r = normaliseReferences(
        env.privacy,
        [{ type, value, ...(scope === undefined ? {} : { scope }) }],
        'FR',
      );
      if (!r.ok) throw new Error(`invalid test identifier ${type}`);
      const first = r.references[0];
      if (!first) throw new Error('no reference');
      return first.index;
    },
    async close() {
      await served.close();
      await module.stop();
      await env.cleanup();
    },
  };
}

function envelope<D>(
  type: string,
  streamId: string,
  subjectId: string | null,
  data: D,
  system: string,
  occurredAt: string,
): EventEnvelope<string, D> {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId,
    subjectId,
    occurredAt,
    recordedAt: new Date().toISOString(),
    region: 'EU',
    source: { system },
    correlationId: id,
    causationId: null,
    data,
  };
}

const rule = { id: 'test-rule', version: '1' };
const evidence = { trigger: 'test', matches: [], explanation: 'test' };

export const identityEvents = {
  linked(clientId: string, ref: { type: string; index: string; scope?: string | null }) {
    return envelope<DataOf<typeof IdentifierLinked>>(
      IdentifierLinked.type,
      `identity-${clientId}`,
      clientId,
      {
        clientId,
        identifier: {
          type: ref.type,
          scope: ref.scope ?? null,
          index: ref.index,
          value: 'x',
          masked: 'x',
        },
        rule,
        evidence,
      },
      'identity',
      new Date().toISOString(),
    );
  },
  merged(
    survivorId: string,
    mergedIds: string[],
    moved: { type: string; index: string }[],
    mergeId: string,
  ) {
    return envelope<DataOf<typeof ClientsMerged>>(
      ClientsMerged.type,
      `identity-${survivorId}`,
      survivorId,
      {
        survivorId,
        mergedIds,
        movedIdentifiers: moved.map((m) => ({ type: m.type, scope: null, index: m.index })),
        mergeId,
        rule,
        evidence,
        actor: 'steward-1',
      },
      'identity',
      new Date().toISOString(),
    );
  },
  unmerged(
    survivorId: string,
    restoredClientId: string,
    restored: { type: string; index: string }[],
    mergeId: string,
  ) {
    return envelope<DataOf<typeof ClientUnmerged>>(
      ClientUnmerged.type,
      `identity-${survivorId}`,
      survivorId,
      {
        survivorId,
        restoredClientId,
        mergeId,
        restoredIdentifiers: restored.map((m) => ({ type: m.type, scope: null, index: m.index })),
        reason: 'wrong merge',
        actor: 'steward-1',
      },
      'identity',
      new Date().toISOString(),
    );
  },
};

export function attributed(input: {
  clientId: string | null;
  transactionId?: string;
  kind?: 'sale' | 'return';
  occurredAt: string;
  storeId: string | null;
  region: Region;
  associateId: string | null;
  amountMinor: number;
  currency?: string;
  reporting?: number | null;
}) {
  const transactionId = input.transactionId ?? newEventId();
  const currency = input.currency ?? 'EUR';
  return envelope<DataOf<typeof TransactionAttributed>>(
    TransactionAttributed.type,
    `transactions-${transactionId}`,
    input.clientId,
    {
      transactionId,
      clientId: input.clientId,
      previousClientId: null,
      via: null,
      kind: input.kind ?? 'sale',
      occurredAt: input.occurredAt,
      storeId: input.storeId,
      region: input.region,
      associateId: input.associateId,
      total: { amountMinor: input.amountMinor, currency },
      reporting:
        input.reporting === undefined || input.reporting === null
          ? null
          : {
              amount: { amountMinor: input.reporting, currency: 'EUR' },
              rate: '1',
              rateDate: '2026-01-01',
              source: 'test',
            },
    },
    'transactions',
    input.occurredAt,
  );
}

export function erased(clientId: string, aliases: string[] = []) {
  const requestId = newEventId();
  return envelope<DataOf<typeof ClientErased>>(
    ClientErased.type,
    `consent-${clientId}`,
    clientId,
    { requestId, clientId, aliases, erasedAt: new Date().toISOString() },
    'consent',
    new Date().toISOString(),
  );
}

export { eventually };

/** Everything published on a topic, from the beginning (a fresh consumer group). */
export async function collectTopic(
  p: Profiles,
  topic: string,
): Promise<{
  readonly messages: {
    key: string | null;
    headers: Record<string, string>;
    event: EventEnvelope;
  }[];
  stop(): Promise<void>;
}> {
  const messages: { key: string | null; headers: Record<string, string>; event: EventEnvelope }[] =
    [];
  const consumer = p.env.broker.createConsumer({
    groupId: `${p.env.names.prefix}collect-${newEventId()}`,
  });
  await consumer.run({
    topics: [p.env.names.topic(topic)],
    fromBeginning: true,
    commit: { everyMessages: 5_000, intervalMs: 1_000 },
    eachMessage: (m) => {
      if (m.value !== null) {
        const raw = m.value.toString('utf8');
        let event: EventEnvelope;
        try {
          event = JSON.parse(raw) as EventEnvelope;
        } catch {
          event = { type: '(not json)' } as EventEnvelope; // dead letters keep the original bytes
        }
        messages.push({
          key: m.key === null ? null : m.key.toString('utf8'),
          headers: { ...m.headers },
          event,
        });
      }
      return Promise.resolve();
    },
  });
  return { messages, stop: () => consumer.stop() };
}

/** A clock the test moves. */
export function testClock(start: string): { readonly clock: () => Date; set(iso: string): void } {
  let now = new Date(start);
  return {
    clock: () => new Date(now.getTime()),
    set: (iso) => {
      now = new Date(iso);
    },
  };
}
