import { describe, expect, it } from '@jest/globals';
import { ConflictError, NotFoundError } from '@maison/service-kit';
import fc from 'fast-check';
import type { EventEnvelope } from '@maison/event-contracts';
import { given, testMeta } from '../domain/testing.js';
import {
  clientBookDecider,
  type AutoAssignmentPolicy,
  type ClientBookCommand,
} from './client-book.decider.js';
import { associatesOf, type ClientBookState } from './client-book.state.js';

const C = 'client-1';
let n = 0;
const meta = (actor = 'manager-1') =>
  testMeta('2026-04-01T10:00:00+02:00', `book-${String(++n)}`, actor);
const assign = (
  associateId: string,
  role: 'primary' | 'secondary' = 'primary',
  storeId = 'PAR-01',
): ClientBookCommand => ({
  type: 'AssignClient',
  clientId: C,
  meta: meta(),
  role,
  associateId,
  storeId,
});
const auto = (mode: AutoAssignmentPolicy['mode'], associateId: string): ClientBookCommand => ({
  type: 'AutoAssignClient',
  clientId: C,
  meta: meta('system'),
  policy: { mode, version: '2026-03', reportingCurrency: 'EUR', windowDays: 365 },
  associateId,
  storeId: 'PAR-01',
  reason: 'POS sale',
});

function run(
  commands: ClientBookCommand[],
  history: EventEnvelope[] = [],
): { events: EventEnvelope[]; state: ClientBookState } {
  const events = [...history];
  for (const c of commands) events.push(...given(clientBookDecider, events).when(c).events);
  return { events, state: given(clientBookDecider, events).state };
}

