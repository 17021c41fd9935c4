import { describe, expect, it } from '@jest/globals';
import type { IdentifierRef } from '@maison/event-contracts';
import {
  IdentifierHeldError,
  IdentifierSharedError,
  identifierDecider,
  type IdentifierCommand,
} from './identifier.decider.js';
import type { IdentifierEvent } from './identifier.events.js';

const ref: IdentifierRef = { type: 'email', scope: null, index: 'E'.repeat(43) };
const rule = { id: 'identity.link.auto', version: 'test' };

function given(...events: IdentifierEvent[]) {
  const state = events.reduce(identifierDecider.evolve, identifierDecider.initialState());
  return {
    when: (command: IdentifierCommand) => ({
      then: (...expected: IdentifierEvent[]) => {
        expect(identifierDecider.decide(command, state)).toEqual(expected);
      },
      thenRefuses: (error: new (...args: never[]) => Error) => {
        expect(() => identifierDecider.decide(command, state)).toThrow(error);
      },
    }),
  };
}

const claimed = (clientId: string): IdentifierEvent => ({
  type: 'IdentifierClaimed',
  data: { identifier: ref, clientId, rule, trigger: 't' },
});
const claim = (clientId: string): IdentifierCommand => ({
  kind: 'claim',
  ref,
  clientId,
  rule,
  trigger: 't',
});
const shared: IdentifierEvent = {
  type: 'IdentifierMarkedShared',
  data: { identifier: ref, clientIds: ['A', 'B', 'C', 'D'], threshold: 3, rule },
};

describe('the register of one identifier', () => {
  it('given nothing, when a client claims it, then it holds it', () => {
    given().when(claim('A')).then(claimed('A'));
  });

  it('given it is held, when the holder claims it again, then nothing changes', () => {
    given(claimed('A')).when(claim('A')).then();
  });

  it('given it is held, when another client claims it, then the claim is refused', () => {
    given(claimed('A')).when(claim('B')).thenRefuses(IdentifierHeldError);
  });

  it('given it is shared, when anyone claims it, then the claim is refused', () => {
    given(claimed('A'), shared).when(claim('B')).thenRefuses(IdentifierSharedError);
  });

  it('given it was released, when another client claims it, then that client holds it', () => {
    given(claimed('A'), {
      type: 'IdentifierReleased',
      data: { identifier: ref, clientId: 'A', reason: 'steward', actor: 's' },
    })
      .when(claim('B'))
      .then(claimed('B'));
  });

  it('releases only from its holder', () => {
    const release = (clientId: string): IdentifierCommand => ({
      kind: 'release',
      ref,
      clientId,
      reason: 'steward',
      actor: 's',
    });
    given(claimed('A')).when(release('B')).then();
    given(claimed('A'))
      .when(release('A'))
      .then({
        type: 'IdentifierReleased',
        data: { identifier: ref, clientId: 'A', reason: 'steward', actor: 's' },
      });
  });

  it('remembers a steward release as a veto against the client it was taken from', () => {
    const state = [
      claimed('A'),
      {
        type: 'IdentifierReleased',
        data: { identifier: ref, clientId: 'A', reason: 'steward', actor: 's' },
      } as const,
    ].reduce(identifierDecider.evolve, identifierDecider.initialState());
    expect(state.vetoed).toEqual(['A']);
    expect(state.owner).toBeNull();
  });

  it('notes each other client it is seen with once, never its holder', () => {
    const sight = (clientId: string): IdentifierCommand => ({
      kind: 'sight',
      ref,
      clientId,
      trigger: 't',
    });
    const sighted: IdentifierEvent = {
      type: 'IdentifierSighted',
      data: { identifier: ref, clientId: 'B', trigger: 't' },
    };
    given(claimed('A')).when(sight('B')).then(sighted);
    given(claimed('A'), sighted).when(sight('B')).then();
    given(claimed('A')).when(sight('A')).then();
    given(claimed('A'), shared).when(sight('C')).then();
  });

  it('is marked shared once, which ends its holding', () => {
    const mark: IdentifierCommand = {
      kind: 'mark-shared',
      ref,
      clientIds: ['A', 'B', 'C', 'D'],
      threshold: 3,
      rule,
    };
    given(claimed('A')).when(mark).then(shared);
    given(claimed('A'), shared).when(mark).then();
    const state = [claimed('A'), shared].reduce(
      identifierDecider.evolve,
      identifierDecider.initialState(),
    );
    expect(state).toMatchObject({ owner: null, shared: true });
  });
});
