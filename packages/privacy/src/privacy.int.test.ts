import { randomBytes, randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newEventId, type EventEnvelope } from '@maison/event-contracts';
import { isolatedPostgres, type IsolatedPostgres } from '@maison/testing';
import {
  ERASED,
  MissingSubjectError,
  Privacy,
  pgliteRunner,
  pgRunner,
  privacyConfig,
  SqlKeyStore,
  SubjectErasedError,
  UnknownKekError,
  UnknownPiiPathsError,
  type PrivacyConfig,
  type QueryRunner,
} from './index.js';

const kek1 = randomBytes(32);
const kek2 = randomBytes(32);
const blindKey = randomBytes(32);
const config: PrivacyConfig = privacyConfig({
  activeKekId: 'kek-1',
  keks: { 'kek-1': kek1 },
  blindIndexKey: blindKey,
});

/** ClientProfileUpdated-like event: email, names and engraving text in order lines are PII. */
const PROFILE_PII = ['email', 'name.first', 'name.last', 'lines.*.engraving'];
const definitions = new Map([['ClientProfileUpdated', { pii: PROFILE_PII }]]);

interface ProfileData {
  email: string;
  name: { first: string; last: string };
  tier: string;
  lines: { sku: string; engraving: string }[];
}

function profileEvent(subjectId: string | null, email: string): EventEnvelope<string, ProfileData> {
  const now = new Date().toISOString();
  return {
    id: newEventId(),
    type: 'ClientProfileUpdated',
    schemaVersion: 1,
    streamId: `client-${subjectId ?? 'unresolved'}`,
    subjectId,
    occurredAt: now,
    recordedAt: now,
    region: 'EU',
    source: { system: 'test' },
    correlationId: randomUUID(),
    causationId: null,
    data: {
      email,
      name: { first: `first-${email}`, last: `last-${email}` },
      tier: 'gold',
      lines: [
        { sku: 'SKU-1', engraving: `to ${email}` },
        { sku: 'SKU-2', engraving: `also ${email}` },
      ],
    },
  };
}

interface Backend {
  readonly runner: QueryRunner;
  readonly schema: string;
  close(): Promise<void>;
}

const backends: [string, () => Promise<Backend>][] = [
  [
    'PostgreSQL',
    async () => {
      const pg: IsolatedPostgres = await isolatedPostgres('privacy');
      return { runner: pgRunner(pg.pool), schema: pg.schema, close: () => pg.drop() };
    },
  ],
  [
    'PGlite (in-memory)',
    async () => {
      const db = await PGlite.create();
      return { runner: pgliteRunner(db), schema: 'privacy', close: () => db.close() };
    },
  ],
];

