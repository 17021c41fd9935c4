import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import {
  ClientBookAssigned,
  newEventId,
  profileStream,
  TOPICS,
  type EventEnvelope,
} from '@maison/event-contracts';
import { startTelemetry, type Telemetry } from '@maison/service-kit';
import { eventually } from '@maison/testing';
import {
  createEventConsumer,
  currentTraceparent,
  openServiceEventStore,
  startServicePublisher,
} from '../src/index.js';
import { createTestEnvironment, type TestEnvironment } from '../src/testing.js';

let telemetry: Telemetry;
let env: TestEnvironment;
beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: 'runtime-test', mode: 'memory' });
  env = await createTestEnvironment({ transport: 'memory' });
});
afterAll(async () => {
  await env.cleanup();
  await telemetry.shutdown();
});

function assignment(clientId: string): EventEnvelope {
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
    source: { system: 'profiles' },
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

it('carries the writer’s trace through the store and the topic into the consumer’s span', async () => {
  const ctx = env.contextFor('profiles');
  const events = await openServiceEventStore(ctx);
  const publisher = await startServicePublisher(ctx, events);
  const seen: { traceId: string | undefined; eventId: string }[] = [];
  const consumer = await createEventConsumer(env.contextFor('recommendations'), {
    name: 'recommendations.trace-test',
    topics: [TOPICS.profilesEvents],
    handler: (event) => {
      seen.push({ traceId: trace.getActiveSpan()?.spanContext().traceId, eventId: event.id });
      return Promise.resolve();
    },
  });
  void consumer.start();
  const e = assignment('client-trace');
  const written = await trace
    .getTracer('test')
    .startActiveSpan('POST /v1/profiles', async (span) => {
      const traceparent = currentTraceparent();
      await events.store.append(e.streamId, [e]);
      span.end();
      return { traceId: span.spanContext().traceId, traceparent };
    });
  expect(written.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  const stored = [];
  for await (const r of events.raw.readStream(e.streamId)) stored.push(r.traceparent);
  expect(stored).toEqual([written.traceparent]);
  await eventually(() => (seen.some((s) => s.eventId === e.id) ? true : undefined));
  expect(seen.find((s) => s.eventId === e.id)?.traceId).toBe(written.traceId);
  const span = telemetry.memory
    ?.spans()
    .find((s) => s.name === 'recommendations.trace-test ClientBookAssigned');
  expect(span?.spanContext().traceId).toBe(written.traceId);
  await consumer.stop();
  await publisher.stop();
  await events.raw.close();
});
