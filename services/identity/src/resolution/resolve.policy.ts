import type { IdentifierRef, Region, RuleRef } from '@maison/event-contracts';
import type { LinkedIdentifier } from '../client/client.decider.js';
import type { Evidence, MergeRejectedReason } from '../client/client.events.js';
import { clientIdFor, mergeIdFor } from '../ids.js';
import type { ResolutionOutcome } from '../record/record.events.js';
import { RULE_IDS, type Rules } from '../rules/rule-set.js';
import {
  brokenLimit,
  clusterIdentifiers,
  homeRegionOf,
  limitSlot,
  membersOf,
  registeredBefore,
  rootOf,
  vetoed,
} from './cluster.js';
import type { UnitOfWork } from './unit-of-work.js';

/** A customer reference of a record, normalised and indexed, with its value (encrypted on write). */
export type RecordReference = LinkedIdentifier;

export interface RecordInput {
  /** `transactions:<event id>`, `profiles:<event id>`, `api:<key>`: what the decision cites. */
  readonly trigger: string;
  readonly references: readonly RecordReference[];
  readonly sourceSystem: string;
  readonly storeId: string | null;
  /** Where the record was made: the home region of a client it registers. */
  readonly region: Region;
  readonly occurredAt: string;
  /**
   * Identifiers of the record that cannot be used (a value already erased, a value that does not
   * match its index): checked against the suppression list, nothing else.
   */
  readonly unusable?: readonly IdentifierRef[];
}

export type ReferenceStatus =
  | 'linked'
  | 'held'
  | 'manual'
  | 'blocklisted'
  | 'shared'
  | 'cardinality'
  | 'vetoed'
  | 'suppressed'
  | 'elsewhere';

export interface ReferenceNote {
  readonly ref: IdentifierRef;
  readonly status: ReferenceStatus;
  /** The client (survivor) the identifier belongs to after the decision, if any. */
  readonly clientId: string | null;
  readonly rule: RuleRef | null;
}

export interface MergeDone {
  readonly mergeId: string;
  readonly survivorId: string;
  readonly mergedId: string;
}

export interface ResolutionResult {
  readonly outcome: ResolutionOutcome | 'refused';
  /** The survivor the record belongs to; null when it linked nothing or was refused. */
  readonly clientId: string | null;
  /** True when the record had been resolved before (a redelivery or a retried call). */
  readonly replayed: boolean;
  readonly registered: string | null;
  readonly merges: readonly MergeDone[];
  readonly rejections: readonly {
    readonly clientIds: readonly string[];
    readonly reason: MergeRejectedReason;
    readonly rule: RuleRef;
  }[];
  readonly references: readonly ReferenceNote[];
  readonly explanation: string;
}

interface Candidate {
  readonly ref: RecordReference;
  /** Holder when the record arrived (a member of some cluster), or null. */
  readonly owner: string | null;
  readonly vetoed: readonly string[];
}

const refOf = (r: IdentifierRef): IdentifierRef => ({
  type: r.type,
  scope: r.scope,
  index: r.index,
});

function byRank<T extends { readonly type: string }>(rules: Rules, items: readonly T[]): T[] {
  return [...items].sort((a, b) => rules.rank(a.type) - rules.rank(b.type));
}

function describe(refs: readonly { readonly type: string }[]): string {
  return refs.map((r) => r.type).join(', ') || 'none';
}

/**
 * Resolve-or-register one record. Pure over the unit of work: reads the registers and clusters,
 * decides per the rules, and leaves the events to commit in the unit of work.
 *
 * 1. A record with a suppressed identifier (an erased client's) is refused: nothing is recorded.
 * 2. Identifiers whose type does not link automatically, blocklisted values and shared values
 *    take no part (a blocklisted value still held by a client is unlinked from it).
 * 3. No identifier held by anyone → a new client holding them all (within the limits).
 * 4. Held by one client → the others are linked to the client holding the strongest of them. A
 *    new identifier that would break a limit is left out — unless it is stronger than that
 *    identifier: then the record is someone else's, a new client, and the held identifiers are
 *    noted as seen with it.
 * 5. Held by several clients → merge them when the rules allow (both identifiers of merge types,
 *    no steward veto, compatible residency, limits kept); the oldest client survives. Otherwise
 *    the merge is rejected (recorded once per pair and reason) and nothing is linked.
 * 6. An identifier held by one client and seen with more than `sharedThreshold` clients in all is
 *    shared: it is unlinked and stops matching.
 */