describe.each(backends)('privacy on %s', (_name, open) => {
  let backend: Backend;
  let store: SqlKeyStore;
  const privacy = (overrides: Partial<ConstructorParameters<typeof Privacy>[0]> = {}) =>
    new Privacy({ config, keyStore: store, definitions, ...overrides });

  /** Every row of every table in the key store schema and `public_events`, as JSON text. */
  async function rawDump(): Promise<string> {
    const tables = await backend.runner.query<{ t: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t
         FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
      [backend.schema],
    );
    expect(tables.map((t) => t.t).join()).toMatch(/data_keys.*events.*shredded_subjects/);
    const dumps: string[] = [];
    for (const { t } of tables) {
      const rows = await backend.runner.query<{ j: string }>(
        `SELECT row_to_json(x)::text AS j FROM ${t} x`,
      );
      dumps.push(...rows.map((r) => r.j));
    }
    return dumps.join('\n');
  }

  beforeAll(async () => {
    backend = await open();
    store = new SqlKeyStore(backend.runner, { schema: backend.schema });
    await store.migrate();
    await store.migrate(); // idempotent
    await backend.runner.query(
      `CREATE TABLE "${backend.schema}".events (
         id uuid PRIMARY KEY, subject_id text, email_bidx text, body jsonb NOT NULL)`,
    );
  });

  afterAll(async () => {
    await backend.close();
  });

  it('creates exactly one key when 20 writers encrypt for a new subject at once', async () => {
    const subject = randomUUID();
    // Separate instances: no shared cache, so every writer goes to the store.
    const encrypted = await Promise.all(
      Array.from({ length: 20 }, () =>
        privacy().encryptEvent(profileEvent(subject, 'race@example.com')),
      ),
    );
    const rows = await backend.runner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${backend.schema}".data_keys WHERE subject_id = $1`,
      [subject],
    );
    expect(rows[0]?.n).toBe(1);
    const reader = privacy();
    for (const e of encrypted) {
      expect((await reader.decryptEvent(e)).data.email).toBe('race@example.com');
    }
  });

  it('privacy acceptance: the canary is never stored in clear and is gone after shred', async () => {
    const p = privacy();
    const subjectA = randomUUID();
    const subjectB = randomUUID();
    const canaryA = `canary-${randomUUID()}@example.com`;
    const canaryB = `canary-${randomUUID()}@example.com`;
    const eventsA = Array.from({ length: 4 }, () => profileEvent(subjectA, canaryA));
    const eventsB = Array.from({ length: 2 }, () => profileEvent(subjectB, canaryB));

    for (const e of [...eventsA, ...eventsB]) {
      const enc = await p.encryptEvent(e);
      await backend.runner.query(
        `INSERT INTO "${backend.schema}".events (id, subject_id, email_bidx, body)
         VALUES ($1, $2, $3, $4)`,
        [e.id, e.subjectId, p.blindIndex('email', e.data.email), JSON.stringify(enc)],
      );
    }
    const load = async () =>
      (
        await backend.runner.query<{ body: EventEnvelope<string, ProfileData> }>(
          `SELECT body FROM "${backend.schema}".events ORDER BY id`,
        )
      ).map((r) => r.body);

    let dump = await rawDump();
    expect(dump).toContain(subjectA); // the dump does see these rows
    expect(dump).not.toContain(canaryA);
    expect(dump).not.toContain(canaryB);

    // Blind-index matching finds A's rows by identifier, with no plaintext in the database.
    const found = await backend.runner.query<{ id: string }>(
      `SELECT id FROM "${backend.schema}".events WHERE email_bidx = $1`,
      [p.blindIndex('email', canaryA.toUpperCase())],
    );
    expect(found.map((r) => r.id).sort()).toEqual(eventsA.map((e) => e.id).sort());

    const fresh = privacy(); // nothing cached: keys come from the store
    for (const stored of await load()) {
      const plain = await fresh.decryptEvent(stored);
      const original = [...eventsA, ...eventsB].find((e) => e.id === stored.id);
      expect(plain).toEqual(original);
    }

    const shredded = await p.shred(subjectA);
    expect(shredded).toMatchObject({
      subjectId: subjectA,
      keyDestroyed: true,
      alreadyShredded: false,
    });
    await p.suppress('email', p.blindIndex('email', canaryA), 'erasure-request');

    for (const stored of await load()) {
      const plain = await p.decryptEvent(stored);
      if (stored.subjectId === subjectA) {
        expect(plain.data).toEqual({
          email: ERASED,
          name: { first: ERASED, last: ERASED },
          tier: 'gold',
          lines: [
            { sku: 'SKU-1', engraving: ERASED },
            { sku: 'SKU-2', engraving: ERASED },
          ],
        });
      } else {
        expect(plain.data.email).toBe(canaryB);
      }
    }
    // Every process, cached or not, can ask the store whether A is erased.
    expect(await fresh.isErased(subjectA)).toBe(true);

    dump = await rawDump();
    expect(dump).not.toContain(canaryA);
    expect(dump).not.toContain(canaryB);
    const keyRows = await backend.runner.query(
      `SELECT * FROM "${backend.schema}".data_keys WHERE subject_id = $1`,
      [subjectA],
    );
    expect(keyRows).toHaveLength(0);

    // No resurrection: neither this process nor a fresh one may mint a new key for A.
    await expect(p.encryptEvent(profileEvent(subjectA, canaryA))).rejects.toThrow(
      SubjectErasedError,
    );
    await expect(privacy().encryptEvent(profileEvent(subjectA, 'x@example.com'))).rejects.toThrow(
      SubjectErasedError,
    );
    await expect(
      store.createIfAbsent({
        subjectId: subjectA,
        keyId: randomUUID(),
        kekId: 'kek-1',
        wrapped: randomBytes(60),
      }),
    ).rejects.toThrow(SubjectErasedError);

    // A re-import of the same identifier, however it is spelt, is suppressed; B's is not.
    expect(await p.isSuppressed('email', p.blindIndex('email', ` ${canaryA.toUpperCase()}`))).toBe(
      true,
    );
    expect(await p.isSuppressed('email', p.blindIndex('email', canaryB))).toBe(false);
    expect(await p.isSuppressed('phone', p.blindIndex('email', canaryA))).toBe(false);
    expect(await p.suppress('email', p.blindIndex('email', canaryA), 'again')).toEqual({
      added: false,
    });

    // Idempotent shred.
    expect(await p.shred(subjectA)).toMatchObject({ keyDestroyed: false, alreadyShredded: true });
  });

  it('another process keeps a cached key only until its cache TTL', async () => {
    const subject = randomUUID();
    let now = 0;
    const other = privacy({ cache: { ttlMs: 1000 }, now: () => now });
    const enc = await other.encryptEvent(profileEvent(subject, 'ttl@example.com'));
    await privacy().shred(subject);
    expect((await other.decryptEvent(enc)).data.email).toBe('ttl@example.com');
    now = 1000;
    expect((await other.decryptEvent(enc)).data.email).toBe(ERASED);
  });

  it('keys events without a subject by keySubject and refuses when it is missing', async () => {
    const p = privacy();
    const keySubject = `shopify:customer:${randomUUID()}`;
    const event = profileEvent(null, 'unresolved@example.com');
    await expect(p.encryptEvent(event)).rejects.toThrow(MissingSubjectError);
    const enc = await p.encryptEvent(event, { keySubject });
    expect(JSON.stringify(enc)).not.toContain('unresolved@example.com');
    expect(await privacy().decryptEvent(enc)).toEqual(event);
    await p.shred(keySubject);
    expect((await privacy().decryptEvent(enc)).data.name.first).toBe(ERASED);
  });

  it('refuses to encrypt an event type whose PII paths are unknown', async () => {
    const event = { ...profileEvent(randomUUID(), 'x@example.com'), type: 'SomethingElse' };
    await expect(privacy().encryptEvent(event)).rejects.toThrow(UnknownPiiPathsError);
    const enc = await privacy().encryptEvent(event, { paths: ['email'] });
    expect(enc.data.email).toMatchObject({ $enc: 'v1' });
    expect(enc.data.tier).toBe('gold');
  });

  it('re-wraps data keys under a new master key without touching ciphertexts', async () => {
    const subjects = Array.from({ length: 3 }, () => randomUUID());
    const old = privacy();
    const encrypted = await Promise.all(
      subjects.map((s) => old.encryptEvent(profileEvent(s, `${s}@example.com`))),
    );
    const rotating = privacyConfig({
      activeKekId: 'kek-2',
      keks: { 'kek-1': kek1, 'kek-2': kek2 },
      blindIndexKey: blindKey,
    });
    const rewrapped = await privacy({ config: rotating }).rewrapKeys(2);
    expect(rewrapped).toBeGreaterThanOrEqual(subjects.length);
    expect(await privacy({ config: rotating }).rewrapKeys()).toBe(0);

    const onlyNew = privacyConfig({
      activeKekId: 'kek-2',
      keks: { 'kek-2': kek2 },
      blindIndexKey: blindKey,
    });
    for (const [i, e] of encrypted.entries()) {
      expect((await privacy({ config: onlyNew }).decryptEvent(e)).data.email).toBe(
        `${subjects[i] ?? ''}@example.com`,
      );
    }
    // And the retired key alone can no longer open them.
    await expect(privacy().decryptEvent(encrypted[0]!)).rejects.toThrow(UnknownKekError);
  });
});
