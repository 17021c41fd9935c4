import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RULES } from '../rules/default.rules.js';
import { compileRules, type RuleSet } from '../rules/rule-set.js';
import { email, loyalty, phone, pos, shop, World } from '../testing/world.js';
import { HISTORY_TYPES, historyEntry, simulate, type HistoryEntry } from './simulation.js';

// The dry run replays what identity recorded under two rule sets and reports the difference.

function historyOf(w: World): HistoryEntry[] {
  return w.store.log
    .filter((e) => HISTORY_TYPES.has(e.type))
    .flatMap((e) => {
      const entry = historyEntry(e);
      return entry === undefined ? [] : [entry];
    });
}

function candidate(change: (r: RuleSet) => RuleSet) {
  return compileRules({ ...change(structuredClone(DEFAULT_RULES)), version: 'candidate-1' });
}

/** A small history: an automatic merge by e-mail, a junk e-mail on POS records, a steward merge. */
function history(): World {
  const w = new World();
  w.resolve('t1', [loyalty('LX-1')]); // A
  w.resolve('t2', [shop('100'), email('mia@example.com')]); // B
  w.resolve('t3', [loyalty('LX-1'), email('mia@example.com')]); // A + B automatically
  for (let i = 0; i < 5; i++)
    w.resolve(`p${String(i)}`, [pos(`P${String(i)}`), email('desk@example.com')]);
  w.resolve('t4', [phone('06 55 44 33 22')]); // H
  w.resolve('t5', [email('h@example.com')]); // I
  w.merge(w.name(w.id('H')), w.name(w.id('I')), 'api:steward:1');
  return w;
}

describe('rule simulation', () => {
  it('replays the history under the active rules to the same clients, changing nothing', () => {
    const w = history();
    const before = w.store.log.length;
    const report = simulate(() => historyOf(w), w.rules, compileRules(DEFAULT_RULES));
    expect(report.mergesAdded).toEqual([]);
    expect(report.mergesUndone).toEqual([]);
    expect(report.clients.active).toBe(report.clients.candidate);
    expect(report.active.stats).toMatchObject({ merges: 1, stewardSkipped: 0 });
    expect(w.store.log.length).toBe(before); // a dry run writes nothing
  });

  it('reports the merges a candidate would undo', () => {
    const w = history();
    const noEmailMerges = candidate((r) => ({
      ...r,
      types: { ...r.types, email: { ...r.types.email, merge: false } },
    }));
    const report = simulate(() => historyOf(w), w.rules, noEmailMerges);
    expect(report.mergesUndone).toEqual([
      { clientId: w.id('A'), into: 2, identifiers: 3, unlinked: 0 },
    ]);
    expect(report.candidate.stats.merges).toBe(0);
    expect(report.candidate.stats.rejected).toEqual({ 'rule-disabled': 1 });
    expect(report.clients.candidate).toBe(report.clients.active + 1);
  });

  it('reports the merges a candidate would add', () => {
    const w = new World();
    w.resolve('t1', [loyalty('LX-7'), phone('06 10 20 30 40')]);
    w.resolve('t2', [email('leo@example.com')]);
    w.resolve('t3', [email('leo@example.com'), phone('06 10 20 30 40')]); // rejected: phones never merge
    const phonesMerge = candidate((r) => ({
      ...r,
      types: { ...r.types, phone: { ...r.types.phone, merge: true } },
    }));
    const report = simulate(() => historyOf(w), w.rules, phonesMerge);
    expect(report.mergesAdded).toEqual([
      { clientIds: [w.id('A'), w.id('B')].sort(), identifiers: 3 },
    ]);
    expect(report.active.stats.rejected).toEqual({ 'rule-disabled': 1 });
  });

  it('shows what a blocklist entry or a shared threshold would change', () => {
    const w = history();
    const stricter = candidate((r) => ({
      ...r,
      blocklist: [
        ...r.blocklist,
        {
          id: 'email.mia',
          type: 'email',
          match: 'exact',
          value: 'mia@example.com',
          reason: 'test',
        },
      ],
    }));
    const blocked = simulate(() => historyOf(w), w.rules, stricter);
    expect(blocked.identifiersOnlyActive).toBe(1);
    expect(blocked.mergesUndone.map((m) => m.clientId)).toEqual([w.id('A')]);
    const lenient = candidate((r) => ({ ...r, sharedThreshold: 100 }));
    const shared = simulate(() => historyOf(w), w.rules, lenient);
    // the desk e-mail is no longer recognised as shared: it stays with the first POS client
    expect(shared.identifiersOnlyCandidate).toBe(1);
    expect(shared.candidate.stats.shared).toBe(0);
  });

  it('replays the stewards decisions, and counts those that no longer apply', () => {
    const w = history();
    const report = simulate(() => historyOf(w), w.rules, compileRules(DEFAULT_RULES));
    expect(report.active.stats.stewardSkipped).toBe(0);
    const hKeptApart = candidate((r) => ({
      ...r,
      blocklist: [
        ...r.blocklist,
        { id: 'email.h', type: 'email', match: 'exact', value: 'h@example.com', reason: 'test' },
      ],
    }));
    // with I's only identifier blocklisted, I is never registered: the steward merge cannot apply
    expect(simulate(() => historyOf(w), w.rules, hKeptApart).candidate.stats.stewardSkipped).toBe(
      1,
    );
  });
});
