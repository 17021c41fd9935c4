import { describe, expect, it } from '@jest/globals';
import { ApplicationError } from '@maison/service-kit';
import fc from 'fast-check';
import type { RecordReference } from './resolve.policy.js';
import { brokenLimit, clusterIdentifiers, rootOf } from './cluster.js';
import { UnitOfWork } from './unit-of-work.js';
import { email, loyalty, phone, pos, shop, World } from '../testing/world.js';

// Properties of the policies over random histories: whatever records arrive, in whatever order,
// with steward merges, unmerges and unlinks in between, identity's invariants hold.

const POOL: readonly RecordReference[] = [
  loyalty('LX-1'),
  loyalty('LX-2'),
  loyalty('LX-3'),
  email('a@example.com'),
  email('b@example.com'),
  email('c@example.com'),
  email('noemail@maison-aurele.com'), // junk
  phone('06 11 22 33 44'),
  phone('06 55 66 77 88'),
  pos('P1', 'cegid:fr'),
  pos('P2', 'cegid:fr'),
  pos('P3', 'xstore:uk'),
  shop('100'),
  shop('200'),
];
const JUNK = POOL[6];

type Op =
  | { readonly kind: 'record'; readonly refs: readonly number[]; readonly cn: boolean }
  | { readonly kind: 'merge'; readonly a: number; readonly b: number }
  | { readonly kind: 'unmerge'; readonly n: number }
  | { readonly kind: 'unlink'; readonly ref: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      refs: fc.uniqueArray(fc.nat(POOL.length - 1), { minLength: 1, maxLength: 3 }),
      cn: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('merge' as const), a: fc.nat(20), b: fc.nat(20) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unmerge' as const), n: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unlink' as const), ref: fc.nat(POOL.length - 1) }),
  },
);

function roots(w: World): string[] {
  const uow = new UnitOfWork(w.store, w.meta('view'));
  return w.store
    .clientIds()
    .filter((id) => {
      const s = uow.client(id);
      return s.registered !== null && s.mergedInto === null && !s.erased;
    })
    .sort();
}

function activeMerges(w: World): { survivorId: string; mergeId: string }[] {
  const uow = new UnitOfWork(w.store, w.meta('view'));
  return w.store
    .clientIds()
    .flatMap((id) =>
      [...uow.client(id).children.keys()].map((mergeId) => ({ survivorId: id, mergeId })),
    )
    .sort((x, y) => x.mergeId.localeCompare(y.mergeId));
}

/** Applies an operation; refusals by the rules (typed errors) are part of the game. */
function play(w: World, o: Op, i: number): void {
  try {
    switch (o.kind) {
      case 'record':
        w.resolve(
          `r${String(i)}`,
          o.refs.map((n) => POOL[n]!),
          {
            region: o.cn ? 'CN' : 'EU',
          },
        );
        return;
      case 'merge': {
        const rs = roots(w);
        const a = rs[o.a % Math.max(1, rs.length)];
        const b = rs[o.b % Math.max(1, rs.length)];
        if (a !== undefined && b !== undefined && a !== b) w.merge(a, b, `m${String(i)}`);
        return;
      }
      case 'unmerge': {
        const ms = activeMerges(w);
        const m = ms[o.n % Math.max(1, ms.length)];
        if (m !== undefined) w.unmerge(m.mergeId, `u${String(i)}`);
        return;
      }
      case 'unlink': {
        const ref = POOL[o.ref]!;
        const holder = w.holderOf(ref);
        if (holder !== null) w.unlink(holder, ref.index);
        return;
      }
      default: {
        const unreachable: never = o;
        throw new Error(String(unreachable));
      }
    }
  } catch (error) {
    if (!(error instanceof ApplicationError)) throw error;
  }
}

function checkInvariants(w: World): void {
  const uow = new UnitOfWork(w.store, w.meta('view'));
  const holders = new Map<string, string>();
  for (const id of w.store.clientIds()) {
    const s = uow.client(id);
    for (const index of s.held.keys()) {
      // one holder per identifier, and the register agrees
      expect(holders.has(index)).toBe(false);
      holders.set(index, id);
      expect(uow.identifier(index).owner).toBe(id);
    }
    if (s.mergedInto !== null) {
      const survivor = uow.client(s.mergedInto.survivorId);
      expect(survivor.children.get(s.mergedInto.mergeId)).toBe(id);
    }
    for (const [mergeId, child] of s.children)
      expect(uow.client(child).mergedInto).toEqual({ survivorId: id, mergeId });
  }
  for (const index of w.store.identifierIndexes()) {
    const register = uow.identifier(index);
    if (register.owner !== null) expect(holders.get(index)).toBe(register.owner);
    if (register.shared) expect(register.owner).toBeNull();
  }
  expect(JUNK && holders.has(JUNK.index)).toBe(false);
  for (const root of roots(w)) {
    expect(rootOf(uow, root)).toBe(root); // no cycles
    const refs = clusterIdentifiers(uow, root).map((h) => h.ref);
    expect(brokenLimit(w.rules, refs)).toBeUndefined();
  }
}

describe('resolution invariants over random histories', () => {
  it('one holder per identifier, consistent merge links, limits kept, junk never held', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const w = new World();
        ops.forEach((o, i) => {
          play(w, o, i);
          checkInvariants(w);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a steward merge then its unmerge puts every identifier of both sides back', () => {
    const reached = { count: 0 };
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 2, maxLength: 25 }),
        fc.array(
          fc.record({
            kind: fc.constant('record' as const),
            refs: fc.uniqueArray(fc.nat(POOL.length - 1), { minLength: 1, maxLength: 3 }),
            cn: fc.constant(false),
          }),
          { maxLength: 6 },
        ),
        fc.nat(),
        fc.nat(),
        (history, since, x, y) => {
          const w = new World();
          history.forEach((o, i) => {
            play(w, o, i);
          });
          const rs = roots(w);
          const a = rs[x % Math.max(1, rs.length)];
          const b = rs[y % Math.max(1, rs.length)];
          if (a === undefined || b === undefined || a === b) return;
          const uow = new UnitOfWork(w.store, w.meta('view'));
          const sideA = clusterIdentifiers(uow, a).map((h) => h.ref.index);
          const sideB = clusterIdentifiers(uow, b).map((h) => h.ref.index);
          let merge;
          try {
            merge = w.merge(a, b, 'steward-merge').result;
          } catch (error) {
            if (error instanceof ApplicationError) return; // refused by the rules
            throw error;
          }
          since.forEach((o, i) => {
            play(w, o, 1000 + i);
          });
          w.unmerge(merge.mergeId, 'steward-unmerge');
          reached.count += 1;
          checkInvariants(w);
          const after = new UnitOfWork(w.store, w.meta('view'));
          const rootNow = (index: string) => {
            const owner = after.identifier(index).owner;
            return owner === null ? null : rootOf(after, owner);
          };
          const ra = rootOf(after, a);
          const rb = rootOf(after, b);
          expect(ra).not.toBe(rb);
          for (const index of sideA) {
            const r = rootNow(index);
            if (r !== null && r !== ra) expect(r).not.toBe(rb);
          }
          for (const index of sideB) {
            const r = rootNow(index);
            if (r !== null && r !== rb) expect(r).not.toBe(ra);
          }
          if (since.length === 0) {
            for (const index of sideA) expect(rootNow(index)).toBe(ra);
            for (const index of sideB) expect(rootNow(index)).toBe(rb);
          }
        },
      ),
      { numRuns: 150 },
    );
    // the property must actually exercise merges, not only refusals and one-client worlds
    expect(reached.count).toBeGreaterThan(10);
  });
});
