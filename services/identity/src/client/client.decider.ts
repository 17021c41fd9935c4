import type { IdentifierRef, RuleRef } from '@maison/event-contracts';
import { ConflictError, NotFoundError } from '@maison/service-kit';
import type { ClientEvent, Evidence, MergeRejectedReason, UnlinkReason } from './client.events.js';
import {
  evolveClient,
  initialClientState,
  rejectionKey,
  type ClientState,
} from './client.state.js';

/** An identifier as a link records it: the ref plus its value and display mask (both encrypted). */
export interface LinkedIdentifier extends IdentifierRef {
  readonly value: string;
  readonly masked: string;
}

export type ClientCommand =
  | {
      readonly kind: 'register';
      readonly clientId: string;
      readonly homeRegion: string | null;
      readonly rule: RuleRef;
      readonly evidence: Evidence;
    }
  | {
      readonly kind: 'link';
      readonly clientId: string;
      readonly identifier: LinkedIdentifier;
      readonly rule: RuleRef;
      readonly evidence: Evidence;
    }
  | {
      readonly kind: 'unlink';
      readonly clientId: string;
      readonly ref: IdentifierRef;
      readonly reason: UnlinkReason;
      readonly rule: RuleRef | null;
      readonly actor: string;
    }
  | {
      readonly kind: 'absorb';
      readonly clientId: string;
      readonly survivorId: string;
      readonly mergeId: string;
      readonly rule: RuleRef | null;
      readonly actor: string;
    }
  | {
      readonly kind: 'record-merge';
      readonly survivorId: string;
      readonly mergedId: string;
      readonly movedIdentifiers: readonly IdentifierRef[];
      readonly mergeId: string;
      readonly rule: RuleRef | null;
      readonly evidence: Evidence;
      readonly actor: string;
    }
  | {
      readonly kind: 'record-unmerge';
      readonly survivorId: string;
      readonly restoredClientId: string;
      readonly mergeId: string;
      readonly restoredIdentifiers: readonly IdentifierRef[];
      readonly reason: string;
      readonly actor: string;
    }
  | {
      readonly kind: 'restore';
      readonly clientId: string;
      readonly survivorId: string;
      readonly mergeId: string;
      readonly actor: string;
    }
  | {
      readonly kind: 'reject-merge';
      readonly clientId: string;
      readonly others: readonly string[];
      readonly reason: MergeRejectedReason;
      readonly rule: RuleRef;
      readonly evidence: Evidence;
    }
  | { readonly kind: 'forget'; readonly clientId: string; readonly requestId: string }
  | {
      readonly kind: 'report-purge';
      readonly clientId: string;
      readonly requestId: string;
      readonly purged: Readonly<Record<string, number>>;
      readonly suppressed: readonly IdentifierRef[];
      readonly completedAt: string;
    };

/** Refused because of the client's own state: merged away, erased, not registered… */
export class ClientStateError extends ConflictError {
  override readonly kind = 'client-state';
}

function requireLive(state: ClientState, what: string): void {
  if (state.registered === null) throw new NotFoundError(`No such client (${what}).`);
  if (state.erased) throw new ClientStateError(`The client was erased (${what}).`);
}

const ref = (r: IdentifierRef): IdentifierRef => ({ type: r.type, scope: r.scope, index: r.index });

/** One client's decisions. Pure: the policies say what to do; this keeps the client consistent. */
export function decideClient(command: ClientCommand, state: ClientState): ClientEvent[] {
  switch (command.kind) {
    case 'register':
      if (state.registered !== null)
        throw new ClientStateError('The client is already registered.');
      return [
        {
          type: 'ClientRegistered',
          data: {
            clientId: command.clientId,
            homeRegion: command.homeRegion,
            rule: command.rule,
            evidence: command.evidence,
          },
        },
      ];
    case 'link':
      requireLive(state, 'link');
      if (state.held.has(command.identifier.index)) return [];
      return [
        {
          type: 'IdentifierLinked',
          data: {
            clientId: command.clientId,
            identifier: { ...command.identifier },
            rule: command.rule,
            evidence: command.evidence,
          },
        },
      ];
    case 'unlink':
      if (!state.held.has(command.ref.index)) return [];
      return [
        {
          type: 'IdentifierUnlinked',
          data: {
            clientId: command.clientId,
            identifier: ref(command.ref),
            reason: command.reason,
            rule: command.rule,
            actor: command.actor,
          },
        },
      ];
    case 'absorb':
      requireLive(state, 'merge');
      if (state.mergedInto !== null)
        throw new ClientStateError('The client is already merged into another.');
      return [
        {
          type: 'ClientAbsorbed',
          data: {
            clientId: command.clientId,
            survivorId: command.survivorId,
            mergeId: command.mergeId,
            rule: command.rule,
            actor: command.actor,
          },
        },
      ];
    case 'record-merge':
      requireLive(state, 'merge');
      if (state.merges.has(command.mergeId)) return [];
      return [
        {
          type: 'ClientsMerged',
          data: {
            survivorId: command.survivorId,
            mergedIds: [command.mergedId],
            movedIdentifiers: command.movedIdentifiers.map(ref),
            mergeId: command.mergeId,
            rule: command.rule,
            evidence: command.evidence,
            actor: command.actor,
          },
        },
      ];
    case 'record-unmerge':
      if (state.children.get(command.mergeId) !== command.restoredClientId)
        throw new ClientStateError('That merge is not in force on this client.');
      return [
        {
          type: 'ClientUnmerged',
          data: {
            survivorId: command.survivorId,
            restoredClientId: command.restoredClientId,
            mergeId: command.mergeId,
            restoredIdentifiers: command.restoredIdentifiers.map(ref),
            reason: command.reason,
            actor: command.actor,
          },
        },
      ];
    case 'restore':
      if (state.mergedInto?.mergeId !== command.mergeId)
        throw new ClientStateError('The client is not merged by that merge.');
      return [
        {
          type: 'ClientRestored',
          data: {
            clientId: command.clientId,
            survivorId: command.survivorId,
            mergeId: command.mergeId,
            actor: command.actor,
          },
        },
      ];
    case 'reject-merge': {
      const fresh = command.others.filter(
        (o) => !state.rejections.has(rejectionKey(o, command.reason)),
      );
      if (fresh.length === 0) return [];
      return [
        {
          type: 'MergeRejected',
          data: {
            clientIds: [command.clientId, ...command.others],
            reason: command.reason,
            rule: command.rule,
            evidence: command.evidence,
          },
        },
      ];
    }
    case 'forget':
      if (state.erased) return [];
      return [
        {
          type: 'ClientForgotten',
          data: { clientId: command.clientId, requestId: command.requestId },
        },
      ];
    case 'report-purge':
      return [
        {
          type: 'ClientDataPurged',
          data: {
            requestId: command.requestId,
            clientId: command.clientId,
            service: 'identity',
            purged: { ...command.purged },
            suppressed: command.suppressed.map(ref),
            completedAt: command.completedAt,
          },
        },
      ];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const clientDecider = {
  initialState: initialClientState,
  evolve: evolveClient,
  decide: decideClient,
} as const;
