import type {
  ClientDataPurged,
  ClientsMerged,
  ClientUnmerged,
  DataOf,
  EventEnvelope,
  IdentifierRef,
  IdentifierUnlinked,
} from '@maison/event-contracts';
import { fromRecorded } from '../engine/references.js';
import type { RecordResolvedData } from '../record/record.events.js';
import { ApplicationError } from '@maison/service-kit';
import type { Rules } from '../rules/rule-set.js';
import { clusterIdentifiers } from './cluster.js';
import { MemoryIdentityStore } from './memory.engine.js';
import { resolveRecord, type RecordInput } from './resolve.policy.js';
import { eraseClients, mergeClients, unlinkIdentifier, unmergeClients } from './steward.policy.js';
import { UnitOfWork, type DecisionMeta } from './unit-of-work.js';

/** What identity recorded, as commands to decide again: the records and the stewards' decisions. */
export type HistoryEntry =
  | { readonly kind: 'record'; readonly meta: DecisionMeta; readonly input: RecordInput }
  | {
      readonly kind: 'merge';
      readonly meta: DecisionMeta;
      readonly survivorId: string;
      readonly mergedId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'unmerge';
      readonly meta: DecisionMeta;
      readonly mergeId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'unlink';
      readonly meta: DecisionMeta;
      readonly clientId: string;
      readonly index: string;
    }
  | {
      readonly kind: 'erasure';
      readonly meta: DecisionMeta;
      readonly requestId: string;
      readonly clientId: string;
      readonly suppressed: readonly IdentifierRef[];
    };

/** The event types the history is made of. */
export const HISTORY_TYPES: ReadonlySet<string> = new Set([
  'RecordResolved',
  'ClientsMerged',
  'ClientUnmerged',
  'IdentifierUnlinked',
  'ClientDataPurged',
]);

/**
 * One stored event (PII decrypted) as a command to decide again: every record, and what data
 * stewards did — automatic merges and links are not history, they are what the rules re-decide.
 */
export function historyEntry(e: EventEnvelope): HistoryEntry | undefined {
  const meta = (operation: string): DecisionMeta => ({
    operation,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    region: e.region,
    actor: e.source.actor ?? 'system',
    correlationId: e.correlationId,
    causationId: e.causationId,
  });
  switch (e.type) {
    case 'RecordResolved': {
      const d = e.data as RecordResolvedData;
      const references = fromRecorded(d.customer);
      if (references === null) return undefined; // erased since
      return {
        kind: 'record',
        meta: meta(d.trigger),
        input: {
          trigger: d.trigger,
          references,
          sourceSystem: d.sourceSystem,
          storeId: d.storeId,
          region: d.region,
          occurredAt: d.occurredAt,
        },
      };
    }
    case 'ClientsMerged': {
      const d = e.data as DataOf<typeof ClientsMerged>;
      const mergedId = d.mergedIds[0];
      if (d.rule !== null || mergedId === undefined) return undefined;
      return {
        kind: 'merge',
        meta: meta(d.evidence.trigger),
        survivorId: d.survivorId,
        mergedId,
        reason: d.evidence.explanation.replace(/^Merged by a data steward: /, ''),
      };
    }
    case 'ClientUnmerged': {
      const d = e.data as DataOf<typeof ClientUnmerged>;
      return {
        kind: 'unmerge',
        meta: meta(`replay:${e.id}`),
        mergeId: d.mergeId,
        reason: d.reason,
      };
    }
    case 'IdentifierUnlinked': {
      const d = e.data as DataOf<typeof IdentifierUnlinked>;
      if (d.reason !== 'steward') return undefined;
      return {
        kind: 'unlink',
        meta: meta(`replay:${e.id}`),
        clientId: d.clientId,
        index: d.identifier.index,
      };
    }
    case 'ClientDataPurged': {
      const d = e.data as DataOf<typeof ClientDataPurged>;
      return {
        kind: 'erasure',
        meta: meta(`replay:${e.id}`),
        requestId: d.requestId,
        clientId: d.clientId,
        suppressed: d.suppressed,
      };
    }
    default:
      return undefined;
  }
}

export interface ReplayStats {
  readonly records: number;
  readonly registered: number;
  readonly merges: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly blocklisted: number;
  readonly shared: number;
  /** Steward decisions that do not apply to the replayed world (their clients differ there). */
  readonly stewardSkipped: number;
}

/** Decides the whole history again under `rules`, in memory. */
export function replay(
  history: Iterable<HistoryEntry>,
  rules: Rules,
): { store: MemoryIdentityStore; stats: ReplayStats } {
  const store = new MemoryIdentityStore();
  let records = 0;
  let registered = 0;
  let merges = 0;
  let blocklisted = 0;
  let shared = 0;
  let stewardSkipped = 0;
  const rejected: Record<string, number> = {};
  const steward = (run: () => void) => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof ApplicationError)) throw error;
      stewardSkipped += 1;
    }
  };
  for (const entry of history) {
    switch (entry.kind) {
      case 'record': {
        const { result } = store.run(entry.meta, (uow) => resolveRecord(uow, rules, entry.input));
        records += 1;
        if (result.registered !== null) registered += 1;
        merges += result.merges.length;
        for (const r of result.rejections) rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
        for (const n of result.references) {
          if (n.status === 'blocklisted') blocklisted += 1;
          if (n.status === 'shared') shared += 1;
        }
        break;
      }
      case 'merge':
        steward(() => {
          store.run(entry.meta, (uow) =>
            mergeClients(uow, rules, {
              survivorId: entry.survivorId,
              mergedId: entry.mergedId,
              reason: entry.reason,
            }),
          );
        });
        break;
      case 'unmerge':
        steward(() => {
          store.run(entry.meta, (uow) =>
            unmergeClients(uow, { mergeId: entry.mergeId, reason: entry.reason }),
          );
        });
        break;
      case 'unlink':
        steward(() => {
          store.run(entry.meta, (uow) =>
            unlinkIdentifier(uow, { clientId: entry.clientId, index: entry.index }),
          );
        });
        break;
      case 'erasure':
        for (const ref of entry.suppressed) store.suppress(ref.index);
        steward(() => {
          store.run(entry.meta, (uow) =>
            eraseClients(uow, rules, {
              requestId: entry.requestId,
              clientId: entry.clientId,
              aliases: [],
              completedAt: entry.meta.recordedAt,
              purged: {},
            }),
          );
        });
        break;
      default: {
        const unreachable: never = entry;
        throw new Error(String(unreachable));
      }
    }
  }
  return {
    store,
    stats: { records, registered, merges, rejected, blocklisted, shared, stewardSkipped },
  };
}

