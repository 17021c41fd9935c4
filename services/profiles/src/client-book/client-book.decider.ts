import type { EventEnvelope, RuleRef } from '@maison/event-contracts';
import { ConflictError, NotFoundError } from '@maison/service-kit';
import { eventOf, type CommandMeta } from '../domain/command-meta.js';
import { profileStream } from '../profile/profile.events.js';
import {
  ClientBookAssigned,
  ClientBookStoreAdded,
  ClientBookStoreRemoved,
  ClientBookUnassigned,
  type BookRole,
  type ClientBookAssignedData,
  type ClientBookUnassignedData,
} from './client-book.events.js';
import {
  associatesOf,
  evolveClientBook,
  initialClientBookState,
  type ClientBookState,
} from './client-book.state.js';

/** How POS sales assign a client automatically (configured, versioned). */
export type AutoAssignmentMode = 'off' | 'first-identified-sale' | 'highest-12m-spend';

export interface AutoAssignmentPolicy {
  readonly mode: AutoAssignmentMode;
  readonly version: string;
  /** Spend is compared in this currency (the reporting amount, or totals already in it). */
  readonly reportingCurrency: string;
  readonly windowDays: number;
}

export const AUTO_POLICY_PREFIX = 'client-book.auto.';
export const REASSIGNMENT_POLICY: RuleRef = { id: 'client-book.reassignment', version: '1' };
export const MERGE_POLICY: RuleRef = { id: 'client-book.merge', version: '1' };

interface CommandBase {
  readonly clientId: string;
  readonly meta: CommandMeta;
}

/** An associate or a manager puts the client in a book. */
export interface AssignClient extends CommandBase {
  readonly type: 'AssignClient';
  readonly role: BookRole;
  readonly associateId: string;
  readonly storeId: string;
  readonly reason?: string;
}

export interface UnassignClient extends CommandBase {
  readonly type: 'UnassignClient';
  readonly associateId: string;
  readonly reason: string;
}

export interface AddBookStore extends CommandBase {
  readonly type: 'AddBookStore';
  readonly storeId: string;
}

export interface RemoveBookStore extends CommandBase {
  readonly type: 'RemoveBookStore';
  readonly storeId: string;
  readonly reason: string;
}

/** One client of a bulk reassignment. Idempotent: once moved, there is nothing left to move. */
export interface ReassignClient extends CommandBase {
  readonly type: 'ReassignClient';
  readonly reassignmentId: string;
  readonly fromAssociateId: string;
  readonly toAssociateId: string;
  readonly toStoreId: string;
  readonly roles: readonly BookRole[];
  readonly requestedBy: string;
  readonly reason: string;
}

/** A POS sale by `associateId`: the configured policy may make them the primary associate. */
export interface AutoAssignClient extends CommandBase {
  readonly type: 'AutoAssignClient';
  readonly policy: AutoAssignmentPolicy;
  readonly associateId: string;
  readonly storeId: string;
  readonly reason: string;
}

export interface MergeClientBooks extends CommandBase {
  readonly type: 'MergeClientBooks';
  readonly mergeId: string;
  readonly absorbed: readonly ClientBookState[];
}

export interface RevertClientBookMerge extends CommandBase {
  readonly type: 'RevertClientBookMerge';
  readonly mergeId: string;
}

export type ClientBookCommand =
  | AssignClient
  | UnassignClient
  | AddBookStore
  | RemoveBookStore
  | ReassignClient
  | AutoAssignClient
  | MergeClientBooks
  | RevertClientBookMerge;

function stream(clientId: string) {
  return { streamId: profileStream(clientId), subjectId: clientId };
}

type AssignedExtras = Pick<ClientBookAssignedData, 'reassignmentId' | 'mergeId' | 'reason'>;

function assigned(
  command: CommandBase,
  i: number,
  role: BookRole,
  associateId: string,
  storeId: string,
  previousAssociateId: string | null,
  policy: RuleRef | null,
  extra: AssignedExtras = {},
): EventEnvelope {
  return eventOf(command.meta, i, ClientBookAssigned.type, stream(command.clientId), {
    clientId: command.clientId,
    role,
    associateId,
    storeId,
    previousAssociateId,
    assignedBy: command.meta.actor,
    policy,
    since: command.meta.now,
    ...extra,
  } satisfies ClientBookAssignedData);
}

function unassigned(
  command: CommandBase,
  i: number,
  associateId: string,
  role: BookRole,
  storeId: string,
  reason: string,
  extra: Pick<ClientBookUnassignedData, 'reassignmentId' | 'mergeId'> = {},
): EventEnvelope {
  return eventOf(command.meta, i, ClientBookUnassigned.type, stream(command.clientId), {
    clientId: command.clientId,
    associateId,
    reason: reason.slice(0, 300),
    unassignedBy: command.meta.actor,
    role,
    storeId,
    ...extra,
  } satisfies ClientBookUnassignedData);
}

