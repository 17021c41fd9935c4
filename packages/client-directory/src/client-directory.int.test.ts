import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientsMerged,
  ClientUnmerged,
  IdentifierLinked,
  IdentifierUnlinked,
  newEventId,
  type EventEnvelope,
} from '@maison/event-contracts';
import {
  openEmbeddedDatabase,
  postgresDatabase,
  runMigrations,
  type SqlDatabase,
} from '@maison/sql';
import { isolatedPostgres, type IsolatedPostgres } from '@maison/testing';
import { ClientDirectory, DIRECTORY_MIGRATIONS } from './index.js';

const idx = (c: string) => c.repeat(43);
const ref = (c: string, type = 'email') => ({ type, scope: null, index: idx(c) });
const rule = { id: 'email-exact', version: '2026-11' };
const evidence = { trigger: 'test', matches: [], explanation: 'test' };

function event(type: string, subjectId: string, data: unknown): EventEnvelope {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId: `identity-${subjectId}`,
    subjectId,
    occurredAt: '2026-11-01T10:00:00Z',
    recordedAt: '2026-11-01T10:00:00Z',
    region: 'EU',
    source: { system: 'identity' },
    correlationId: id,
    causationId: null,
    data,
  };
}
const linked = (clientId: string, c: string, type?: string) =>
  event(IdentifierLinked.type, clientId, {
    clientId,
    identifier: { ...ref(c, type), value: 'enc', masked: 'enc' },
    rule,
    evidence,
  });

function suite(
  name: string,
  open: () => Promise<{ db: SqlDatabase; schema: string; done: () => Promise<void> }>,
) {
  describe(name, () => {
    let db: SqlDatabase;
    let schema: string;
    let done: () => Promise<void>;
    let dir: ClientDirectory;
    beforeAll(async () => {
      ({ db, schema, done } = await open());
      await runMigrations(db, {
        schema,
        migrations: DIRECTORY_MIGRATIONS,
        table: 'directory_migrations',
      });
      dir = new ClientDirectory(schema);
    });
    afterAll(() => done());
    const apply = (e: EventEnvelope) => db.transaction((tx) => dir.apply(tx, e));

    it('attributes by the first identifier with an owner, in the order given', async () => {
      await apply(linked('A', 'a'));
      await apply(linked('B', 'b', 'loyalty_id'));
      expect(await dir.attribute(db, [ref('z'), ref('b'), ref('a')])).toEqual({
        clientId: 'B',
        via: idx('b'),
      });
      expect(await dir.attribute(db, [ref('z')])).toBeNull();
      expect(await dir.attribute(db, [])).toBeNull();
    });

    it('follows merges to the survivor and restores exactly on unmerge', async () => {
      const mergeId = newEventId();
      const change = await apply(
        event(ClientsMerged.type, 'B', {
          survivorId: 'B',
          mergedIds: ['A'],
          movedIdentifiers: [ref('a')],
          mergeId,
          rule,
          evidence,
          actor: 'steward-1',
        }),
      );
      expect(change).toEqual({ kind: 'merged', indexes: [idx('a')], clients: ['A'] });
      expect(await dir.canonical(db, 'A')).toBe('B');
      expect(await dir.attribute(db, [ref('a')])).toEqual({ clientId: 'B', via: idx('a') });
      expect((await dir.aliasesOf(db, 'B')).sort()).toEqual(['A', 'B']);

      await apply(
        event(ClientUnmerged.type, 'B', {
          survivorId: 'B',
          restoredClientId: 'A',
          mergeId,
          restoredIdentifiers: [ref('a')],
          reason: 'wrong merge',
          actor: 'steward-1',
        }),
      );
      expect(await dir.canonical(db, 'A')).toBe('A');
      expect(await dir.attribute(db, [ref('a')])).toEqual({ clientId: 'A', via: idx('a') });
      expect(await dir.aliasesOf(db, 'B')).toEqual(['B']);
    });

    it('resolves chains of merges', async () => {
      const m1 = newEventId();
      const m2 = newEventId();
      await apply(linked('C', 'c'));
      await apply(
        event(ClientsMerged.type, 'C', {
          survivorId: 'C',
          mergedIds: ['A'],
          movedIdentifiers: [ref('a')],
          mergeId: m1,
          rule,
          evidence,
          actor: 's',
        }),
      );
      await apply(
        event(ClientsMerged.type, 'B', {
          survivorId: 'B',
          mergedIds: ['C'],
          movedIdentifiers: [ref('c')],
          mergeId: m2,
          rule,
          evidence,
          actor: 's',
        }),
      );
      expect(await dir.canonical(db, 'A')).toBe('B');
      expect((await dir.aliasesOf(db, 'B')).sort()).toEqual(['A', 'B', 'C']);
      const records = [[ref('a')], [ref('z'), ref('c')], [ref('z')], [], [ref('b'), ref('a')]];
      const one = await Promise.all(records.map((r) => dir.attribute(db, r)));
      expect(await dir.attributeMany(db, records)).toEqual(one);
      expect(one[0]).toEqual({ clientId: 'B', via: idx('a') });
      expect(await dir.canonicalMany(db, ['A', 'C', 'Q'])).toEqual(
        new Map([
          ['A', 'B'],
          ['C', 'B'],
          ['Q', 'Q'],
        ]),
      );
    });

    it('unlinks only from the client named, and forgets erased clients', async () => {
      await apply(linked('D', 'd'));
      await apply(
        event(IdentifierUnlinked.type, 'E', {
          clientId: 'E',
          identifier: ref('d'),
          reason: 'steward',
          rule: null,
          actor: 's',
        }),
      );
      expect(await dir.attribute(db, [ref('d')])).toEqual({ clientId: 'D', via: idx('d') });
      await db.transaction((tx) => dir.forget(tx, ['D']));
      expect(await dir.attribute(db, [ref('d')])).toBeNull();
      expect(await dir.identifiersOf(db, 'D')).toEqual([]);
    });

    it('applying the same event twice changes nothing more', async () => {
      const e = linked('F', 'f');
      await apply(e);
      await apply(e);
      expect(await dir.identifiersOf(db, 'F')).toEqual([ref('f')]);
    });
  });
}

let pg: IsolatedPostgres;
beforeAll(async () => {
  pg = await isolatedPostgres('directory');
});
afterAll(() => pg.drop());

suite('on PostgreSQL', () => {
  const db = postgresDatabase(pg.url);
  return Promise.resolve({ db, schema: pg.schema, done: () => db.close() });
});
suite('on PGlite', async () => {
  const db = await openEmbeddedDatabase();
  return { db, schema: 'svc', done: () => db.close() };
});
