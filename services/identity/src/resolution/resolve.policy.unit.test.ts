import { describe, expect, it } from '@jest/globals';
import { DEFAULT_RULES } from '../rules/default.rules.js';
import type { RuleSet } from '../rules/rule-set.js';
import { ConcurrencyError } from '@maison/event-store';
import { email, loyalty, phone, pos, shop, wechat, World } from '../testing/world.js';
import { resolveRecord } from './resolve.policy.js';
import { UnitOfWork } from './unit-of-work.js';

// Given/when/then over the in-memory engine: "given these records were resolved, when this one
// arrives, then these events are recorded". `published` lists what goes out on identity.events.v1,
// `internal` the registers' changes and the record itself.

const jane = email('jane.doe@example.com');
const janeWork = email('j.doe@example.org');
const card = loyalty('LX-0042');
const card2 = loyalty('LX-0099');
const mobile = phone('06 12 34 56 70');

function rules(change: (r: RuleSet) => RuleSet): RuleSet {
  return change(structuredClone(DEFAULT_RULES));
}

describe('registration and links (identity.register, identity.link.auto)', () => {
  it('given nothing, when a record names unknown identifiers, then one client holds them all', () => {
    const w = new World();
    const { result, events } = w.resolve('t1', [jane, card]);
    expect(result.outcome).toBe('registered');
    expect(w.published(events)).toEqual([
      ['ClientRegistered', 'A'],
      ['IdentifierLinked', 'A', 'email'],
      ['IdentifierLinked', 'A', 'loyalty_id'],
    ]);
    expect(w.internal(events)).toEqual([
      ['IdentifierClaimed', 'email', 'A'],
      ['IdentifierClaimed', 'loyalty_id', 'A'],
      ['RecordResolved', 'registered', 'A'],
    ]);
    const linked = events.find((e) => e.type === 'IdentifierLinked');
    expect(linked?.data).toMatchObject({
      rule: { id: 'identity.link.auto', version: DEFAULT_RULES.version },
      evidence: { trigger: 't1', storeId: 'PAR-01', sourceSystem: 'test' },
    });
  });

  it('given a client, when a record names only its identifiers, then nothing is published', () => {
    const w = new World();
    w.resolve('t1', [jane, card]);
    const { result, events } = w.resolve('t2', [card]);
    expect(result).toMatchObject({ outcome: 'matched', clientId: w.id('A') });
    expect(w.published(events)).toEqual([]);
    expect(w.internal(events)).toEqual([['RecordResolved', 'matched', 'A']]);
  });

  it('given a client, when a record adds a new identifier, then it is linked to that client', () => {
    const w = new World();
    w.resolve('t1', [jane]);
    const { result, events } = w.resolve('t2', [jane, mobile]);
    expect(result.outcome).toBe('linked');
    expect(w.published(events)).toEqual([['IdentifierLinked', 'A', 'phone']]);
  });

  it('given a type that does not link automatically, then it is left for a steward', () => {
    const w = new World(
      rules((r) => ({ ...r, types: { ...r.types, phone: { ...r.types.phone, autoLink: false } } })),
    );
    w.resolve('t1', [jane]);
    const { result, events } = w.resolve('t2', [jane, mobile]);
    expect(result.outcome).toBe('matched');
    expect(result.references.find((n) => n.ref.type === 'phone')?.status).toBe('manual');
    expect(w.published(events)).toEqual([]);
  });

  it('given the same record again (a redelivery), then nothing happens', () => {
    const w = new World();
    w.resolve('t1', [jane, card]);
    const { result, events } = w.resolve('t1', [jane, card]);
    expect(result).toMatchObject({ replayed: true, outcome: 'registered', clientId: w.id('A') });
    expect(events).toEqual([]);
  });
});

