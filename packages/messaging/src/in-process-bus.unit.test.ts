import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { HEADERS, dlqTopicName, TOPICS } from '@maison/event-contracts';
import pg from 'pg';
import { IdempotentConsumer, InProcessBus, type IncomingMessage } from './index.js';

const until = async (probe: () => boolean): Promise<void> => {
  while (!probe()) await new Promise((r) => setTimeout(r, 1));
};

describe('InProcessBus', () => {
  it('reports the lag of running groups until they have handled everything', async () => {
    const bus = new InProcessBus({ defaultPartitions: 3 });
    const producer = await bus.createProducer();
    await producer.send(
      'lagged',
      [1, 2, 3, 4, 5].map((n) => ({ key: `k${String(n)}`, value: String(n) })),
    );
    expect(bus.lag()).toBe(0); // no group has started: nobody is behind
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let handled = 0;
    const consumer = bus.createConsumer({ groupId: 'slow' });
    await consumer.run({
      topics: ['lagged'],
      fromBeginning: true,
      eachMessage: async () => {
        await gate;
        handled++;
      },
    });
    await until(() => bus.lag() > 0);
    release();
    await until(() => handled === 5 && bus.lag() === 0);
    await consumer.stop();
    expect(bus.lag()).toBe(0);
  });

  it('keeps the order of each key across partitions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.nat(1000)), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 6 }),
        async (sends, partitions) => {
          const bus = new InProcessBus({ defaultPartitions: partitions });
          const producer = await bus.createProducer();
          for (const [key, n] of sends) await producer.send('t', [{ key, value: String(n) }]);
          const seen: [string, string][] = [];
          const consumer = bus.createConsumer({ groupId: 'g' });
          await consumer.run({
            topics: ['t'],
            eachMessage: (m) => {
              seen.push([m.key?.toString() ?? '', m.value?.toString() ?? '']);
              return Promise.resolve();
            },
          });
          await until(() => seen.length === sends.length);
          await consumer.stop();
          for (const key of ['a', 'b', 'c', 'd', 'e']) {
            expect(seen.filter(([k]) => k === key).map(([, v]) => v)).toEqual(
              sends.filter(([k]) => k === key).map(([, n]) => String(n)),
            );
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('resumes a group from its committed offset; other groups read everything', async () => {
    const bus = new InProcessBus({ defaultPartitions: 2 });
    const producer = await bus.createProducer();
    await producer.send(
      't',
      [1, 2, 3].map((n) => ({ key: `k${String(n)}`, value: String(n) })),
    );
    const read = async (groupId: string, expected: number): Promise<string[]> => {
      const got: string[] = [];
      const c = bus.createConsumer({ groupId });
      await c.run({
        topics: ['t'],
        eachMessage: (m) => {
          got.push(m.value?.toString() ?? '');
          return Promise.resolve();
        },
      });
      await until(() => got.length >= expected);
      await c.stop();
      return got.sort();
    };
    expect(await read('g1', 3)).toEqual(['1', '2', '3']);
    await producer.send('t', [{ key: 'k4', value: '4' }]);
    expect(await read('g1', 1)).toEqual(['4']);
    expect(await read('g2', 4)).toEqual(['1', '2', '3', '4']);
  });

  it('redelivers the message a member was handling when it went away uncommitted', async () => {
    const bus = new InProcessBus();
    const producer = await bus.createProducer();
    await producer.send('t', [
      { key: 'k', value: 'first' },
      { key: 'k', value: 'second' },
    ]);
    const first = bus.createConsumer({ groupId: 'g' });
    let release: () => void = () => undefined;
    let inHand: string | undefined;
    await first.run({
      topics: ['t'],
      eachMessage: async (m) => {
        inHand = m.value?.toString();
        if (inHand === 'second') await new Promise<void>((r) => (release = r));
      },
    });
    await until(() => inHand === 'second');
    first.abandon();
    release();

    const seen: string[] = [];
    const next = bus.createConsumer({ groupId: 'g' });
    await next.run({
      topics: ['t'],
      eachMessage: (m) => {
        seen.push(m.value?.toString() ?? '');
        return Promise.resolve();
      },
    });
    await until(() => seen.length === 1);
    await next.stop();
    expect(seen).toEqual(['second']);
  });

  it('splits partitions between the members of a group', async () => {
    const bus = new InProcessBus({ defaultPartitions: 4 });
    const producer = await bus.createProducer();
    const keys = Array.from({ length: 40 }, (_, i) => `client-${String(i)}`);
    const byMember = [new Set<number>(), new Set<number>()];
    const members = byMember.map((partitions) => {
      const c = bus.createConsumer({ groupId: 'g' });
      return { c, partitions };
    });
    let total = 0;
    for (const { c, partitions } of members) {
      await c.run({
        topics: ['t'],
        eachMessage: (m) => {
          partitions.add(m.partition);
          total++;
          return Promise.resolve();
        },
      });
    }
    await producer.send(
      't',
      keys.map((key) => ({ key, value: key })),
    );
    await until(() => total === keys.length);
    for (const { c } of members) await c.stop();
    expect(total).toBe(40);
    expect([...byMember[0]!].filter((p) => byMember[1]!.has(p))).toEqual([]);
  });

  it('creates registry topics with their settings and dead-letter topics, idempotently', async () => {
    const admin = await new InProcessBus().createAdmin();
    const created = await admin.ensureTopics([TOPICS.consentEvents]);
    expect(created).toEqual(['consent.events.v1', 'consent.events.v1.dlq']);
    expect(await admin.ensureTopics([TOPICS.consentEvents])).toEqual([]);
    expect(await admin.describeTopic('consent.events.v1')).toEqual({
      name: 'consent.events.v1',
      partitions: 12,
      retentionMs: -1,
      cleanupPolicy: 'delete',
    });
    expect((await admin.describeTopic('consent.events.v1.dlq'))?.retentionMs).toBe(
      30 * 24 * 3600 * 1000,
    );
  });

  it('tells the end offset of each partition, and nothing for an unknown topic', async () => {
    const bus = new InProcessBus();
    const admin = await bus.createAdmin();
    await admin.ensureTopics([{ ...TOPICS.consentEvents, partitions: 2 }], {
      withDeadLetters: false,
    });
    const producer = await bus.createProducer();
    await producer.send(
      'consent.events.v1',
      Array.from({ length: 7 }, (_, i) => ({ key: `k-${String(i)}`, value: 'x' })),
    );
    const ends = (await admin.endOffsets?.('consent.events.v1')) ?? [];
    expect(ends.map((e) => e.partition)).toEqual([0, 1]);
    expect(ends.reduce((n, e) => n + Number(e.offset), 0)).toBe(7);
    expect(await admin.endOffsets?.('nothing.here')).toEqual([]);
  });
});

describe('IdempotentConsumer on the in-process bus', () => {
  it('dead-letters poison messages with a reason without touching the database', async () => {
    const bus = new InProcessBus();
    const producer = await bus.createProducer();
    // Nothing listens there: a poison message must never need the database.
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const consumer = new IdempotentConsumer({
      name: 'c',
      topics: ['in'],
      consumer: bus.createConsumer({ groupId: 'c' }),
      producer,
      database: pool,
      schema: 'unused',
      handler: () => Promise.reject(new Error('must not run')),
    });
    await producer.send('in', [
      { key: 'a', value: 'not json {', headers: { 'x-origin': 'test' } },
      { key: 'b', value: JSON.stringify({ id: 'nope' }) },
      { key: null, value: '' },
    ]);
    await consumer.start();
    const dead: IncomingMessage[] = [];
    const dlq = bus.createConsumer({ groupId: 'dlq' });
    await dlq.run({
      topics: [dlqTopicName('in')],
      eachMessage: (m) => {
        dead.push(m);
        return Promise.resolve();
      },
    });
    await until(() => dead.length === 3);
    await consumer.stop();
    await dlq.stop();
    await pool.end();
    expect(dead.map((m) => m.headers[HEADERS.dlqReason])).toEqual([
      'invalid-json',
      'invalid-envelope',
      'empty-message',
    ]);
    expect(dead[0]?.value?.toString()).toBe('not json {');
    expect(dead[0]?.headers).toMatchObject({
      'x-origin': 'test',
      [HEADERS.dlqError]: 'SyntaxError',
      [HEADERS.dlqSourceTopic]: 'in',
      [HEADERS.dlqSourcePartition]: '0',
      [HEADERS.dlqSourceOffset]: '0',
    });
    expect(dead[1]?.headers[HEADERS.dlqError]).toContain('type:');
  });
});
