import type { IdentifierRef } from '@maison/event-contracts';
import type { Rules } from '../rules/rule-set.js';
import type { UnitOfWork } from './unit-of-work.js';

/**
 * Clients and merges form a forest: a merged client points at the client it was merged into (not
 * necessarily a root), so an unmerge cuts exactly one edge and everything attached below it —
 * identifiers linked since through its identifiers, clients merged into it since — goes with it.
 */

const MAX_DEPTH = 64;

export function rootOf(uow: UnitOfWork, id: string): string {
  let current = id;
  for (let i = 0; i < MAX_DEPTH; i++) {
    const next = uow.client(current).mergedInto?.survivorId;
    if (next === undefined) return current;
    current = next;
  }
  throw new Error('merge chain too long');
}

/** The client and every client merged into it, directly or not. */
export function membersOf(uow: UnitOfWork, id: string): string[] {
  const out: string[] = [];
  const stack = [id];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === undefined || seen.has(current)) continue;
    seen.add(current);
    out.push(current);
    if (out.length > 10_000) throw new Error('cluster too large');
    for (const child of uow.client(current).children.values()) stack.push(child);
  }
  return out;
}

export interface HeldIdentifier {
  readonly ref: IdentifierRef;
  /** The member of the cluster that holds it directly. */
  readonly holder: string;
}

/** Every identifier held in the cluster below `id` (itself included). */
export function clusterIdentifiers(uow: UnitOfWork, id: string): HeldIdentifier[] {
  const out: HeldIdentifier[] = [];
  for (const member of membersOf(uow, id))
    for (const ref of uow.client(member).held.values()) out.push({ ref, holder: member });
  return out;
}

/** The slot a cardinality limit counts in: the type, and the scope when the limit is per scope. */
export function limitSlot(rules: Rules, ref: Pick<IdentifierRef, 'type' | 'scope'>): string {
  const rule = rules.type(ref.type);
  return rule.per === 'scope' ? `${ref.type}|${ref.scope ?? ''}` : ref.type;
}

export function slotCounts(rules: Rules, refs: readonly Pick<IdentifierRef, 'type' | 'scope'>[]) {
  const counts = new Map<string, number>();
  for (const ref of refs) {
    const slot = limitSlot(rules, ref);
    counts.set(slot, (counts.get(slot) ?? 0) + 1);
  }
  return counts;
}

/** The first type whose limit the combined identifiers break, if any. */
export function brokenLimit(
  rules: Rules,
  refs: readonly Pick<IdentifierRef, 'type' | 'scope'>[],
): string | undefined {
  const counts = slotCounts(rules, refs);
  for (const ref of refs) {
    const count = counts.get(limitSlot(rules, ref)) ?? 0;
    if (count > rules.type(ref.type).max) return ref.type;
  }
  return undefined;
}

export function registeredBefore(uow: UnitOfWork, a: string, b: string): boolean {
  const ra = uow.client(a).registered;
  const rb = uow.client(b).registered;
  const ta = ra === null ? Number.POSITIVE_INFINITY : Date.parse(ra.recordedAt);
  const tb = rb === null ? Number.POSITIVE_INFINITY : Date.parse(rb.recordedAt);
  return ta !== tb ? ta < tb : a < b;
}

export function homeRegionOf(uow: UnitOfWork, root: string): string | null {
  return uow.client(root).registered?.homeRegion ?? null;
}

/** Whether a steward separated any client of one cluster from any of the other. */
export function vetoed(uow: UnitOfWork, a: readonly string[], b: readonly string[]): boolean {
  const bs = new Set(b);
  const as = new Set(a);
  return (
    a.some((m) => [...uow.client(m).vetoes].some((v) => bs.has(v))) ||
    b.some((m) => [...uow.client(m).vetoes].some((v) => as.has(v)))
  );
}