describe('cardinality limits (identity.limit.*) and priority', () => {
  it('given a record with two loyalty cards, then the new client gets the first only', () => {
    const w = new World();
    const { result, events } = w.resolve('t1', [card, card2, jane]);
    expect(w.published(events)).toEqual([
      ['ClientRegistered', 'A'],
      ['IdentifierLinked', 'A', 'email'],
      ['IdentifierLinked', 'A', 'loyalty_id'],
    ]);
    expect(result.references.find((n) => n.ref.index === card2.index)).toMatchObject({
      status: 'cardinality',
      rule: { id: 'identity.limit.loyalty_id' },
    });
  });

  it('when a weaker new identifier would break a limit, then it alone is left out', () => {
    const w = new World();
    w.resolve('t1', [card, email('a@example.com'), email('b@example.com'), email('c@example.com')]);
    const { result, events } = w.resolve('t2', [card, email('d@example.com')]);
    expect(result.outcome).toBe('matched');
    expect(w.published(events)).toEqual([]);
    expect(result.references.find((n) => n.ref.type === 'email')?.status).toBe('cardinality');
  });

  it('when a stronger new identifier would break a limit, then the record is another person', () => {
    // A couple sharing one e-mail, each with a loyalty card: the card (stronger) decides.
    const w = new World();
    w.resolve('t1', [card, jane]);
    const { result, events } = w.resolve('t2', [card2, jane]);
    expect(result).toMatchObject({ outcome: 'registered' });
    expect(w.published(events)).toEqual([
      ['ClientRegistered', 'B'],
      ['IdentifierLinked', 'B', 'loyalty_id'],
    ]);
    expect(w.internal(events)).toContainEqual(['IdentifierSighted', 'email', 'B']);
    expect(w.holderOf(jane)).toBe('A');
  });

  it('counts POS customer numbers per POS system', () => {
    const w = new World();
    w.resolve('t1', [pos('C1', 'cegid:fr'), jane]);
    const other = w.resolve('t2', [pos('X9', 'xstore:uk'), jane]);
    expect(w.published(other.events)).toEqual([['IdentifierLinked', 'A', 'pos_customer']]);
    const same = w.resolve('t3', [pos('C2', 'cegid:fr'), jane]);
    expect(same.result.outcome).toBe('registered');
    expect(w.rootOf(w.name(same.result.clientId ?? ''))).toBe('B');
  });
});

describe('blocklist (identity.blocklist.*)', () => {
  it.each([
    ['a placeholder e-mail', email('noemail@maison-aurele.com')],
    ['a French "no e-mail"', email('pas.de.mail@example.fr')],
    ["a boutique's own mailbox", email('boutique.paris@maison-aurele.com')],
    ['a repeated-digit phone', phone('06 00 00 00 00')],
    ['the usual fake mobile', phone('06 12 34 56 78')],
    ['a US fictional number', phone('+1 212 555 0123')],
    ['an empty loyalty card', loyalty('0000000')],
  ])('never links %s', (_, junk) => {
    const w = new World();
    const first = w.resolve('t1', [junk]);
    expect(first.result.outcome).toBe('unresolved');
    expect(w.published(first.events)).toEqual([]);
    const withClient = w.resolve('t2', [card, junk]);
    expect(w.published(withClient.events)).toEqual([
      ['ClientRegistered', 'A'],
      ['IdentifierLinked', 'A', 'loyalty_id'],
    ]);
    expect(withClient.result.references.find((n) => n.ref.index === junk.index)).toMatchObject({
      status: 'blocklisted',
    });
    expect(w.holderOf(junk)).toBeNull();
  });

  it('given a value linked under an older rule set, when it is seen blocklisted, then it is unlinked', () => {
    const value = email('nobody@example.com');
    const w = new World();
    w.resolve('t1', [card, value]);
    w.rules = new World(
      rules((r) => ({
        ...r,
        version: '2026-12.2',
        blocklist: [
          ...r.blocklist,
          {
            id: 'email.nobody',
            type: 'email',
            match: 'exact',
            value: 'nobody@example.com',
            reason: 'junk',
          },
        ],
      })),
    ).rules;
    const { events } = w.resolve('t2', [card, value]);
    expect(w.published(events)).toEqual([['IdentifierUnlinked', 'A', 'email', 'blocklisted']]);
    const unlinked = events.find((e) => e.type === 'IdentifierUnlinked');
    expect(unlinked?.data).toMatchObject({
      rule: { id: 'identity.blocklist.email.nobody', version: '2026-12.2' },
    });
  });
});