/** index → the client (survivor) holding it, for every held identifier. */
export function holdings(store: MemoryIdentityStore): Map<string, string> {
  const uow = new UnitOfWork(store, {
    operation: 'view',
    occurredAt: '1970-01-01T00:00:00Z',
    recordedAt: '1970-01-01T00:00:00Z',
    region: 'EU',
    actor: 'simulation',
    correlationId: 'simulation',
    causationId: null,
  });
  const out = new Map<string, string>();
  for (const id of store.clientIds()) {
    const state = uow.client(id);
    if (state.registered === null || state.erased || state.mergedInto !== null) continue;
    for (const held of clusterIdentifiers(uow, id)) out.set(held.ref.index, id);
  }
  return out;
}

export interface SimulationReport {
  readonly active: { readonly id: string; readonly version: string; readonly stats: ReplayStats };
  readonly candidate: {
    readonly id: string;
    readonly version: string;
    readonly stats: ReplayStats;
  };
  /** Clients of today that the candidate rules would merge into one. */
  readonly mergesAdded: readonly {
    readonly clientIds: readonly string[];
    readonly identifiers: number;
  }[];
  /** Clients of today that the candidate rules would split (or strip of identifiers). */
  readonly mergesUndone: readonly {
    readonly clientId: string;
    readonly into: number;
    readonly identifiers: number;
    readonly unlinked: number;
  }[];
  readonly clients: { readonly active: number; readonly candidate: number };
  /** Identifiers held under one rule set and by nobody under the other. */
  readonly identifiersOnlyActive: number;
  readonly identifiersOnlyCandidate: number;
}

/**
 * The dry run a steward asks for before switching rules: the recorded history decided again under
 * the active rules and under the candidate, side by side (same inputs, same ids, so the clients
 * line up), and what the candidate would change: merges it would add, merges it would undo.
 * Nothing is written anywhere.
 */
export function simulate(
  history: () => Iterable<HistoryEntry>,
  active: Rules,
  candidate: Rules,
  options: { readonly maxListed?: number } = {},
): SimulationReport {
  const a = replay(history(), active);
  const c = replay(history(), candidate);
  const before = holdings(a.store);
  const after = holdings(c.store);
  const maxListed = options.maxListed ?? 200;

  const byCandidate = new Map<string, Set<string>>();
  const byActive = new Map<string, { into: Set<string>; identifiers: number; unlinked: number }>();
  for (const [index, activeRoot] of before) {
    const candidateRoot = after.get(index);
    const entry = byActive.get(activeRoot) ?? { into: new Set(), identifiers: 0, unlinked: 0 };
    entry.identifiers += 1;
    if (candidateRoot === undefined) entry.unlinked += 1;
    else {
      entry.into.add(candidateRoot);
      const set = byCandidate.get(candidateRoot) ?? new Set();
      set.add(activeRoot);
      byCandidate.set(candidateRoot, set);
    }
    byActive.set(activeRoot, entry);
  }
  const heldBy = new Map<string, number>();
  for (const root of after.values()) heldBy.set(root, (heldBy.get(root) ?? 0) + 1);
  const mergesAdded = [...byCandidate.entries()]
    .filter(([, roots]) => roots.size > 1)
    .map(([root, roots]) => ({
      clientIds: [...roots].sort(),
      identifiers: heldBy.get(root) ?? 0,
    }))
    .sort((x, y) => x.clientIds[0]?.localeCompare(y.clientIds[0] ?? '') ?? 0);
  const mergesUndone = [...byActive.entries()]
    .filter(([, e]) => e.into.size > 1 || (e.unlinked > 0 && e.into.size > 0))
    .map(([clientId, e]) => ({
      clientId,
      into: e.into.size,
      identifiers: e.identifiers,
      unlinked: e.unlinked,
    }))
    .sort((x, y) => x.clientId.localeCompare(y.clientId));
  const roots = (m: Map<string, string>) => new Set(m.values()).size;
  return {
    active: { id: active.set.id, version: active.set.version, stats: a.stats },
    candidate: { id: candidate.set.id, version: candidate.set.version, stats: c.stats },
    mergesAdded: mergesAdded.slice(0, maxListed),
    mergesUndone: mergesUndone.slice(0, maxListed),
    clients: { active: roots(before), candidate: roots(after) },
    identifiersOnlyActive: [...before.keys()].filter((i) => !after.has(i)).length,
    identifiersOnlyCandidate: [...after.keys()].filter((i) => !before.has(i)).length,
  };
}
