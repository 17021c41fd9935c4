import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientBookAssigned,
  newEventId,
  profileStream,
  TOPICS,
  type DataOf,
  type EventEnvelope,
} from '@maison/event-contracts';
import { ForbiddenError, NotFoundError, ValidationError } from '@maison/service-kit';
import { eventually } from '@maison/testing';
import { gql } from 'graphql-tag';
import {
  createEventConsumer,
  openServiceEventStore,
  serveModule,
  startServicePublisher,
  type GraphQLContext,
  type ServedModule,
  type ServiceContext,
  type ServiceModule,
} from '../src/index.js';
import { createTestEnvironment, type TestEnvironment } from '../src/testing.js';

/** A producing module: REST + subgraph over its own event store, publishing to its topic. */
async function producer(
  ctx: ServiceContext,
): Promise<ServiceModule & { append(e: EventEnvelope): Promise<void> }> {
  const events = await openServiceEventStore(ctx);
  let publisher: Awaited<ReturnType<typeof startServicePublisher>> | undefined;
  return {
    name: 'profiles',
    routes: (app) => {
      app.get('/v1/boom', () => {
        throw new ValidationError('bad input', [{ pointer: '/x', detail: 'is wrong' }]);
      });
    },
    subgraph: {
      typeDefs: gql`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
        type Client @key(fields: "id") {
          id: ID!
          secretNote: String
        }
        type Query {
          whoami: String
          missing: String
          forbidden: String
          crash: String
        }
      `,
      resolvers: {
        Query: {
          whoami: (_: unknown, __: unknown, c: GraphQLContext) => c.principal?.role ?? 'anonymous',
          missing: () => {
            throw new NotFoundError('No such thing.');
          },
          forbidden: () => {
            throw new ForbiddenError('Not for you.');
          },
          crash: () => {
            throw new Error('internal detail jane@example.com');
          },
        },
      },
    },
    append: async (e) => {
      await events.store.append(e.streamId, [e]);
    },
    start: async () => {
      publisher = await startServicePublisher(ctx, events);
    },
    stop: async () => {
      await publisher?.stop();
      await events.raw.close();
    },
  };
}

function assignment(
  clientId: string,
): EventEnvelope<'ClientBookAssigned', DataOf<typeof ClientBookAssigned>> {
  const id = newEventId();
  return {
    id,
    type: ClientBookAssigned.type,
    schemaVersion: 1,
    streamId: profileStream(clientId),
    subjectId: clientId,
    occurredAt: '2026-11-02T10:00:00+01:00',
    recordedAt: '2026-11-02T09:00:00Z',
    region: 'EU',
    source: { system: 'profiles', actor: 'assoc-1' },
    correlationId: id,
    causationId: null,
    data: {
      clientId,
      role: 'primary',
      associateId: 'assoc-1',
      storeId: 'PAR-01',
      previousAssociateId: null,
      assignedBy: 'assoc-1',
      policy: null,
      since: '2026-11-02T10:00:00+01:00',
    },
  };
}

describe.each(['kafka', 'memory'] as const)(
  'a service on the runtime (%s transport)',
  (transport) => {
    let env: TestEnvironment;
    let module: Awaited<ReturnType<typeof producer>>;
    let served: ServedModule;
    const received: EventEnvelope[] = [];
    let consumer: Awaited<ReturnType<typeof createEventConsumer>>;

    beforeAll(async () => {
      env = await createTestEnvironment({ transport });
      const ctx = env.contextFor('profiles');
      module = await producer(ctx);
      await module.start();
      served = await serveModule(module, ctx);
      consumer = await createEventConsumer(env.contextFor('recommendations'), {
        name: 'recommendations.profiles',
        topics: [TOPICS.profilesEvents],
        handler: (event) => {
          received.push(event);
          return Promise.resolve();
        },
      });
      void consumer.start();
    });
    afterAll(async () => {
      await consumer.stop();
      await served.close();
      await module.stop();
      await env.cleanup();
    });

    it('publishes what it appends to its topic; another service consumes it once', async () => {
      const e = assignment('client-1');
      await module.append(e);
      await module.append(e); // idempotent re-append
      await eventually(() => (received.some((r) => r.id === e.id) ? true : undefined), {
        timeoutMs: 20_000,
        what: 'the event on the other side',
      });
      expect(received.filter((r) => r.id === e.id)).toHaveLength(1);
      expect(received.find((r) => r.id === e.id)?.data).toEqual(e.data);
    });

    it('answers GraphQL with the caller and typed error codes, never internals', async () => {
      const post = async (query: string, authorization?: string) => {
        const res = await fetch(`${served.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify({ query }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const token = await env.auth.authorization({ role: 'compliance' });
      expect((await post('{ whoami }', token)).body).toEqual({ data: { whoami: 'compliance' } });
      expect((await post('{ whoami }')).body).toEqual({ data: { whoami: 'anonymous' } });
      const bad = await post('{ whoami }', 'Bearer not.a.token');
      expect(bad.status).toBe(401);
      expect(JSON.stringify(bad.body)).toContain('UNAUTHENTICATED');
      const errors = await post('{ missing forbidden crash }', token);
      const codes = (errors.body.errors as { extensions: { code: string }; message: string }[]).map(
        (e) => [e.extensions.code, e.message],
      );
      expect(codes).toEqual(
        expect.arrayContaining([
          ['NOT_FOUND', 'No such thing.'],
          ['FORBIDDEN', 'Not for you.'],
          ['INTERNAL_SERVER_ERROR', 'Internal server error'],
        ]),
      );
      expect(JSON.stringify(errors.body)).not.toContain('jane@example.com');
    });

    it('answers REST errors as problem+json and serves the federation SDL', async () => {
      const res = await fetch(`${served.url}/v1/boom`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const sdl = await fetch(`${served.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      expect(JSON.stringify(await sdl.json())).toContain('@key');
      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  },
);