describe('shared identifiers (identity.shared-guard)', () => {
  it('given a value seen with more clients than the threshold, then it is unlinked and ignored', () => {
    const w = new World(); // threshold 3
    const shopFloor = email('concierge@example.com');
    w.resolve('t1', [pos('P1'), shopFloor]);
    w.resolve('t2', [pos('P2'), shopFloor]);
    w.resolve('t3', [pos('P3'), shopFloor]);
    expect(w.holderOf(shopFloor)).toBe('A');
    const { events } = w.resolve('t4', [pos('P4'), shopFloor]);
    expect(w.published(events)).toEqual([
      ['ClientRegistered', 'D'],
      ['IdentifierLinked', 'D', 'pos_customer'],
      ['IdentifierUnlinked', 'A', 'email', 'shared'],
    ]);
    expect(w.internal(events)).toContainEqual(['IdentifierMarkedShared', 'email']);
    expect(w.holderOf(shopFloor)).toBeNull();
    const later = w.resolve('t5', [shopFloor]);
    expect(later.result.outcome).toBe('unresolved');
    expect(later.result.references[0]?.status).toBe('shared');
  });

  it('a junk value shared by many POS records never merges them', () => {
    const w = new World();
    const junk = email('client@example.com');
    const ids = Array.from({ length: 60 }, (_, i) => pos(`P${String(i)}`));
    const all = ids.flatMap((p, i) => w.resolve(`t${String(i)}`, [p, junk]).events);
    expect(all.filter((e) => e.type === 'ClientsMerged')).toEqual([]);
    expect(w.clientCount()).toBe(60);
    for (const p of ids) expect(w.holderOf(p)).not.toBeNull();
    expect(new Set(ids.map((p) => w.holderOf(p))).size).toBe(60);
    expect(w.holderOf(junk)).toBeNull();
  });
});

describe('automatic merges (identity.merge.auto) and their refusals', () => {
  it('given two clients, when a record ties them by merge types, then the older survives', () => {
    const w = new World();
    w.resolve('t1', [card]); // A, at the till
    w.resolve('t2', [shop('7654321'), jane]); // B, on the web shop
    const { result, events } = w.resolve('t3', [card, jane, mobile]);
    expect(result).toMatchObject({ outcome: 'merged', clientId: w.id('A') });
    expect(w.published(events)).toEqual([
      ['ClientsMerged', 'A', ['B']],
      ['IdentifierLinked', 'A', 'phone'],
    ]);
    const merged = events.find((e) => e.type === 'ClientsMerged');
    expect(merged?.data).toMatchObject({
      rule: { id: 'identity.merge.auto' },
      movedIdentifiers: expect.arrayContaining([
        expect.objectContaining({ type: 'email' }),
        expect.objectContaining({ type: 'ecom_customer' }),
      ]) as unknown,
    });
    expect(w.rootOf('B')).toBe('A');
    expect(w.valuesOf('A', [card, jane, mobile])).toHaveLength(3);
  });

  it('given a phone match, then the merge is rejected once (phones never merge)', () => {
    const w = new World();
    w.resolve('t1', [card, mobile]);
    w.resolve('t2', [jane]);
    const first = w.resolve('t3', [jane, mobile]);
    expect(first.result.outcome).toBe('ambiguous');
    expect(w.published(first.events)).toEqual([['MergeRejected', ['A', 'B'], 'rule-disabled']]);
    const again = w.resolve('t4', [jane, mobile]);
    expect(w.published(again.events)).toEqual([]);
  });

  it('given each client holds a loyalty card, then the merge is rejected for cardinality', () => {
    const w = new World();
    w.resolve('t1', [card, jane]);
    w.resolve('t2', [card2, janeWork]);
    const { result, events } = w.resolve('t3', [jane, janeWork]);
    expect(result.rejections[0]).toMatchObject({
      reason: 'cardinality',
      rule: { id: 'identity.limit.loyalty_id' },
    });
    expect(w.published(events)).toEqual([['MergeRejected', ['A', 'B'], 'cardinality']]);
  });

  it('given a client resident in CN and one in the EU, then they are not merged automatically', () => {
    const w = new World();
    w.resolve('t1', [wechat('o6_bmasdasdsad6_2sgVt7hMZOPfL')], { region: 'CN' });
    w.resolve('t2', [jane], { region: 'EU' });
    const { events } = w.resolve('t3', [wechat('o6_bmasdasdsad6_2sgVt7hMZOPfL'), jane]);
    expect(w.published(events)).toEqual([['MergeRejected', ['A', 'B'], 'conflicting-region']]);
  });

  it('given automatic merges are switched off, then every merge is rejected', () => {
    const w = new World(rules((r) => ({ ...r, merge: { ...r.merge, auto: false } })));
    w.resolve('t1', [card]);
    w.resolve('t2', [jane]);
    const { events } = w.resolve('t3', [card, jane]);
    expect(w.published(events)).toEqual([['MergeRejected', ['A', 'B'], 'rule-disabled']]);
  });

  it('given a steward separated two clients, then the same evidence does not merge them again', () => {
    const w = new World();
    w.resolve('t1', [card]);
    w.resolve('t2', [jane]);
    const merged = w.resolve('t3', [card, jane]).result.merges[0];
    if (merged === undefined) throw new Error('expected a merge');
    w.unmerge(merged.mergeId);
    const { events } = w.resolve('t4', [card, jane]);
    expect(w.published(events)).toEqual([['MergeRejected', ['A', 'B'], 'steward-veto']]);
    expect(w.rootOf('B')).toBe('B');
  });
});

