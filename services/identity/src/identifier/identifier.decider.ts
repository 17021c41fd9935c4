import type { IdentifierRef, RuleRef } from '@maison/event-contracts';
import { ConflictError } from '@maison/service-kit';
import type { IdentifierEvent } from './identifier.events.js';
import {
  evolveIdentifier,
  initialIdentifierState,
  type IdentifierState,
} from './identifier.state.js';

export type IdentifierCommand =
  | {
      readonly kind: 'claim';
      readonly ref: IdentifierRef;
      readonly clientId: string;
      readonly rule: RuleRef;
      readonly trigger: string;
    }
  | {
      readonly kind: 'release';
      readonly ref: IdentifierRef;
      readonly clientId: string;
      readonly reason: 'steward' | 'shared' | 'blocklisted' | 'erasure';
      readonly actor: string;
    }
  | {
      readonly kind: 'sight';
      readonly ref: IdentifierRef;
      readonly clientId: string;
      readonly trigger: string;
    }
  | {
      readonly kind: 'mark-shared';
      readonly ref: IdentifierRef;
      readonly clientIds: readonly string[];
      readonly threshold: number;
      readonly rule: RuleRef;
    };

/** The identifier is held by another client: a claim must go through the merge rules. */
export class IdentifierHeldError extends ConflictError {
  override readonly kind = 'identifier-held';
}

/** A shared identifier links nothing. */
export class IdentifierSharedError extends ConflictError {
  override readonly kind = 'identifier-shared';
}

/**
 * Who holds an identifier. Pure: the policies decide what should happen, this decider keeps the
 * register's invariants — one holder at a time, nothing for a shared value, idempotent repeats.
 */
export function decideIdentifier(
  command: IdentifierCommand,
  state: IdentifierState,
): IdentifierEvent[] {
  // Only the ref goes into the register, whatever object the caller passed (a reference with its
  // value is an IdentifierRef too): the register holds no personal data.
  const identifier: IdentifierRef = {
    type: command.ref.type,
    scope: command.ref.scope,
    index: command.ref.index,
  };
  switch (command.kind) {
    case 'claim':
      if (state.shared)
        throw new IdentifierSharedError('This identifier is shared by several clients.');
      if (state.owner === command.clientId) return [];
      if (state.owner !== null)
        throw new IdentifierHeldError('This identifier belongs to another client.');
      return [
        {
          type: 'IdentifierClaimed',
          data: {
            identifier,
            clientId: command.clientId,
            rule: command.rule,
            trigger: command.trigger,
          },
        },
      ];
    case 'release':
      if (state.owner !== command.clientId) return [];
      return [
        {
          type: 'IdentifierReleased',
          data: {
            identifier,
            clientId: command.clientId,
            reason: command.reason,
            actor: command.actor,
          },
        },
      ];
    case 'sight':
      if (
        state.shared ||
        state.owner === command.clientId ||
        state.sightings.includes(command.clientId)
      )
        return [];
      return [
        {
          type: 'IdentifierSighted',
          data: { identifier, clientId: command.clientId, trigger: command.trigger },
        },
      ];
    case 'mark-shared':
      if (state.shared) return [];
      return [
        {
          type: 'IdentifierMarkedShared',
          data: {
            identifier,
            clientIds: [...command.clientIds],
            threshold: command.threshold,
            rule: command.rule,
          },
        },
      ];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const identifierDecider = {
  initialState: initialIdentifierState,
  evolve: evolveIdentifier,
  decide: decideIdentifier,
} as const;