export function resolveRecord(uow: UnitOfWork, rules: Rules, input: RecordInput): ResolutionResult {
  const prior = uow.record(input.trigger).resolved;
  if (prior !== null) {
    const clientId = prior.clientId === null ? null : rootOf(uow, prior.clientId);
    return {
      outcome: prior.outcome,
      clientId,
      replayed: true,
      registered: null,
      merges: [],
      rejections: [],
      references: prior.customer.map((c) => ({
        ref: refOf(c),
        status: 'held',
        clientId,
        rule: null,
      })),
      explanation: 'This record was resolved before; nothing changed.',
    };
  }

  const seenIndexes = new Set<string>();
  const refs = byRank(
    rules,
    input.references.filter((r) => !seenIndexes.has(r.index) && seenIndexes.add(r.index)),
  );
  const empty = (outcome: 'unresolved' | 'refused', explanation: string): ResolutionResult => ({
    outcome,
    clientId: null,
    replayed: false,
    registered: null,
    merges: [],
    rejections: [],
    references: refs.map((r) => ({
      ref: refOf(r),
      status: uow.isSuppressed(r.index) ? 'suppressed' : 'elsewhere',
      clientId: null,
      rule: outcome === 'refused' ? rules.ref(RULE_IDS.erasure) : null,
    })),
    explanation,
  });
  if (refs.length === 0 && (input.unusable ?? []).length === 0)
    return empty('unresolved', 'The record names no customer.');
  if ([...refs, ...(input.unusable ?? [])].some((r) => uow.isSuppressed(r.index)))
    return empty(
      'refused',
      'The record carries an identifier of an erased client: it is not linked to anyone.',
    );

  if (refs.length === 0) return empty('unresolved', 'No identifier of the record can be used.');

  const rule = {
    link: rules.ref(RULE_IDS.link),
    register: rules.ref(RULE_IDS.register),
    merge: rules.ref(RULE_IDS.merge),
    shared: rules.ref(RULE_IDS.shared),
  };
  const trigger = input.trigger;
  const actor = uow.meta.actor;
  const notes = new Map<string, ReferenceNote>();
  const note = (
    ref: IdentifierRef,
    status: ReferenceStatus,
    clientId: string | null,
    r: RuleRef | null,
  ) => notes.set(ref.index, { ref: refOf(ref), status, clientId, rule: r });

  const candidates: Candidate[] = [];
  for (const ref of refs) {
    const register = uow.identifier(ref.index);
    if (!rules.type(ref.type).autoLink) {
      note(ref, 'manual', register.owner === null ? null : rootOf(uow, register.owner), rule.link);
      continue;
    }
    const junk = rules.blocklisted(ref.type, ref.value);
    if (junk !== undefined) {
      const junkRule = rules.ref(RULE_IDS.blocklist(junk.id));
      note(ref, 'blocklisted', null, junkRule);
      if (register.owner !== null) {
        uow.onIdentifier(ref.index, {
          kind: 'release',
          ref: refOf(ref),
          clientId: register.owner,
          reason: 'blocklisted',
          actor,
        });
        uow.onClient(register.owner, {
          kind: 'unlink',
          clientId: register.owner,
          ref: refOf(ref),
          reason: 'blocklisted',
          rule: junkRule,
          actor,
        });
      }
      continue;
    }
    if (register.shared) {
      note(ref, 'shared', null, rule.shared);
      continue;
    }
    candidates.push({ ref, owner: register.owner, vetoed: register.vetoed });
  }

  const matchesAtStart = refs.map((r) => {
    const owner = uow.identifier(r.index).owner;
    return { ref: refOf(r), clientId: owner === null ? null : rootOf(uow, owner) };
  });
  const evidence = (explanation: string): Evidence => ({
    trigger,
    matches: matchesAtStart.slice(0, 50),
    explanation,
    storeId: input.storeId,
    sourceSystem: input.sourceSystem,
  });

  const owned = candidates.filter((c) => c.owner !== null);
  const unowned = candidates.filter((c) => c.owner === null);
  const link = (c: Candidate, holder: string, explanation: string) => {
    uow.onIdentifier(c.ref.index, {
      kind: 'claim',
      ref: refOf(c.ref),
      clientId: holder,
      rule: rule.link,
      trigger,
    });
    uow.onClient(holder, {
      kind: 'link',
      clientId: holder,
      identifier: c.ref,
      rule: rule.link,
      evidence: evidence(explanation),
    });
  };
  const fits = (existing: readonly IdentifierRef[], c: Candidate): boolean => {
    const slot = limitSlot(rules, c.ref);
    const used = existing.filter((r) => limitSlot(rules, r) === slot).length;
    return used + 1 <= rules.type(c.ref.type).max;
  };

  let outcome: ResolutionOutcome = 'matched';
  let attributed: string | null = null;
  let registered: string | null = null;
  const merges: MergeDone[] = [];
  const rejections: ResolutionResult['rejections'][number][] = [];
  const linked: Candidate[] = [];

  /** A new client from the unheld identifiers (within the limits), owned ones noted as seen. */
  const registerNew = (why: string): void => {
    const first = unowned[0];
    if (first === undefined) return;
    const clientId = clientIdFor(trigger, first.ref.index);
    uow.onClient(clientId, {
      kind: 'register',
      clientId,
      homeRegion: input.region,
      rule: rule.register,
      evidence: evidence(why),
    });
    const taken: IdentifierRef[] = [];
    for (const c of unowned) {
      if (!fits(taken, c)) {
        note(c.ref, 'cardinality', null, rules.ref(RULE_IDS.limit(c.ref.type)));
        continue;
      }
      link(c, clientId, `Linked on registration: ${c.ref.type} was new (${why})`);
      taken.push(c.ref);
      linked.push(c);
    }
    registered = clientId;
    attributed = clientId;
    outcome = 'registered';
  };

  /** Links the unheld identifiers to the cluster through `holder`, or splits the record away. */
  const attach = (root: string, holder: string, anchor: Candidate, allowSplit: boolean): void => {
    const members = new Set(membersOf(uow, root));
    const existing = clusterIdentifiers(uow, root).map((h) => h.ref);
    const pending: Candidate[] = [];
    for (const c of unowned) {
      if (c.vetoed.some((v) => members.has(v))) {
        note(c.ref, 'vetoed', null, rule.link);
        continue;
      }
      if (fits([...existing, ...pending.map((p) => p.ref)], c)) {
        pending.push(c);
        continue;
      }
      if (allowSplit && rules.rank(c.ref.type) < rules.rank(anchor.ref.type)) {
        registerNew(
          `its ${c.ref.type} differs from the ${c.ref.type} of the client holding its ` +
            `${anchor.ref.type}, and ${c.ref.type} ranks higher: another person`,
        );
        return;
      }
      note(c.ref, 'cardinality', null, rules.ref(RULE_IDS.limit(c.ref.type)));
    }
    for (const c of pending) {
      link(c, holder, `Linked: the record's ${anchor.ref.type} belongs to this client`);
      linked.push(c);
    }
    attributed = root;
    if (outcome !== 'merged') outcome = pending.length > 0 ? 'linked' : 'matched';
  };

  if (owned.length === 0) {
    if (unowned.length === 0) {
      attributed = null;
      outcome = 'unresolved';
    } else {
      registerNew(
        `no identifier of the record (${describe(unowned.map((c) => c.ref))}) belonged to a client`,
      );
    }
  } else {
    const rootsInOrder: string[] = [];
    for (const c of owned) {
      const r = rootOf(uow, c.owner ?? '');
      if (!rootsInOrder.includes(r)) rootsInOrder.push(r);
    }
    const anchor = owned[0];
    if (anchor === undefined) throw new Error('unreachable');
    if (rootsInOrder.length === 1) {
      attach(rootsInOrder[0] ?? '', anchor.owner ?? '', anchor, true);
    } else {
      const survivor = rootsInOrder.reduce((a, b) => (registeredBefore(uow, a, b) ? a : b));
      let rejected = false;
      const strongestIn = (root: string): Candidate | undefined =>
        owned.find((c) => rootOf(uow, c.owner ?? '') === root);
      for (const other of rootsInOrder.filter((r) => r !== survivor)) {
        const sRef = strongestIn(rootOf(uow, survivor));
        const oRef = strongestIn(other);
        if (sRef === undefined || oRef === undefined) continue;
        const verdict = mergeVerdict(uow, rules, rootOf(uow, survivor), other, sRef, oRef);
        if (verdict !== null) {
          rejected = true;
          rejections.push({
            clientIds: [rootOf(uow, survivor), other],
            reason: verdict.reason,
            rule: verdict.rule,
          });
          uow.onClient(rootOf(uow, survivor), {
            kind: 'reject-merge',
            clientId: rootOf(uow, survivor),
            others: [other],
            reason: verdict.reason,
            rule: verdict.rule,
            evidence: evidence(verdict.explanation),
          });
          continue;
        }
        const holder = sRef.owner ?? '';
        const mergeId = mergeIdFor(trigger, other);
        const moved = clusterIdentifiers(uow, other).map((h) => h.ref);
        uow.onClient(other, {
          kind: 'absorb',
          clientId: other,
          survivorId: holder,
          mergeId,
          rule: rule.merge,
          actor,
        });
        uow.onClient(holder, {
          kind: 'record-merge',
          survivorId: holder,
          mergedId: other,
          movedIdentifiers: moved,
          mergeId,
          rule: rule.merge,
          evidence: evidence(
            `Merged: the record's ${sRef.ref.type} belongs to the surviving client and its ` +
              `${oRef.ref.type} to the merged one; both types merge automatically`,
          ),
          actor,
        });
        uow.onMerge(mergeId, { kind: 'record', mergeId, survivorId: holder, mergedId: other });
        merges.push({ mergeId, survivorId: holder, mergedId: other });
      }
      if (rejected) {
        attributed = rootOf(uow, anchor.owner ?? '');
        outcome = 'ambiguous';
        for (const c of unowned) note(c.ref, 'elsewhere', null, null);
      } else {
        outcome = 'merged';
        const anchorInSurvivor = owned[0];
        if (anchorInSurvivor !== undefined)
          attach(rootOf(uow, survivor), anchorInSurvivor.owner ?? '', anchorInSurvivor, false);
      }
    }
  }

  // Held identifiers seen on a record that belongs to someone else: evidence they are shared.
  if (attributed !== null) {
    const target: string = attributed;
    for (const c of owned) {
      const owner = uow.identifier(c.ref.index).owner;
      if (owner === null || rootOf(uow, owner) === rootOf(uow, target)) continue;
      uow.onIdentifier(c.ref.index, {
        kind: 'sight',
        ref: refOf(c.ref),
        clientId: target,
        trigger,
      });
      const register = uow.identifier(c.ref.index);
      const clients = [...new Set([owner, ...register.sightings].map((id) => rootOf(uow, id)))];
      if (clients.length > rules.set.sharedThreshold) {
        uow.onIdentifier(c.ref.index, {
          kind: 'mark-shared',
          ref: refOf(c.ref),
          clientIds: clients,
          threshold: rules.set.sharedThreshold,
          rule: rule.shared,
        });
        uow.onClient(owner, {
          kind: 'unlink',
          clientId: owner,
          ref: refOf(c.ref),
          reason: 'shared',
          rule: rule.shared,
          actor,
        });
        note(c.ref, 'shared', null, rule.shared);
      } else {
        note(c.ref, 'elsewhere', rootOf(uow, owner), null);
      }
    }
  }

  const finalRoot: string | null = attributed === null ? null : rootOf(uow, attributed);
  for (const c of candidates) {
    const isLinked = linked.includes(c);
    if (!isLinked && notes.has(c.ref.index)) continue;
    const owner = uow.identifier(c.ref.index).owner;
    const status: ReferenceStatus = isLinked ? 'linked' : owner === null ? 'elsewhere' : 'held';
    note(c.ref, status, owner === null ? null : rootOf(uow, owner), isLinked ? rule.link : null);
  }
  for (const r of refs) if (!notes.has(r.index)) note(r, 'elsewhere', null, null);

  uow.onRecord(trigger, {
    kind: 'resolve',
    resolution: {
      trigger,
      sourceSystem: input.sourceSystem,
      storeId: input.storeId,
      region: input.region,
      occurredAt: input.occurredAt,
      customer: refs.map((r) => ({ type: r.type, scope: r.scope, index: r.index, value: r.value })),
      outcome,
      clientId: finalRoot,
      ruleVersion: rules.set.version,
    },
  });

  return {
    outcome,
    clientId: finalRoot,
    replayed: false,
    registered,
    merges,
    rejections,
    references: refs.map(
      (r) =>
        notes.get(r.index) ?? { ref: refOf(r), status: 'elsewhere', clientId: null, rule: null },
    ),
    explanation: explain(outcome, merges.length, rejections),
  };
}