describe('unmerge restores the exact prior split', () => {
  it('gives every identifier back, including those linked since through the merged client', () => {
    const w = new World();
    w.resolve('t1', [card, mobile]); // A
    w.resolve('t2', [shop('7654321'), jane]); // B
    const merge = w.merge('A', 'B').result;
    // after the merge: a new phone comes with B's e-mail, a new e-mail with A's card
    const since = phone('+971 50 123 4567');
    const sinceA = email('jane.d@example.net');
    w.resolve('t3', [jane, since]);
    w.resolve('t4', [card, sinceA]);
    expect(w.valuesOf('A', [card, mobile, jane, since, sinceA])).toHaveLength(5);
    const { result, events } = w.unmerge(merge.mergeId);
    expect(w.published(events)).toEqual([['ClientUnmerged', 'A', 'B']]);
    expect(result.restoredIdentifiers.map((r) => r.index).sort()).toEqual(
      [shop('7654321'), jane, since].map((r) => r.index).sort(),
    );
    expect(w.rootOf('B')).toBe('B');
    expect(w.valuesOf('A', [card, mobile, jane, since, sinceA])).toEqual(
      [card.value, mobile.value, sinceA.value].sort(),
    );
    expect(w.valuesOf('B', [card, mobile, jane, since, sinceA])).toEqual(
      [jane.value, since.value].sort(),
    );
  });

  it('takes along the clients merged since into the merged client', () => {
    const w = new World();
    w.resolve('t1', [card]); // A
    w.resolve('t2', [jane]); // B
    w.resolve('t3', [shop('111')]); // C
    const ab = w.merge('A', 'B').result;
    // C is tied to the cluster through B's e-mail: it hangs under B
    const { result } = w.resolve('t4', [jane, shop('111')]);
    expect(result.merges[0]).toMatchObject({ survivorId: w.id('B'), mergedId: w.id('C') });
    expect(w.rootOf('C')).toBe('A');
    w.unmerge(ab.mergeId);
    expect(w.rootOf('C')).toBe('B');
    expect(w.rootOf('B')).toBe('B');
  });

  it('refuses an unknown merge and a merge already undone', () => {
    const w = new World();
    w.resolve('t1', [card]);
    w.resolve('t2', [jane]);
    const m = w.merge('A', 'B').result;
    expect(() => w.unmerge('2b3c4d5e-6f70-4182-9a3b-4c5d6e7f8091')).toThrow('does not exist');
    w.unmerge(m.mergeId, 'u1');
    expect(() => w.unmerge(m.mergeId, 'u2')).toThrow('already undone');
  });
});

