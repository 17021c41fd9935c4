import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { MessageProducer, OutgoingMessage } from '@maison/messaging';
import { coalescingProducer } from './coalescing-producer.js';

/** A producer that records its requests and acknowledges each one when told to. */
function slowProducer() {
  const requests: { topic: string; values: string[] }[] = [];
  const acks: (() => void)[] = [];
  let fail: Error | undefined;
  const producer: MessageProducer = {
    send: (topic, messages) =>
      new Promise<void>((resolve, reject) => {
        requests.push({ topic, values: messages.map((m) => String(m.value)) });
        acks.push(() => {
          const f = fail;
          fail = undefined; // once
          if (f) reject(f);
          else resolve();
        });
      }),
    close: () => Promise.resolve(),
  };
  return {
    producer,
    requests,
    ackAll: async () => {
      while (acks.length > 0) {
        acks.shift()?.();
        await new Promise((r) => setImmediate(r));
      }
    },
    failNext: (err: Error) => {
      fail = err;
    },
  };
}

const msg = (value: string): OutgoingMessage => ({ key: value, value });

describe('the coalescing producer', () => {
  it('sends what arrives during a request together in the next one, resolving each caller after its ack', async () => {
    const k = slowProducer();
    const p = coalescingProducer(k.producer);
    let done = 0;
    const first = p.send('t', [msg('a')]).then(() => done++);
    const later = [p.send('t', [msg('b')]), p.send('t', [msg('c'), msg('d')])].map((x) =>
      x.then(() => done++),
    );
    await new Promise((r) => setImmediate(r));
    expect(k.requests).toEqual([{ topic: 't', values: ['a'] }]);
    expect(done).toBe(0);
    await k.ackAll();
    await Promise.all([first, ...later]);
    expect(k.requests).toEqual([
      { topic: 't', values: ['a'] },
      { topic: 't', values: ['b', 'c', 'd'] },
    ]);
    expect(done).toBe(3);
  });

  it('keeps the order of send calls per topic and splits large requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('x', 'y'), fc.integer({ min: 1, max: 7 })), {
          maxLength: 30,
        }),
        async (calls) => {
          const k = slowProducer();
          const p = coalescingProducer(k.producer, 5);
          let n = 0;
          const expected: Record<string, string[]> = { x: [], y: [] };
          const sends = calls.map(([topic, count]) => {
            const values = Array.from({ length: count }, () => String(n++));
            expected[topic]?.push(...values);
            return p.send(topic, values.map(msg));
          });
          const acking = (async () => {
            for (let i = 0; i < 50; i++) await k.ackAll();
          })();
          await Promise.all(sends);
          await acking;
          for (const topic of ['x', 'y'] as const) {
            const got = k.requests.filter((r) => r.topic === topic);
            expect(got.flatMap((r) => r.values)).toEqual(expected[topic]);
            for (const r of got) expect(r.values.length).toBeLessThanOrEqual(5);
          }
        },
      ),
    );
  });

  it('rejects the callers of a failed request, and goes on with the next', async () => {
    const k = slowProducer();
    const p = coalescingProducer(k.producer);
    const first = p.send('t', [msg('a')]);
    k.failNext(new Error('broker down'));
    const acks = k.ackAll();
    await expect(first).rejects.toThrow('broker down');
    await acks;
    const next = p.send('t', [msg('b')]);
    await k.ackAll();
    await expect(next).resolves.toBeUndefined();
    expect(k.requests.map((r) => r.values)).toEqual([['a'], ['b']]);
  });
});
