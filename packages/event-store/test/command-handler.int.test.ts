import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { EventEnvelope } from '@maison/event-contracts';
import { isolatedPostgres, uniqueName, type IsolatedPostgres } from '@maison/testing';
import {
  ConcurrencyError,
  createPostgresEventStore,
  handleCommand,
  type Decider,
  type EventStore,
} from '../src/index.js';
import { testEvent } from '../src/testing/contract.js';

// A tiny counter with a ceiling: enough to show state is re-folded after a conflict.
interface Counter {
  readonly value: number;
}
interface Add {
  readonly amount: number;
  readonly max: number;
}
class LimitExceeded extends Error {
  override readonly name = 'LimitExceeded';
}

function counter(streamId: string, calls: { decide: number }): Decider<Counter, Add> {
  return {
    initialState: () => ({ value: 0 }),
    evolve: (state, event) => ({ value: state.value + (event.data as { amount: number }).amount }),
    decide: (command, state) => {
      calls.decide += 1;
      if (state.value + command.amount > command.max)
        throw new LimitExceeded(`${String(state.value)} + ${String(command.amount)}`);
      return [testEvent(streamId, { type: 'Added', data: { amount: command.amount } })];
    },
  };
}

/**
 * The real store, with another writer slipping an event in just before each of the first
 * `interleave` appends: the interleaving a race would produce, made deterministic.
 */
function withCompetitor(store: EventStore, interleave: number): EventStore {
  let remaining = interleave;
  return {
    readStream: (s, o) => store.readStream(s, o),
    readAll: (o) => store.readAll(o),
    subscribeToAll: (o) => store.subscribeToAll(o),
    streamExists: (s) => store.streamExists(s),
    close: () => store.close(),
    append: async (streamId, events, options) => {
      if (remaining > 0) {
        remaining -= 1;
        const competing: EventEnvelope = testEvent(streamId, {
          type: 'Added',
          data: { amount: 1 },
        });
        await store.append(streamId, [competing]);
      }
      return store.append(streamId, events, options);
    },
  };
}

describe('handleCommand on the PostgreSQL store', () => {
  let db: IsolatedPostgres;
  let store: EventStore;
  beforeAll(async () => {
    db = await isolatedPostgres('es_cmd');
    store = await createPostgresEventStore({ connection: db.pool, schema: db.schema });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('creates the stream, then appends at the revision it read', async () => {
    const s = uniqueName('counter');
    const calls = { decide: 0 };
    const first = await handleCommand(store, s, counter(s, calls), { amount: 2, max: 10 });
    expect(first).toMatchObject({ state: { value: 2 }, nextExpectedRevision: 0 });
    const second = await handleCommand(store, s, counter(s, calls), { amount: 3, max: 10 });
    expect(second).toMatchObject({ state: { value: 5 }, nextExpectedRevision: 1 });
    expect(calls.decide).toBe(2);
  });

  it('on a concurrent write, re-reads and re-decides on the new state', async () => {
    const s = uniqueName('counter');
    const calls = { decide: 0 };
    const result = await handleCommand(withCompetitor(store, 1), s, counter(s, calls), {
      amount: 5,
      max: 10,
    });
    expect(calls.decide).toBe(2);
    expect(result).toMatchObject({ state: { value: 6 }, nextExpectedRevision: 1 });
    const amounts: unknown[] = [];
    for await (const e of store.readStream(s)) amounts.push(e.data);
    expect(amounts).toEqual([{ amount: 1 }, { amount: 5 }]);
  });

  it('a re-decision can refuse what the first decision accepted', async () => {
    const s = uniqueName('counter');
    await handleCommand(store, s, counter(s, { decide: 0 }), { amount: 9, max: 10 });
    const calls = { decide: 0 };
    await expect(
      handleCommand(withCompetitor(store, 1), s, counter(s, calls), { amount: 1, max: 10 }),
    ).rejects.toBeInstanceOf(LimitExceeded);
    expect(calls.decide).toBe(2);
  });

  it('gives up with ConcurrencyError after maxRetries', async () => {
    const s = uniqueName('counter');
    const calls = { decide: 0 };
    await expect(
      handleCommand(
        withCompetitor(store, 10),
        s,
        counter(s, calls),
        { amount: 1, max: 100 },
        {
          maxRetries: 2,
        },
      ),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(calls.decide).toBe(3);
  });

  it('a domain error appends nothing', async () => {
    const s = uniqueName('counter');
    await expect(
      handleCommand(store, s, counter(s, { decide: 0 }), { amount: 11, max: 10 }),
    ).rejects.toBeInstanceOf(LimitExceeded);
    expect(await store.streamExists(s)).toBe(false);
  });
});
