import type { IdentifierRef, RuleRef } from '@maison/event-contracts';
import { ConflictError, NotFoundError } from '@maison/service-kit';
import { mergeIdFor } from '../ids.js';
import { RULE_IDS, type Rules } from '../rules/rule-set.js';
import { brokenLimit, clusterIdentifiers, homeRegionOf, membersOf, rootOf } from './cluster.js';
import type { UnitOfWork } from './unit-of-work.js';

/** A decision a data steward asked for and the rules refuse (e.g. it breaks a limit). */
export class MergeRefusedError extends ConflictError {
  override readonly kind = 'merge-refused';
}

function requireClient(uow: UnitOfWork, id: string): void {
  const state = uow.client(id);
  if (state.registered === null || state.erased)
    throw new NotFoundError(`Client ${id} does not exist.`);
}

export interface StewardMerge {
  readonly survivorId: string;
  readonly mergedId: string;
  readonly reason: string;
}

export interface StewardMergeResult {
  readonly mergeId: string;
  readonly survivorId: string;
  /** The root of the merged side (the client that now points at the survivor). */
  readonly mergedId: string;
  /** What lookups of either id resolve to now. */
  readonly clientId: string;
  readonly movedIdentifiers: readonly IdentifierRef[];
}

/**
 * A steward merges two clients: `mergedId`'s whole cluster goes under `survivorId`. Stewards
 * override vetoes and the type rules, not the residency isolation or the limits (which protect
 * every later decision): those refuse with 409.
 */
export function mergeClients(
  uow: UnitOfWork,
  rules: Rules,
  command: StewardMerge,
): StewardMergeResult {
  requireClient(uow, command.survivorId);
  requireClient(uow, command.mergedId);
  const survivorRoot = rootOf(uow, command.survivorId);
  const mergedRoot = rootOf(uow, command.mergedId);
  if (survivorRoot === mergedRoot)
    throw new ConflictError('These ids already resolve to the same client.');
  const ra = homeRegionOf(uow, survivorRoot);
  const rb = homeRegionOf(uow, mergedRoot);
  if (!rules.regionsCompatible(ra, rb))
    throw new MergeRefusedError(
      `Clients resident in ${ra ?? '?'} and ${rb ?? '?'} cannot be merged (${RULE_IDS.region}).`,
    );
  const moved = clusterIdentifiers(uow, mergedRoot).map((h) => h.ref);
  const broken = brokenLimit(rules, [
    ...clusterIdentifiers(uow, survivorRoot).map((h) => h.ref),
    ...moved,
  ]);
  if (broken !== undefined)
    throw new MergeRefusedError(
      `Merged, the client would hold more ${broken} identifiers than the rules allow (${RULE_IDS.limit(broken)}).`,
    );
  const mergeId = mergeIdFor(uow.meta.operation, mergedRoot);
  uow.onClient(mergedRoot, {
    kind: 'absorb',
    clientId: mergedRoot,
    survivorId: command.survivorId,
    mergeId,
    rule: null,
    actor: uow.meta.actor,
  });
  uow.onClient(command.survivorId, {
    kind: 'record-merge',
    survivorId: command.survivorId,
    mergedId: mergedRoot,
    movedIdentifiers: moved,
    mergeId,
    rule: null,
    evidence: {
      trigger: uow.meta.operation,
      matches: [],
      explanation: `Merged by a data steward: ${command.reason}`,
    },
    actor: uow.meta.actor,
  });
  uow.onMerge(mergeId, {
    kind: 'record',
    mergeId,
    survivorId: command.survivorId,
    mergedId: mergedRoot,
  });
  return {
    mergeId,
    survivorId: command.survivorId,
    mergedId: mergedRoot,
    clientId: survivorRoot,
    movedIdentifiers: moved,
  };
}

export interface StewardUnmerge {
  readonly mergeId: string;
  readonly reason: string;
}

export interface UnmergeResult {
  readonly mergeId: string;
  readonly survivorId: string;
  readonly restoredClientId: string;
  readonly restoredIdentifiers: readonly IdentifierRef[];
}

/**
 * Undoes one merge exactly: the merged client gets back everything attached below it — the
 * identifiers it had, those linked since through its identifiers, the clients merged into it
 * since — and the pair is vetoed for automatic merges.
 */