describe('steward decisions', () => {
  it('refuses to merge what would break a limit, or is one client already', () => {
    const w = new World();
    w.resolve('t1', [card]);
    w.resolve('t2', [card2]);
    expect(() => w.merge('A', 'B')).toThrow('loyalty_id');
    w.resolve('t3', [jane]);
    w.merge('A', 'C');
    expect(() => w.merge('C', 'A', 'again')).toThrow('same client');
  });

  it('refuses to merge clients resident in an isolated region with another', () => {
    const w = new World();
    w.resolve('t1', [jane], { region: 'CN' });
    w.resolve('t2', [card], { region: 'EU' });
    expect(() => w.merge('B', 'A')).toThrow('CN');
  });

  it('an identifier a steward unlinked never links back to that client automatically', () => {
    const w = new World();
    w.resolve('t1', [card, mobile]);
    const { events } = w.unlink('A', mobile.index);
    expect(w.published(events)).toEqual([['IdentifierUnlinked', 'A', 'phone', 'steward']]);
    const again = w.resolve('t2', [card, mobile]);
    expect(w.published(again.events)).toEqual([]);
    expect(again.result.references.find((n) => n.ref.type === 'phone')?.status).toBe('vetoed');
    // …but it may still belong to someone else
    const other = w.resolve('t3', [jane, mobile]);
    expect(w.published(other.events)).toEqual([
      ['ClientRegistered', 'B'],
      ['IdentifierLinked', 'B', 'email'],
      ['IdentifierLinked', 'B', 'phone'],
    ]);
  });
});

describe('erasure (identity.erasure)', () => {
  it('unlinks, forgets, reports what it suppressed; a record with an erased identifier is refused', () => {
    const w = new World();
    w.resolve('t1', [card, jane]);
    w.resolve('t2', [shop('555'), janeWork]);
    w.merge('A', 'B');
    const { result, events } = w.erase('A', '7d0f3a52-2c1b-4e4f-9b8a-1f2e3d4c5b6a');
    expect(result.clientIds).toHaveLength(2);
    expect(w.published(events)).toEqual([
      ['ClientDataPurged', 'A', 4],
      ['IdentifierUnlinked', 'A', 'email', 'erasure'],
      ['IdentifierUnlinked', 'A', 'loyalty_id', 'erasure'],
      ['IdentifierUnlinked', 'B', 'ecom_customer', 'erasure'],
      ['IdentifierUnlinked', 'B', 'email', 'erasure'],
    ]);
    const refused = w.resolve('t3', [jane, mobile]);
    expect(refused.result).toMatchObject({ outcome: 'refused', clientId: null });
    expect(refused.events).toEqual([]);
    const again = w.erase('A', '7d0f3a52-2c1b-4e4f-9b8a-1f2e3d4c5b6a');
    expect(again.events).toEqual([]);
  });
});

describe('concurrent decisions', () => {
  it('two decisions taken on the same state: the second cannot commit', () => {
    const w = new World();
    // Both see the e-mail unheld and register a client around it.
    const a = new UnitOfWork(w.store, w.meta('ta'));
    const b = new UnitOfWork(w.store, w.meta('tb'));
    const input = (trigger: string) => ({
      trigger,
      references: [jane],
      sourceSystem: 'test',
      storeId: null,
      region: 'EU' as const,
      occurredAt: '2026-12-01T10:00:00+01:00',
    });
    resolveRecord(a, w.rules, input('ta'));
    resolveRecord(b, w.rules, input('tb'));
    w.store.commit(a.writes());
    expect(() => {
      w.store.commit(b.writes());
    }).toThrow(ConcurrencyError);
    // Decided again on fresh state, the second record finds the first client.
    const retried = w.resolve('tb', [jane]);
    expect(retried.result.outcome).toBe('matched');
    expect(w.clientCount()).toBe(1);
  });
});
