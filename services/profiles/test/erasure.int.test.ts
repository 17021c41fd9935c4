// Erasure and the edge of the platform on real Kafka and PostgreSQL: ClientErased purges every
// read model and cache entry and is answered with ClientDataPurged; nothing brings the client back;
// unusable ingest records go to the dead-letter topic without their values.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HEADERS, TOPICS, dlqTopicName } from '@maison/event-contracts';
import { ASSIGN, NOTE } from './graphql.js';
import {
  attributed,
  collectTopic,
  erased,
  eventually,
  identityEvents,
  startProfiles,
  type Profiles,
} from './harness.js';

let p: Profiles;
let admin: string;

beforeAll(async () => {
  p = await startProfiles({ transport: 'kafka' });
  admin = await p.auth({ role: 'admin' });
}, 60_000);
afterAll(() => p.close());

const PROFILE = `query ($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) {
  ... on Client { profile { displayName } notes { text } } } }`;

/** Every row of every table in the service's read-model schema, as JSON text. */
async function dumpReadModels(): Promise<string> {
  const tables = await p.env.database.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'profiles' AND table_type = 'BASE TABLE'`,
  );
  const out: string[] = [];
  for (const t of tables)
    for (const r of await p.env.database.query<{ j: string }>(
      `SELECT row_to_json(x)::text AS j FROM profiles."${t.table_name}" x`,
    ))
      out.push(r.j);
  return out.join('\n');
}

describe('ClientErased', () => {
  it('purges read models and cache, reports ClientDataPurged, and nothing recreates the client', async () => {
    const canary = `Canary${randomBytes(6).toString('hex')}`;
    const email = `${canary.toLowerCase()}@example.com`;
    const published = await collectTopic(p, TOPICS.profilesEvents.name);
    await p.ingest([
      {
        sourceSystem: 'pos.cegid',
        sourceRecordId: `ER-${canary.slice(-6)}`,
        occurredAt: '2026-05-01T10:00:00+02:00',
        region: 'EU',
        storeId: 'PAR-01',
        customer: [{ type: 'email', value: email }],
        fields: {
          name: { latin: { given: canary, family: 'Durand' } },
          birthday: { day: 3, month: 9 },
        },
      },
    ]);
    await p.publish('identity', [
      identityEvents.linked('erase-me', { type: 'email', index: p.index('email', email) }),
    ]);
    expect(
      (await p.gql(ASSIGN, { id: 'erase-me', associate: 'par-a1', store: 'PAR-01' }, admin)).errors,
    ).toEqual([]);
    expect(
      (
        await p.gql(
          NOTE,
          { id: 'erase-me', text: `${canary} prefers mornings`, visibility: 'BRAND' },
          admin,
        )
      ).errors,
    ).toEqual([]);
    await p.publish('transactions', [
      attributed({
        clientId: 'erase-me',
        occurredAt: '2026-05-02T10:00:00+02:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-a1',
        amountMinor: 1000,
      }),
    ]);
    await eventually(
      async () => {
        const r = await p.gql<{
          _entities: [{ profile: { displayName: string } | null; notes: unknown[] }];
        }>(PROFILE, { id: 'erase-me' }, admin);
        return r.data?._entities[0].profile?.displayName.includes(canary) &&
          r.data._entities[0].notes.length === 1
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the client' },
    );
    // the purchase arrives on another topic: wait for it too, so the erasure finds it to purge
    await eventually(
      async () => {
        const rows = await p.env.database.query(
          `SELECT 1 FROM profiles.purchases WHERE client_id = 'erase-me'`,
        );
        return rows.length === 1 ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the purchase in the read model' },
    );
    expect(await dumpReadModels()).toContain(canary);
    // Positive control for the cache: a read fills it, and an event committed since (the purchase,
    // the note) empties it again after its commit, so read until the entry is there.
    await eventually(
      async () => {
        await p.gql(PROFILE, { id: 'erase-me' }, admin);
        return (await p.ctx.cache.get('profile:erase-me')) !== undefined ? true : undefined;
      },
      { what: 'the profile in the cache' },
    );

    const erasure = erased('erase-me');
    await p.publish('consent', [erasure]);
    const report = await eventually(
      () =>
        published.messages.find(
          (m) =>
            m.event.type === 'ClientDataPurged' &&
            (m.event.data as { requestId: string }).requestId === erasure.data.requestId,
        ),
      { timeoutMs: 30_000, what: 'ClientDataPurged' },
    );
    expect(report.key).toBe('erase-me');
    expect(report.event.data).toMatchObject({
      clientId: 'erase-me',
      service: 'profiles',
      purged: expect.objectContaining({
        'read_model.profiles': 1,
        'read_model.notes': 1,
        'read_model.purchases': 1,
        'read_model.book_assignments': 1,
        cache: 1,
      }),
    });
    expect(
      (report.event.data as { purged: Record<string, number> }).purged['read_model.search_tokens'],
    ).toBeGreaterThan(0);

    // Canary: the plaintext is nowhere in the read models, the cache, or the service's topic.
    expect(await dumpReadModels()).not.toContain(canary);
    expect(await p.ctx.cache.get('profile:erase-me')).toBeUndefined();
    const topic = JSON.stringify(published.messages);
    expect(topic).not.toContain(canary);
    expect(topic).not.toContain(email);
    const r = await p.gql(PROFILE, { id: 'erase-me' }, admin);
    // graphql-js answers once the entity is nulled by its first failing field, so a sibling's
    // error may or may not be listed yet: every listed error says NOT_FOUND, and nothing is served
    expect(r.errors.length).toBeGreaterThan(0);
    expect(new Set(r.errors.map((e) => e.extensions.code))).toEqual(new Set(['NOT_FOUND']));
    expect(JSON.stringify(r.data ?? null)).not.toContain(canary);
    expect(
      (
        await p.rest(
          'POST',
          '/v1/clients/erase-me/notes',
          { text: 'again', visibility: 'brand' },
          admin,
        )
      ).status,
    ).toBe(404);

    // Late or replayed events do not bring the client back.
    await p.publish('transactions', [
      attributed({
        clientId: 'erase-me',
        occurredAt: '2026-05-03T10:00:00+02:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-a1',
        amountMinor: 1000,
      }),
    ]);
    // A re-import naming the erased identifier is dropped (identity suppressed it).
    await p.env.privacy.suppress('email', p.index('email', email), 'dsar-test');
    const before = p.ingestOutcomes.filter((o) => o === 'suppressed').length;
    await p.ingest([
      {
        sourceSystem: 'pos.cegid',
        sourceRecordId: `ER-${canary.slice(-6)}`,
        occurredAt: '2026-05-04T10:00:00+02:00',
        region: 'EU',
        storeId: 'PAR-01',
        customer: [{ type: 'email', value: email }],
        fields: { name: { latin: { given: canary } } },
      },
    ]);
    await eventually(
      () => (p.ingestOutcomes.filter((o) => o === 'suppressed').length > before ? true : undefined),
      { what: 'the suppressed record' },
    );
    const rows = await p.env.database.query(
      `SELECT 1 FROM profiles.profiles WHERE client_id = 'erase-me' UNION ALL SELECT 1 FROM profiles.purchases WHERE client_id = 'erase-me'`,
    );
    expect(rows).toEqual([]);
    await published.stop();
  }, 90_000);
});

describe('ingest.profiles.v1 dead letters', () => {
  it('sends unusable records to the DLQ with a reason, never their values', async () => {
    const dlq = await collectTopic(p, dlqTopicName(TOPICS.ingestProfiles.name));
    const secret = `leak${randomBytes(4).toString('hex')}`;
    await p.env.producer.send(p.env.names.topic(TOPICS.ingestProfiles), [
      { key: 'k-1', value: '{not json' },
      {
        key: 'k-2',
        value: JSON.stringify({
          sourceSystem: 'pos.cegid',
          sourceRecordId: 'BAD-1',
          occurredAt: '2026-05-01T10:00:00+02:00',
          region: 'EU',
          customer: [{ type: 'email', value: `${secret}-not-an-email` }],
        }),
      },
      {
        key: 'k-3',
        value: JSON.stringify({
          sourceSystem: 'pos.cegid',
          region: 'MARS',
          customer: [],
          fields: { name: secret },
        }),
      },
    ]);
    const letters = await eventually(() => (dlq.messages.length >= 3 ? dlq.messages : undefined), {
      timeoutMs: 30_000,
      what: 'three dead letters',
    });
    await dlq.stop();
    expect(letters.map((m) => [m.key, m.headers[HEADERS.dlqReason]]).sort()).toEqual([
      ['k-1', 'invalid-json'],
      ['k-2', 'invalid-record'],
      ['k-3', 'invalid-record'],
    ]);
    for (const m of letters) {
      expect(m.headers[HEADERS.dlqSourceTopic]).toBe(p.env.names.topic(TOPICS.ingestProfiles));
      expect(m.headers[HEADERS.dlqError]).not.toContain(secret);
    }
    expect(letters.find((m) => m.key === 'k-2')?.headers[HEADERS.dlqError]).toContain(
      '/customer/0/value',
    );
  }, 60_000);
});