export function unmergeClients(uow: UnitOfWork, command: StewardUnmerge): UnmergeResult {
  const survivorId = uow.merge(command.mergeId).survivorId;
  if (survivorId === null) throw new NotFoundError(`Merge ${command.mergeId} does not exist.`);
  const survivor = uow.client(survivorId);
  const restored = survivor.children.get(command.mergeId);
  if (restored === undefined) {
    if (survivor.merges.has(command.mergeId))
      throw new ConflictError('This merge was already undone.');
    throw new NotFoundError(`Merge ${command.mergeId} does not exist.`);
  }
  const restoredIdentifiers = clusterIdentifiers(uow, restored).map((h) => h.ref);
  uow.onClient(survivorId, {
    kind: 'record-unmerge',
    survivorId,
    restoredClientId: restored,
    mergeId: command.mergeId,
    restoredIdentifiers,
    reason: command.reason,
    actor: uow.meta.actor,
  });
  uow.onClient(restored, {
    kind: 'restore',
    clientId: restored,
    survivorId,
    mergeId: command.mergeId,
    actor: uow.meta.actor,
  });
  return {
    mergeId: command.mergeId,
    survivorId,
    restoredClientId: restored,
    restoredIdentifiers,
  };
}

export interface StewardUnlink {
  readonly clientId: string;
  readonly index: string;
}

/** A steward takes an identifier away from a client; it never links back to it automatically. */
export function unlinkIdentifier(uow: UnitOfWork, command: StewardUnlink): IdentifierRef {
  requireClient(uow, command.clientId);
  const root = rootOf(uow, command.clientId);
  const register = uow.identifier(command.index);
  const holder = register.owner;
  if (holder === null || rootOf(uow, holder) !== root || register.ref === null)
    throw new NotFoundError('This identifier is not linked to this client.');
  const ref = register.ref;
  uow.onIdentifier(command.index, {
    kind: 'release',
    ref,
    clientId: holder,
    reason: 'steward',
    actor: uow.meta.actor,
  });
  uow.onClient(holder, {
    kind: 'unlink',
    clientId: holder,
    ref,
    reason: 'steward',
    rule: null,
    actor: uow.meta.actor,
  });
  return ref;
}

export interface Erasure {
  readonly requestId: string;
  readonly clientId: string;
  readonly aliases: readonly string[];
  readonly completedAt: string;
  /** What the read models and caches held of these clients (counted before purging). */
  readonly purged: Readonly<Record<string, number>>;
}

export interface ErasurePlan {
  /** Every client id covered: the requested ones and everything merged with them. */
  readonly clientIds: readonly string[];
  /** Every identifier those clients ever held: suppressed, and their `idx:` key subjects shredded. */
  readonly identifiers: readonly IdentifierRef[];
  /** False when this erasure was already reported (a redelivery). */
  readonly reported: boolean;
}

/** The clients an erasure covers: the requested ids, their aliases and their whole clusters. */
export function erasureScope(
  uow: UnitOfWork,
  command: Pick<Erasure, 'clientId' | 'aliases'>,
): {
  clientIds: string[];
  identifiers: IdentifierRef[];
} {
  const ids = new Set<string>();
  for (const id of [command.clientId, ...command.aliases]) {
    if (uow.client(id).registered === null) continue;
    for (const member of membersOf(uow, rootOf(uow, id))) ids.add(member);
  }
  const identifiers = new Map<string, IdentifierRef>();
  for (const id of ids) for (const [index, ref] of uow.client(id).ever) identifiers.set(index, ref);
  return { clientIds: [...ids].sort(), identifiers: [...identifiers.values()] };
}

/**
 * Erasure: every identifier the clients hold is released and unlinked, each client is forgotten
 * (its keys are shredded by the caller, after the commit), and the completion is reported on the
 * requested client's stream with what was suppressed.
 */
export function eraseClients(uow: UnitOfWork, rules: Rules, command: Erasure): ErasurePlan {
  const scope = erasureScope(uow, command);
  const erasureRule: RuleRef = rules.ref(RULE_IDS.erasure);
  for (const id of scope.clientIds) {
    for (const ref of [...uow.client(id).held.values()]) {
      uow.onIdentifier(ref.index, {
        kind: 'release',
        ref,
        clientId: id,
        reason: 'erasure',
        actor: uow.meta.actor,
      });
      uow.onClient(id, {
        kind: 'unlink',
        clientId: id,
        ref,
        reason: 'erasure',
        rule: erasureRule,
        actor: uow.meta.actor,
      });
    }
    uow.onClient(id, { kind: 'forget', clientId: id, requestId: command.requestId });
  }
  const requested = uow.client(command.clientId);
  const reported = requested.purgeReports.has(command.requestId);
  if (!reported)
    uow.onClient(command.clientId, {
      kind: 'report-purge',
      clientId: command.clientId,
      requestId: command.requestId,
      purged: command.purged,
      suppressed: scope.identifiers.slice(0, 1000),
      completedAt: command.completedAt,
    });
  return { clientIds: scope.clientIds, identifiers: scope.identifiers, reported: !reported };
}