export function decideClientBook(
  command: ClientBookCommand,
  state: ClientBookState,
): EventEnvelope[] {
  switch (command.type) {
    case 'AssignClient': {
      const reason = command.reason === undefined ? {} : { reason: command.reason.slice(0, 300) };
      if (command.role === 'primary') {
        const p = state.primary;
        if (p?.associateId === command.associateId && p.storeId === command.storeId) return [];
        return [
          assigned(
            command,
            0,
            'primary',
            command.associateId,
            command.storeId,
            p?.associateId ?? null,
            null,
            reason,
          ),
        ];
      }
      if (state.primary?.associateId === command.associateId)
        throw new ConflictError('This associate is already the primary associate of the client.');
      const s = state.secondaries.find((a) => a.associateId === command.associateId);
      if (s?.storeId === command.storeId) return [];
      return [
        assigned(command, 0, 'secondary', command.associateId, command.storeId, null, null, reason),
      ];
    }
    case 'UnassignClient': {
      const current = associatesOf(state).find((a) => a.associateId === command.associateId);
      if (current === undefined)
        throw new NotFoundError('This associate does not hold the client in their book.');
      const role: BookRole =
        state.primary?.associateId === command.associateId ? 'primary' : 'secondary';
      return [unassigned(command, 0, command.associateId, role, current.storeId, command.reason)];
    }
    case 'AddBookStore': {
      if (state.stores.some((s) => s.storeId === command.storeId)) return [];
      return [
        eventOf(command.meta, 0, ClientBookStoreAdded.type, stream(command.clientId), {
          clientId: command.clientId,
          storeId: command.storeId,
          addedBy: command.meta.actor,
          since: command.meta.now,
        }),
      ];
    }
    case 'RemoveBookStore': {
      if (!state.stores.some((s) => s.storeId === command.storeId))
        throw new NotFoundError('This store is not a secondary store of the client.');
      return [
        eventOf(command.meta, 0, ClientBookStoreRemoved.type, stream(command.clientId), {
          clientId: command.clientId,
          storeId: command.storeId,
          removedBy: command.meta.actor,
          reason: command.reason.slice(0, 300),
        }),
      ];
    }
    case 'ReassignClient': {
      const { fromAssociateId: from, toAssociateId: to } = command;
      if (from === to) return [];
      const extra = {
        reassignmentId: command.reassignmentId,
        reason: command.reason.slice(0, 300),
      };
      if (state.primary?.associateId === from && command.roles.includes('primary'))
        return [
          assigned(command, 0, 'primary', to, command.toStoreId, from, REASSIGNMENT_POLICY, extra),
        ];
      const secondary = state.secondaries.find((s) => s.associateId === from);
      if (secondary === undefined || !command.roles.includes('secondary')) return [];
      const out = [
        unassigned(command, 0, from, 'secondary', secondary.storeId, command.reason, {
          reassignmentId: command.reassignmentId,
        }),
      ];
      if (!associatesOf(state).some((a) => a.associateId === to))
        out.push(
          assigned(
            command,
            1,
            'secondary',
            to,
            command.toStoreId,
            from,
            REASSIGNMENT_POLICY,
            extra,
          ),
        );
      return out;
    }
    case 'AutoAssignClient': {
      const { policy } = command;
      if (policy.mode === 'off') return [];
      const p = state.primary;
      if (p?.associateId === command.associateId) return [];
      // A person's assignment is never overridden by a rule; first-identified-sale only fills a gap.
      const automatic = p?.policy?.id.startsWith(AUTO_POLICY_PREFIX) ?? false;
      if (p !== null && (policy.mode === 'first-identified-sale' || !automatic)) return [];
      return [
        assigned(
          command,
          0,
          'primary',
          command.associateId,
          command.storeId,
          p?.associateId ?? null,
          {
            id: `${AUTO_POLICY_PREFIX}${policy.mode}`,
            version: policy.version,
          },
          { reason: command.reason.slice(0, 300) },
        ),
      ];
    }
    case 'MergeClientBooks': {
      const already = [...associatesOf(state), ...state.stores].some(
        (a) => a.mergeId === command.mergeId,
      );
      if (already) return [];
      const out: EventEnvelope[] = [];
      let primary = state.primary;
      const held = new Set(associatesOf(state).map((a) => a.associateId));
      const stores = new Set(state.stores.map((s) => s.storeId));
      const extra = { mergeId: command.mergeId, reason: 'merged client' };
      for (const book of command.absorbed) {
        for (const a of associatesOf(book)) {
          if (held.has(a.associateId)) continue;
          held.add(a.associateId);
          // The survivor keeps its primary; an absorbed primary fills the role only if it is empty.
          const role: BookRole = primary === null && a === book.primary ? 'primary' : 'secondary';
          out.push(
            assigned(
              command,
              out.length,
              role,
              a.associateId,
              a.storeId,
              null,
              MERGE_POLICY,
              extra,
            ),
          );
          if (role === 'primary') primary = a;
        }
        for (const s of book.stores) {
          if (stores.has(s.storeId)) continue;
          stores.add(s.storeId);
          out.push(
            eventOf(command.meta, out.length, ClientBookStoreAdded.type, stream(command.clientId), {
              clientId: command.clientId,
              storeId: s.storeId,
              addedBy: command.meta.actor,
              since: command.meta.now,
              mergeId: command.mergeId,
            }),
          );
        }
      }
      return out;
    }
    case 'RevertClientBookMerge': {
      const out: EventEnvelope[] = [];
      for (const a of associatesOf(state)) {
        if (a.mergeId !== command.mergeId) continue;
        const role: BookRole = a === state.primary ? 'primary' : 'secondary';
        out.push(
          unassigned(command, out.length, a.associateId, role, a.storeId, 'unmerge', {
            mergeId: command.mergeId,
          }),
        );
      }
      for (const s of state.stores) {
        if (s.mergeId !== command.mergeId) continue;
        out.push(
          eventOf(command.meta, out.length, ClientBookStoreRemoved.type, stream(command.clientId), {
            clientId: command.clientId,
            storeId: s.storeId,
            removedBy: command.meta.actor,
            reason: 'unmerge',
            mergeId: command.mergeId,
          }),
        );
      }
      return out;
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const clientBookDecider = {
  initialState: initialClientBookState,
  evolve: evolveClientBook,
  decide: decideClientBook,
};