describe('client book decider', () => {
  it('assigns a primary and secondaries, and records who and since when', () => {
    const { events, state } = run([assign('a-1'), assign('a-2', 'secondary', 'LON-01')]);
    expect(events[0]).toMatchObject({
      type: 'ClientBookAssigned',
      data: {
        role: 'primary',
        associateId: 'a-1',
        previousAssociateId: null,
        assignedBy: 'manager-1',
        policy: null,
        since: '2026-04-01T10:00:00+02:00',
      },
    });
    expect(associatesOf(state).map((a) => [a.associateId, a.storeId])).toEqual([
      ['a-1', 'PAR-01'],
      ['a-2', 'LON-01'],
    ]);
    expect(given(clientBookDecider, events).when(assign('a-1')).events).toEqual([]);
    expect(() => given(clientBookDecider, events).when(assign('a-1', 'secondary'))).toThrow(
      ConflictError,
    );
  });

  it('unassigns only who is in the book', () => {
    const { events } = run([assign('a-1')]);
    const cmd = (associateId: string): ClientBookCommand => ({
      type: 'UnassignClient',
      clientId: C,
      meta: meta(),
      associateId,
      reason: 'moved',
    });
    expect(given(clientBookDecider, events).when(cmd('a-1')).state.primary).toBeNull();
    expect(() => given(clientBookDecider, events).when(cmd('a-9'))).toThrow(NotFoundError);
  });

  it('first identified sale: the first associate becomes primary, later sales change nothing', () => {
    const { events, state } = run([
      auto('first-identified-sale', 'a-1'),
      auto('first-identified-sale', 'a-2'),
    ]);
    expect(events).toHaveLength(1);
    expect(state.primary).toMatchObject({
      associateId: 'a-1',
      policy: { id: 'client-book.auto.first-identified-sale', version: '2026-03' },
    });
  });

  it('highest spend: a new leader replaces an automatic primary, never a manual one', () => {
    const automatic = run([auto('highest-12m-spend', 'a-1'), auto('highest-12m-spend', 'a-2')]);
    expect(automatic.state.primary?.associateId).toBe('a-2');
    expect(automatic.events.at(-1)?.data).toMatchObject({ previousAssociateId: 'a-1' });
    const manual = run([assign('a-1'), auto('highest-12m-spend', 'a-2')]);
    expect(manual.state.primary?.associateId).toBe('a-1');
    expect(run([auto('off', 'a-1')]).events).toEqual([]);
  });

  it('reassigns a departing associate once, primary and secondary roles', () => {
    const reassign: ClientBookCommand = {
      type: 'ReassignClient',
      clientId: C,
      meta: meta(),
      reassignmentId: '9d3c2b1a-0f4e-4d5c-8b7a-6e5f4d3c2b1a',
      fromAssociateId: 'a-1',
      toAssociateId: 'a-3',
      toStoreId: 'PAR-01',
      roles: ['primary', 'secondary'],
      requestedBy: 'manager-1',
      reason: 'a-1 left the house',
    };
    const { events } = run([assign('a-1')]);
    const moved = given(clientBookDecider, events).when(reassign);
    expect(moved.events[0]?.data).toMatchObject({
      role: 'primary',
      associateId: 'a-3',
      previousAssociateId: 'a-1',
      reassignmentId: reassign.reassignmentId,
      policy: { id: 'client-book.reassignment' },
    });
    expect(given(clientBookDecider, [...events, ...moved.events]).when(reassign).events).toEqual(
      [],
    );
    const secondary = run([assign('a-2'), assign('a-1', 'secondary'), reassign]);
    expect(associatesOf(secondary.state).map((a) => a.associateId)).toEqual(['a-2', 'a-3']);
  });

  it('property: merge then unmerge of books restores the survivor exactly', () => {
    const book = fc.record({
      primary: fc.option(fc.constantFrom('a-1', 'a-2', 'a-3'), { nil: undefined }),
      secondaries: fc.uniqueArray(fc.constantFrom('a-1', 'a-2', 'a-3', 'a-4'), { maxLength: 3 }),
      stores: fc.uniqueArray(fc.constantFrom('PAR-01', 'LON-01', 'DXB-01'), { maxLength: 2 }),
    });
    const build = (
      b: { primary: string | undefined; secondaries: string[]; stores: string[] },
      clientId: string,
    ) => {
      const cmds: ClientBookCommand[] = [];
      if (b.primary)
        cmds.push({
          ...(assign(b.primary) as Extract<ClientBookCommand, { type: 'AssignClient' }>),
          clientId,
        });
      for (const s of b.secondaries)
        if (s !== b.primary)
          cmds.push({
            ...(assign(s, 'secondary') as Extract<ClientBookCommand, { type: 'AssignClient' }>),
            clientId,
          });
      for (const s of b.stores)
        cmds.push({ type: 'AddBookStore', clientId, meta: meta(), storeId: s });
      const events: EventEnvelope[] = [];
      for (const c of cmds) events.push(...given(clientBookDecider, events).when(c).events);
      return events;
    };
    fc.assert(
      fc.property(book, book, (mine, theirs) => {
        const history = build(mine, C);
        const absorbed = given(clientBookDecider, build(theirs, 'client-2')).state;
        const before = given(clientBookDecider, history).state;
        const mergeId = '1e2d3c4b-5a69-4788-9abc-def012345678';
        const merged = given(clientBookDecider, history).when({
          type: 'MergeClientBooks',
          clientId: C,
          meta: meta('steward'),
          mergeId,
          absorbed: [absorbed],
        });
        const held = new Set(associatesOf(merged.state).map((a) => a.associateId));
        for (const a of associatesOf(absorbed)) expect(held.has(a.associateId)).toBe(true);
        const reverted = given(clientBookDecider, [...history, ...merged.events]).when({
          type: 'RevertClientBookMerge',
          clientId: C,
          meta: meta('steward'),
          mergeId,
        });
        const shape = (s: ClientBookState) => ({
          primary: s.primary?.associateId ?? null,
          secondaries: s.secondaries.map((a) => a.associateId).sort(),
          stores: s.stores.map((x) => x.storeId).sort(),
        });
        expect(shape(reverted.state)).toEqual(shape(before));
      }),
    );
  });
});
