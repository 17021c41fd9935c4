import {
  ClientErased,
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  identityStream,
  consentStream,
  newEventId,
  TOPICS,
  type EventEnvelope,
} from '@maison/event-contracts';
import { eventMessage } from '@maison/messaging';
import { normaliseReferences } from '@maison/runtime';
import type { TestEnvironment } from '@maison/runtime/testing';

const rule = { id: 'email-exact', version: '2026-11' };
const evidence = { trigger: 'transactions:test', matches: [], explanation: 'test' };

function envelope(
  type: string,
  subjectId: string,
  data: unknown,
  stream = identityStream(subjectId),
): EventEnvelope {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId: stream,
    subjectId,
    occurredAt: new Date().toISOString(),
    recordedAt: new Date().toISOString(),
    region: 'EU',
    source: { system: 'identity' },
    correlationId: id,
    causationId: null,
    data,
  };
}

/** What the identity (and consent) service would publish, encrypted as it would be. */
export function identity(env: TestEnvironment) {
  const ref = (type: string, value: string, scope?: string) => {
    const r = normaliseReferences(
      env.privacy,
      [{ type, value, ...(scope ? { scope } : {}) }],
      'FR',
    );
    if (!r.ok || !r.references[0]) throw new Error('bad test reference');
    const { type: t, scope: s, index } = r.references[0];
    return { type: t, scope: s, index };
  };
  const publish = async (topic: string, events: EventEnvelope[]) => {
    const stored = await Promise.all(events.map((e) => env.privacy.encryptEvent(e)));
    await env.producer.send(env.names.topic(topic), stored.map(eventMessage));
  };
  return {
    ref,
    link: (clientId: string, r: ReturnType<typeof ref>) =>
      publish(TOPICS.identityEvents.name, [
        envelope(IdentifierLinked.type, clientId, {
          clientId,
          identifier: { ...r, value: 'v', masked: 'm' },
          rule,
          evidence,
        }),
      ]),
    merge: async (survivorId: string, mergedId: string, moved: ReturnType<typeof ref>[]) => {
      const mergeId = newEventId();
      await publish(TOPICS.identityEvents.name, [
        envelope(ClientsMerged.type, survivorId, {
          survivorId,
          mergedIds: [mergedId],
          movedIdentifiers: moved,
          mergeId,
          rule,
          evidence,
          actor: 'steward-1',
        }),
      ]);
      return mergeId;
    },
    unmerge: (
      survivorId: string,
      restoredClientId: string,
      mergeId: string,
      restored: ReturnType<typeof ref>[],
    ) =>
      publish(TOPICS.identityEvents.name, [
        envelope(ClientUnmerged.type, survivorId, {
          survivorId,
          restoredClientId,
          mergeId,
          restoredIdentifiers: restored,
          reason: 'wrong merge',
          actor: 'steward-1',
        }),
      ]),
    erase: (clientId: string, aliases: string[] = []) =>
      publish(TOPICS.consentEvents.name, [
        envelope(
          ClientErased.type,
          clientId,
          { requestId: newEventId(), clientId, aliases, erasedAt: new Date().toISOString() },
          consentStream(clientId),
        ),
      ]),
  };
}