function explain(
  outcome: ResolutionOutcome,
  merged: number,
  rejections: ResolutionResult['rejections'],
): string {
  switch (outcome) {
    case 'registered':
      return 'A new client was registered for this record.';
    case 'matched':
      return 'The record belongs to a known client; nothing new to link.';
    case 'linked':
      return 'The record belongs to a known client; its new identifiers were linked.';
    case 'merged':
      return `The record tied ${String(merged + 1)} clients together: they were merged.`;
    case 'ambiguous':
      return `The record ties clients the rules keep apart (${rejections.map((r) => r.reason).join(', ')}): nothing was linked.`;
    case 'unresolved':
      return 'No identifier of the record can be linked (junk, shared or manual-only).';
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

interface Verdict {
  readonly reason: MergeRejectedReason;
  readonly rule: RuleRef;
  readonly explanation: string;
}

/** Null when the two clusters may merge automatically; else why not. */
export function mergeVerdict(
  uow: UnitOfWork,
  rules: Rules,
  survivorRoot: string,
  otherRoot: string,
  survivorRef: { readonly ref: IdentifierRef },
  otherRef: { readonly ref: IdentifierRef },
): Verdict | null {
  if (!rules.set.merge.auto)
    return {
      reason: 'rule-disabled',
      rule: rules.ref(RULE_IDS.mergeDisabled),
      explanation: 'Automatic merges are switched off in this rule set.',
    };
  for (const r of [survivorRef.ref, otherRef.ref]) {
    if (!rules.type(r.type).merge)
      return {
        reason: 'rule-disabled',
        rule: rules.ref(RULE_IDS.mergeDisabled),
        explanation: `A ${r.type} match does not merge clients automatically.`,
      };
  }
  const a = membersOf(uow, survivorRoot);
  const b = membersOf(uow, otherRoot);
  if (vetoed(uow, a, b))
    return {
      reason: 'steward-veto',
      rule: rules.ref(RULE_IDS.veto),
      explanation: 'A data steward separated these clients.',
    };
  const ra = homeRegionOf(uow, survivorRoot);
  const rb = homeRegionOf(uow, otherRoot);
  if (!rules.regionsCompatible(ra, rb))
    return {
      reason: 'conflicting-region',
      rule: rules.ref(RULE_IDS.region),
      explanation: `Clients resident in ${ra ?? '?'} and ${rb ?? '?'} are not merged automatically.`,
    };
  const combined = [
    ...clusterIdentifiers(uow, survivorRoot).map((h) => h.ref),
    ...clusterIdentifiers(uow, otherRoot).map((h) => h.ref),
  ];
  const broken = brokenLimit(rules, combined);
  if (broken !== undefined)
    return {
      reason: 'cardinality',
      rule: rules.ref(RULE_IDS.limit(broken)),
      explanation: `Merged, the client would hold more ${broken} identifiers than the rules allow.`,
    };
  return null;
}
