import { describe, expect, it } from '@jest/globals';
import type { IdentifierRef } from '@maison/event-contracts';
import { NotFoundError } from '@maison/service-kit';
import { ClientStateError, clientDecider, type ClientCommand } from './client.decider.js';
import type { ClientEvent } from './client.events.js';

const rule = { id: 'identity.register', version: 'test' };
const evidence = { trigger: 't', matches: [], explanation: 'test' };
const ref: IdentifierRef = { type: 'email', scope: null, index: 'E'.repeat(43) };
const at = { occurredAt: '2026-12-01T10:00:00Z', recordedAt: '2026-12-01T10:00:00Z' };
const mergeId = '6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b';

function given(...events: ClientEvent[]) {
  const state = events.reduce(
    (s, e) => clientDecider.evolve(s, { ...e, ...at }),
    clientDecider.initialState(),
  );
  return {
    state,
    when: (command: ClientCommand) => ({
      then: (...expected: ClientEvent['type'][]) => {
        expect(clientDecider.decide(command, state).map((e) => e.type)).toEqual(expected);
      },
      thenRefuses: (error: new (...args: never[]) => Error) => {
        expect(() => clientDecider.decide(command, state)).toThrow(error);
      },
    }),
  };
}

const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: { clientId: 'A', homeRegion: 'EU', rule, evidence },
};
const linked: ClientEvent = {
  type: 'IdentifierLinked',
  data: { clientId: 'A', identifier: { ...ref, value: 'v', masked: 'm' }, rule, evidence },
};
const link: ClientCommand = {
  kind: 'link',
  clientId: 'A',
  identifier: { ...ref, value: 'v', masked: 'm' },
  rule,
  evidence,
};
const absorbed: ClientEvent = {
  type: 'ClientAbsorbed',
  data: { clientId: 'A', survivorId: 'B', mergeId, rule: null, actor: 's' },
};

describe('a client', () => {
  it('is registered once', () => {
    const register: ClientCommand = {
      kind: 'register',
      clientId: 'A',
      homeRegion: 'EU',
      rule,
      evidence,
    };
    given().when(register).then('ClientRegistered');
    given(registered).when(register).thenRefuses(ClientStateError);
  });

  it('links an identifier once, and only when registered', () => {
    given().when(link).thenRefuses(NotFoundError);
    given(registered).when(link).then('IdentifierLinked');
    given(registered, linked).when(link).then();
  });

  it('unlinks only what it holds, and keeps it among the identifiers it ever had', () => {
    const unlink: ClientCommand = {
      kind: 'unlink',
      clientId: 'A',
      ref,
      reason: 'steward',
      rule: null,
      actor: 's',
    };
    given(registered).when(unlink).then();
    const after = given(registered, linked, {
      type: 'IdentifierUnlinked',
      data: { clientId: 'A', identifier: ref, reason: 'steward', rule: null, actor: 's' },
    });
    expect(after.state.held.size).toBe(0);
    expect([...after.state.ever.keys()]).toEqual([ref.index]);
    given(registered, linked).when(unlink).then('IdentifierUnlinked');
  });

  it('is merged into one client at a time', () => {
    const absorb: ClientCommand = {
      kind: 'absorb',
      clientId: 'A',
      survivorId: 'C',
      mergeId,
      rule: null,
      actor: 's',
    };
    given(registered).when(absorb).then('ClientAbsorbed');
    given(registered, absorbed).when(absorb).thenRefuses(ClientStateError);
  });

  it('undoes only a merge in force, and remembers the separation as a veto', () => {
    const merged: ClientEvent = {
      type: 'ClientsMerged',
      data: {
        survivorId: 'A',
        mergedIds: ['B'],
        movedIdentifiers: [],
        mergeId,
        rule: null,
        evidence,
        actor: 's',
      },
    };
    const unmerge: ClientCommand = {
      kind: 'record-unmerge',
      survivorId: 'A',
      restoredClientId: 'B',
      mergeId,
      restoredIdentifiers: [],
      reason: 'two people',
      actor: 's',
    };
    given(registered).when(unmerge).thenRefuses(ClientStateError);
    given(registered, merged).when(unmerge).then('ClientUnmerged');
    const after = given(registered, merged, {
      type: 'ClientUnmerged',
      data: {
        survivorId: 'A',
        restoredClientId: 'B',
        mergeId,
        restoredIdentifiers: [],
        reason: 'x',
        actor: 's',
      },
    });
    expect(after.state.children.size).toBe(0);
    expect([...after.state.vetoes]).toEqual(['B']);
    after.when(unmerge).thenRefuses(ClientStateError);
  });

  it('is restored only from the merge that took it', () => {
    const restore = (m: string): ClientCommand => ({
      kind: 'restore',
      clientId: 'A',
      survivorId: 'B',
      mergeId: m,
      actor: 's',
    });
    given(registered, absorbed).when(restore(mergeId)).then('ClientRestored');
    given(registered, absorbed)
      .when(restore('00000000-0000-4000-8000-000000000000'))
      .thenRefuses(ClientStateError);
  });

  it('records a rejected merge with another client once per reason', () => {
    const reject = (reason: 'cardinality' | 'steward-veto'): ClientCommand => ({
      kind: 'reject-merge',
      clientId: 'A',
      others: ['B'],
      reason,
      rule,
      evidence,
    });
    const rejected: ClientEvent = {
      type: 'MergeRejected',
      data: { clientIds: ['A', 'B'], reason: 'cardinality', rule, evidence },
    };
    given(registered).when(reject('cardinality')).then('MergeRejected');
    given(registered, rejected).when(reject('cardinality')).then();
    given(registered, rejected).when(reject('steward-veto')).then('MergeRejected');
  });

  it('once forgotten, links nothing and is forgotten once', () => {
    const forgotten: ClientEvent = {
      type: 'ClientForgotten',
      data: { clientId: 'A', requestId: mergeId },
    };
    given(registered, forgotten).when(link).thenRefuses(ClientStateError);
    given(registered, forgotten).when({ kind: 'forget', clientId: 'A', requestId: mergeId }).then();
  });
});
