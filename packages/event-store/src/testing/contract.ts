import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { newEventId, type EventEnvelope } from '@maison/event-contracts';
import { randomBytes } from 'node:crypto';
import { DuplicateEventError } from '../errors.js';
import {
  ConcurrencyError,
  comparePositions,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '../port.js';

export interface ContractSubject {
  readonly store: EventStore;
  readonly cleanup: () => Promise<void>;
}

function uniqueStream(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A valid envelope for `streamId`; override any field. */
export function testEvent(streamId: string, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: newEventId(),
    type: 'ThingHappened',
    schemaVersion: 1,
    streamId,
    subjectId: 'client-1',
    occurredAt: '2026-03-01T10:15:00.000+01:00',
    recordedAt: '2026-03-01T09:15:00.250Z',
    region: 'EU',
    source: { system: 'contract-test' },
    correlationId: 'corr-1',
    causationId: null,
    data: { n: 0 },
    ...overrides,
  };
}

function events(streamId: string, count: number): EventEnvelope[] {
  return Array.from({ length: count }, (_, n) => testEvent(streamId, { data: { n } }));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function strip(e: RecordedEvent): EventEnvelope {
  const { revision: _revision, position: _position, ...envelope } = e;
  return envelope;
}

async function waitFor(probe: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The behaviour every EventStore adapter must have. Call it from an adapter's int test with a
 * factory that returns a fresh store (and how to dispose of it).
 */
export function eventStoreContract(name: string, factory: () => Promise<ContractSubject>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject.cleanup();
    });

    describe('expected revision', () => {
      it('counts revisions from 0 and returns the next expected revision', async () => {
        const s = uniqueStream('rev');
        const first = await store.append(s, events(s, 1), { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0);
        expect(first.positions).toHaveLength(1);
        const next = await store.append(s, events(s, 3), { expectedRevision: 0 });
        expect(next.nextExpectedRevision).toBe(3);
        expect(next.positions).toHaveLength(3);
        const revisions = (await collect(store.readStream(s))).map((e) => e.revision);
        expect(revisions).toEqual([0, 1, 2, 3]);
      });

      it('no_stream fails once the stream exists, with the actual revision', async () => {
        const s = uniqueStream('nostream');
        await store.append(s, events(s, 2), { expectedRevision: 'no_stream' });
        const error = await rejection(
          store.append(s, events(s, 1), { expectedRevision: 'no_stream' }),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId: s, expected: 'no_stream', actual: 1 });
      });

      it('exists fails on a missing stream and passes on an existing one', async () => {
        const s = uniqueStream('exists');
        const error = await rejection(
          store.append(s, events(s, 1), { expectedRevision: 'exists' }),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId: s, expected: 'exists', actual: 'no_stream' });
        expect(await store.streamExists(s)).toBe(false);
        await store.append(s, events(s, 1));
        const ok = await store.append(s, events(s, 1), { expectedRevision: 'exists' });
        expect(ok.nextExpectedRevision).toBe(1);
      });

      it('a number must equal the last revision', async () => {
        const s = uniqueStream('exact');
        await store.append(s, events(s, 3), { expectedRevision: 'no_stream' });
        for (const wrong of [0, 1, 3, 10]) {
          const error = await rejection(store.append(s, events(s, 1), { expectedRevision: wrong }));
          expect(error).toBeInstanceOf(ConcurrencyError);
          expect(error).toMatchObject({ expected: wrong, actual: 2 });
        }
        const missing = uniqueStream('exact-missing');
        const error = await rejection(
          store.append(missing, events(missing, 1), { expectedRevision: 0 }),
        );
        expect(error).toMatchObject({ expected: 0, actual: 'no_stream' });
        const ok = await store.append(s, events(s, 1), { expectedRevision: 2 });
        expect(ok.nextExpectedRevision).toBe(3);
      });

      it('any always appends (and is the default)', async () => {
        const s = uniqueStream('any');
        await store.append(s, events(s, 1), { expectedRevision: 'any' });
        await store.append(s, events(s, 1));
        expect((await collect(store.readStream(s))).length).toBe(2);
      });

      it('a failed append writes nothing', async () => {
        const s = uniqueStream('atomic');
        await store.append(s, events(s, 1));
        await rejection(store.append(s, events(s, 5), { expectedRevision: 7 }));
        expect((await collect(store.readStream(s))).length).toBe(1);
      });
    });

    describe('idempotent append', () => {
      it('re-appending the same events returns the original result', async () => {
        const s = uniqueStream('idem');
        await store.append(s, events(s, 2));
        const batch = events(s, 3);
        const original = await store.append(s, batch, { expectedRevision: 1 });
        await store.append(s, events(s, 1));
        const again = await store.append(s, batch, { expectedRevision: 1 });
        expect(again).toEqual(original);
        const replayAny = await store.append(s, batch, { expectedRevision: 'any' });
        expect(replayAny).toEqual(original);
        expect((await collect(store.readStream(s))).length).toBe(6);
      });

      it('a partial overlap is rejected and writes nothing', async () => {
        const s = uniqueStream('overlap');
        const batch = events(s, 2);
        await store.append(s, batch);
        const [first] = batch;
        if (!first) throw new Error('unreachable');
        const error = await rejection(store.append(s, [first, testEvent(s)]));
        expect(error).toBeInstanceOf(DuplicateEventError);
        expect((await collect(store.readStream(s))).length).toBe(2);
      });

      it('an event id already used in another stream is rejected', async () => {
        const a = uniqueStream('dup-a');
        const b = uniqueStream('dup-b');
        const event = testEvent(a);
        await store.append(a, [event]);
        const error = await rejection(store.append(b, [{ ...event, streamId: b }]));
        expect(error).toBeInstanceOf(DuplicateEventError);
        expect(await store.streamExists(b)).toBe(false);
      });
    });

    describe('reading a stream', () => {
      let s: string;
      beforeAll(async () => {
        s = uniqueStream('read');
        await store.append(s, events(s, 10));
      });
      const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
        (await collect(store.readStream(s, options))).map((e) => e.revision);

      it('forwards, from a revision, with a max count', async () => {
        expect(await revisions({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(await revisions({ fromRevision: 7 })).toEqual([7, 8, 9]);
        expect(await revisions({ fromRevision: 2, maxCount: 3 })).toEqual([2, 3, 4]);
      });

      it('backwards, from a revision, with a max count', async () => {
        expect(await revisions({ direction: 'backwards', maxCount: 3 })).toEqual([9, 8, 7]);
        expect(await revisions({ direction: 'backwards', fromRevision: 2 })).toEqual([2, 1, 0]);
      });

      it('reads long streams whole, in order, in both directions', async () => {
        const long = uniqueStream('long');
        await store.append(long, events(long, 1_100));
        const forwards = (await collect(store.readStream(long))).map((e) => e.revision);
        expect(forwards).toEqual(Array.from({ length: 1_100 }, (_, i) => i));
        const backwards = await collect(
          store.readStream(long, { direction: 'backwards', maxCount: 1_050 }),
        );
        expect(backwards.map((e) => e.revision)).toEqual(
          Array.from({ length: 1_050 }, (_, i) => 1_099 - i),
        );
      });

      it('a missing stream reads empty and does not exist', async () => {
        const missing = uniqueStream('missing');
        expect(await collect(store.readStream(missing))).toEqual([]);
        expect(await store.streamExists(missing)).toBe(false);
        expect(await store.streamExists(s)).toBe(true);
      });
    });

    it('round-trips every envelope field exactly', async () => {
      const s = uniqueStream('roundtrip');
      const full = testEvent(s, {
        type: 'ClientRegistered',
        schemaVersion: 3,
        subjectId: 'subj-42',
        occurredAt: '2026-02-28T23:59:59.123456+05:30',
        recordedAt: '2026-02-28T18:30:00Z',
        region: 'JP',
        source: { system: 'pos.cegid', instance: 'store-0042', actor: 'assoc-7' },
        correlationId: 'corr-xyz',
        causationId: 'cause-abc',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        data: { name: 'Zoë 東京', amounts: [1, 2.5, -3], nested: { ok: true, none: null } },
      });
      const minimal = testEvent(s, { subjectId: null, causationId: null, data: 'plain' });
      await store.append(s, [full, minimal]);
      const read = (await collect(store.readStream(s))).map(strip);
      expect(read).toStrictEqual([full, minimal]);
    });

    describe('reading all', () => {
      it('returns events in global order and strictly after a position', async () => {
        const s1 = uniqueStream('all-a');
        const s2 = uniqueStream('all-b');
        const written = [...events(s1, 2), ...events(s2, 2), ...events(s1, 1)];
        const positions: GlobalPosition[] = [];
        for (const e of written) {
          const r = await store.append(e.streamId, [e]);
          positions.push(...r.positions);
        }
        const ids = new Set(written.map((e) => e.id));
        // readAll may trail the latest commits while an older transaction anywhere is still
        // running (PostgreSQL adapters, see ADR 0003): wait for ours, then check the order
        let all: RecordedEvent[] = [];
        const deadline = Date.now() + 20_000;
        while (all.length < written.length && Date.now() < deadline) {
          all = (await collect(store.readAll())).filter((e) => ids.has(e.id));
          if (all.length < written.length) await new Promise((r) => setTimeout(r, 20));
        }
        expect(all.map((e) => e.id)).toEqual(written.map((e) => e.id));
        expect(all.map((e) => e.position)).toEqual(positions);
        for (let i = 1; i < all.length; i++) {
          const [prev, cur] = [all[i - 1], all[i]];
          if (!prev || !cur) throw new Error('unreachable');
          expect(comparePositions(prev.position, cur.position)).toBe(-1);
        }
        const after = positions[1];
        if (!after) throw new Error('unreachable');
        const tail = (await collect(store.readAll({ after }))).filter((e) => ids.has(e.id));
        expect(tail.map((e) => e.id)).toEqual(written.slice(2).map((e) => e.id));
        const limited = await collect(store.readAll({ after, maxCount: 1 }));
        expect(limited).toHaveLength(1);
        expect(comparePositions(limited[0]?.position ?? after, after)).toBe(1);
      });
    });

    describe('subscribing to all', () => {
      it('catches up, goes live, stops, and resumes from its checkpoint with no gap or duplicate', async () => {
        const prefix = uniqueStream('sub');
        const a = `${prefix}-a`;
        const b = `${prefix}-b`;
        const other = uniqueStream('other');
        const before = [...events(a, 3), ...events(b, 2)];
        for (const e of before) await store.append(e.streamId, [e]);
        await store.append(other, events(other, 2));

        const seen: RecordedEvent[] = [];
        let live = 0;
        const first = store.subscribeToAll({
          streamPrefixes: [prefix],
          onEvent: (e) => {
            seen.push(e);
            return Promise.resolve();
          },
          onLive: () => {
            live += 1;
          },
        });
        await waitFor(() => live === 1, 'onLive');
        expect(seen.map((e) => e.id)).toEqual(before.map((e) => e.id));

        const during = events(b, 3);
        await store.append(b, during);
        await waitFor(() => seen.length === 8, 'live events');
        await first.stop();
        await first.stop();
        await first.done;
        expect(live).toBe(1);

        const checkpoint = seen.at(-1)?.position;
        if (!checkpoint) throw new Error('unreachable');
        const after = [...events(a, 2), ...events(b, 1)];
        for (const e of after) await store.append(e.streamId, [e]);
        const resumed: RecordedEvent[] = [];
        const second = store.subscribeToAll({
          after: checkpoint,
          streamPrefixes: [prefix],
          onEvent: (e) => {
            resumed.push(e);
            return Promise.resolve();
          },
        });
        await waitFor(() => resumed.length >= after.length, 'resumed events');
        await second.stop();
        expect(resumed.map((e) => e.id)).toEqual(after.map((e) => e.id));
        expect(seen.map((e) => e.id)).toEqual([...before, ...during].map((e) => e.id));
        expect([...seen, ...resumed].every((e) => e.streamId.startsWith(prefix))).toBe(true);
      });

      it('a throwing handler ends the subscription with its error', async () => {
        const s = uniqueStream('sub-fail');
        await store.append(s, events(s, 1));
        const boom = new Error('handler failed');
        const sub = store.subscribeToAll({
          streamPrefixes: [s],
          onEvent: () => Promise.reject(boom),
        });
        await expect(sub.done).rejects.toBe(boom);
        await sub.stop();
      });
    });

    describe('concurrency', () => {
      it('20 concurrent appenders on one stream: one wins each revision, no event lost', async () => {
        const s = uniqueStream('race');
        const racers = Array.from({ length: 20 }, () => testEvent(s));
        const outcomes = await Promise.allSettled(
          racers.map((e) => store.append(s, [e], { expectedRevision: 'no_stream' })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const o of outcomes) {
          if (o.status === 'rejected') {
            expect(o.reason).toBeInstanceOf(ConcurrencyError);
            expect(o.reason).toMatchObject({ actual: 0 });
          }
        }

        // then every appender retries from what it reads until its event is in
        const appenders = Array.from({ length: 20 }, () => testEvent(s));
        let conflicts = 0;
        await Promise.all(
          appenders.map(async (e) => {
            for (;;) {
              const [last] = await collect(
                store.readStream(s, { direction: 'backwards', maxCount: 1 }),
              );
              try {
                await store.append(s, [e], { expectedRevision: last?.revision ?? 'no_stream' });
                return;
              } catch (error) {
                if (!(error instanceof ConcurrencyError)) throw error;
                conflicts += 1;
              }
            }
          }),
        );
        const stream = await collect(store.readStream(s));
        expect(stream.map((e) => e.revision)).toEqual(Array.from({ length: 21 }, (_, i) => i));
        const winner = stream[0]?.id;
        expect(racers.map((e) => e.id)).toContain(winner);
        expect(
          stream
            .slice(1)
            .map((e) => e.id)
            .sort(),
        ).toEqual(appenders.map((e) => e.id).sort());
        // 20 writers racing for each revision must have collided at least once
        expect(conflicts).toBeGreaterThan(0);
      });
    });
  });
}
