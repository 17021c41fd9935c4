import { describe, expect, it } from '@jest/globals';
import { ConflictError, ValidationError } from '@maison/service-kit';
import fc from 'fast-check';
import type { EventEnvelope, ProfileSourceKind } from '@maison/event-contracts';
import { given, testMeta } from '../domain/testing.js';
import { profileDecider, type ProfileCommand, type FieldWrite } from './profile.decider.js';
import type { ProfileChange } from './profile.events.js';
import type { ProfileState } from './profile.state.js';
import { survivorshipPolicy, type SurvivorshipPolicy } from './survivorship.js';

const policy: SurvivorshipPolicy = survivorshipPolicy('2026-03');
const C = 'client-1';
let n = 0;
const rid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function associateWrites(
  writes: FieldWrite[],
  now: string,
  kind: 'associate' | 'steward' = 'associate',
): ProfileCommand {
  return {
    type: 'UpdateProfileFields',
    clientId: C,
    policy,
    meta: testMeta(
      now,
      `${now}-${kind}-${String(++n)}`,
      kind === 'steward' ? 'steward-1' : 'assoc-1',
    ),
    writes,
    sourceKind: kind,
  };
}

function record(
  writes: FieldWrite[],
  occurredAt: string,
  sourceSystem = 'pos.cegid',
  kind: ProfileSourceKind = 'pos',
): ProfileCommand {
  return {
    type: 'ApplyCustomerRecord',
    clientId: C,
    policy,
    meta: testMeta('2026-06-01T12:00:00Z', `rec-${String(++n)}`, 'system'),
    recordId: rid(),
    sourceSystem,
    sourceKind: kind,
    occurredAt,
    writes,
  };
}

/** Runs commands in order; returns every event and the final state. */
function run(
  commands: ProfileCommand[],
  history: EventEnvelope[] = [],
): { events: EventEnvelope[]; state: ProfileState } {
  const events = [...history];
  for (const c of commands) events.push(...given(profileDecider, events).when(c).events);
  return { events, state: given(profileDecider, events).state };
}

const changesOf = (events: readonly EventEnvelope[]) =>
  events.flatMap((e) =>
    e.type === 'ProfileUpdated' ? (e.data as { changes: ProfileChange[] }).changes : [],
  );

describe('profile decider: survivorship', () => {
  const associateName = associateWrites(
    [
      { field: 'name.latin', value: { given: 'Fang', family: 'Wang' } },
      { field: 'sizes.shoes', value: '38' },
    ],
    '2026-03-01T10:00:00+01:00',
  );

  it('given an associate-entered name, when a newer POS record sends another, then the name stays (source priority)', () => {
    const { events: history } = run([associateName]);
    const { events } = given(profileDecider, history).when(
      record(
        [{ field: 'name.latin', value: { given: 'F.', family: 'WANG' } }],
        '2026-05-01T10:00:00+02:00',
      ),
    );
    expect(events).toEqual([]);
  });

  it('given an associate-entered size, when a newer POS record sends another, then the POS wins (most recent), citing the rule', () => {
    const { events: history } = run([associateName]);
    const { events, state } = given(profileDecider, history).when(
      record([{ field: 'sizes.shoes', value: '38.5' }], '2026-05-01T10:00:00+02:00'),
    );
    expect(changesOf(events)).toEqual([
      expect.objectContaining({
        field: 'sizes.shoes',
        value: '38.5',
        source: 'pos.cegid',
        sourceKind: 'pos',
        policy: { id: 'survivorship.most-recent', version: '2026-03' },
        reason: 'pos.cegid (pos) is more recent than associate (associate)',
      }),
    ]);
    expect(state.effective['sizes.shoes']?.value).toBe('38.5');
    // the record's business time is the event's occurredAt
    expect(events[0]?.occurredAt).toBe('2026-05-01T10:00:00+02:00');
  });

  it('given an associate-entered size, when an older POS record arrives late, then the size stays', () => {
    const { events: history } = run([associateName]);
    const { events } = given(profileDecider, history).when(
      record([{ field: 'sizes.shoes', value: '37' }], '2026-02-01T10:00:00+01:00'),
    );
    expect(events).toEqual([]);
  });

  it('given a POS value, when an associate writes the field, then the associate wins (outranks)', () => {
    const { events: history } = run([
      record([{ field: 'salutation', value: 'Mme' }], '2026-05-01T10:00:00Z'),
    ]);
    const { events } = given(profileDecider, history).when(
      associateWrites([{ field: 'salutation', value: 'Dr' }], '2026-05-02T10:00:00Z'),
    );
    expect(changesOf(events)[0]).toMatchObject({
      value: 'Dr',
      policy: { id: 'survivorship.source-priority' },
      reason: 'associate (associate) outranks pos.cegid (pos)',
    });
  });

  it("given a steward's value, when POS, e-commerce and associates write it, then it is never overwritten", () => {
    const { events: history } = run([
      associateWrites([{ field: 'sizes.ring', value: '52' }], '2026-03-01T10:00:00Z', 'steward'),
    ]);
    expect(
      given(profileDecider, history).when(
        record([{ field: 'sizes.ring', value: '54' }], '2027-01-01T10:00:00Z'),
      ).events,
    ).toEqual([]);
    expect(
      given(profileDecider, history).when(
        record(
          [{ field: 'sizes.ring', value: '54' }],
          '2027-01-01T10:00:00Z',
          'shopify',
          'ecommerce',
        ),
      ).events,
    ).toEqual([]);
    expect(() =>
      given(profileDecider, history).when(
        associateWrites([{ field: 'sizes.ring', value: '50' }], '2027-01-01T10:00:00Z'),
      ),
    ).toThrow(ConflictError);
    // another steward may change it
    const { events } = given(profileDecider, history).when(
      associateWrites([{ field: 'sizes.ring', value: '53' }], '2027-01-01T10:00:00Z', 'steward'),
    );
    expect(changesOf(events)[0]).toMatchObject({
      value: '53',
      policy: { id: 'survivorship.steward' },
    });
  });

  it('property: whatever non-steward sources write afterwards, a steward value stands', () => {
    const kinds = fc.constantFrom<ProfileSourceKind>(
      'associate',
      'pos',
      'ecommerce',
      'loyalty',
      'import',
    );
    const write = fc.record({
      kind: kinds,
      field: fc.constantFrom('sizes.shoes', 'name.latin', 'languages'),
      at: fc.date({
        min: new Date('2020-01-01'),
        max: new Date('2030-01-01'),
        noInvalidDate: true,
      }),
    });
    fc.assert(
      fc.property(fc.array(write, { maxLength: 12 }), (writes) => {
        const values: Record<string, unknown> = {
          'sizes.shoes': '41',
          'name.latin': { given: 'Kim', family: 'Min-jun' },
          languages: ['ko'],
        };
        const { events: history } = run([
          associateWrites(
            Object.entries(values).map(([field, value]) => ({ field, value })),
            '2026-01-01T00:00:00Z',
            'steward',
          ),
        ]);
        let events = history;
        for (const w of writes) {
          const value =
            w.field === 'languages' ? ['en'] : w.field === 'name.latin' ? { full: 'X' } : '40';
          const command =
            w.kind === 'associate'
              ? associateWrites([{ field: w.field, value }], w.at.toISOString())
              : record([{ field: w.field, value }], w.at.toISOString(), `${w.kind}.sys`, w.kind);
          try {
            events = [...events, ...given(profileDecider, events).when(command).events];
          } catch (error) {
            if (!(error instanceof ConflictError)) throw error;
          }
        }
        const state = given(profileDecider, events).state;
        for (const [field, value] of Object.entries(values))
          expect(state.effective[field]?.value).toEqual(value);
      }),
    );
  });

  it('refuses invalid values and unknown fields with a pointer per problem, never quoting the value', () => {
    expect.assertions(3);
    try {
      given(profileDecider, []).when(
        associateWrites(
          [
            { field: 'birthday', value: { day: 30, month: 2 } },
            { field: 'shoeSize', value: '40' },
            { field: 'timeZone', value: 'Mars/Olympus_Mons' },
          ],
          '2026-03-01T10:00:00Z',
        ),
      );
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors.map((e) => e.pointer)).toEqual([
        '/fields/birthday',
        '/fields/shoeSize',
        '/fields/timeZone',
      ]);
      expect(JSON.stringify((error as ValidationError).errors)).not.toContain('Olympus');
    }
  });

  it('property: arbitrary input values never escape as anything but a ValidationError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'birthday',
          'name.native',
          'languages',
          'sizes.shoes',
          'communication.hours',
          'x',
        ),
        fc.anything(),
        (field, value) => {
          try {
            given(profileDecider, []).when(
              associateWrites([{ field, value }], '2026-03-01T10:00:00Z'),
            );
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
          }
        },
      ),
    );
  });

  it('applies a record once, however often it is redelivered', () => {
    const command = record(
      [{ field: 'languages', value: ['zh-Hans', 'en'] }],
      '2026-05-01T10:00:00Z',
    );
    const { events: history } = run([command]);
    expect(changesOf(history)).toHaveLength(1);
    expect(given(profileDecider, history).when(command).events).toEqual([]);
  });

  it('keeps names as written (NFC), in every script', () => {
    const native = { given: '芳', family: '王' };
    const { state } = run([
      associateWrites(
        [
          { field: 'name.native', value: native },
          { field: 'name.latin', value: { full: 'Jose\u0301 Nun\u0303ez' } },
        ],
        '2026-03-01T10:00:00Z',
      ),
    ]);
    expect(state.effective['name.native']?.value).toEqual(native);
    expect(state.effective['name.latin']?.value).toEqual({ full: 'José Nuñez'.normalize('NFC') });
  });
});

describe('profile decider: merge and unmerge', () => {
  const mergeId = '6a1c1f7e-1f0e-4c3b-9a55-6f3f0a4f1d21';
  const survivorHistory = () =>
    run([
      associateWrites(
        [
          { field: 'name.latin', value: { given: 'Layla', family: 'Haddad' } },
          { field: 'languages', value: ['ar'] },
        ],
        '2026-01-10T10:00:00+04:00',
      ),
      record([{ field: 'sizes.shoes', value: '39' }], '2026-01-11T10:00:00+04:00'),
    ]);
  const absorbedFields = {
    'name.latin': {
      value: { given: 'Leila', family: 'Haddad' },
      source: 'shopify',
      sourceKind: 'ecommerce',
      at: '2026-02-01T10:00:00Z',
    },
    'sizes.shoes': {
      value: '39.5',
      source: 'shopify',
      sourceKind: 'ecommerce',
      at: '2026-02-01T10:00:00Z',
    },
    'preferences.colours': {
      value: ['noir', 'or'],
      source: 'shopify',
      sourceKind: 'ecommerce',
      at: '2026-02-01T10:00:00Z',
    },
  } as const;
  const merge: ProfileCommand = {
    type: 'MergeProfiles',
    clientId: C,
    policy,
    meta: testMeta('2026-03-01T10:00:00Z', 'merge', 'steward-1'),
    mergeId,
    mergedIds: ['client-2'],
    absorbed: [{ clientId: 'client-2', fields: absorbedFields }],
  };
  const revert: ProfileCommand = {
    type: 'RevertProfileMerge',
    clientId: C,
    policy,
    meta: testMeta('2026-03-05T10:00:00Z', 'revert', 'steward-1'),
    mergeId,
    restoredClientId: 'client-2',
  };

  it('merges under the policy: the associate name stays, the newer size and the new colours come in', () => {
    const { events: history } = survivorHistory();
    const { events, state } = given(profileDecider, history).when(merge);
    expect(events.map((e) => e.type)).toEqual(['ProfilesMerged', 'ProfileUpdated']);
    expect(changesOf(events).map((c) => [c.field, c.value, c.mergeId])).toEqual([
      ['sizes.shoes', '39.5', mergeId],
      ['preferences.colours', ['noir', 'or'], mergeId],
    ]);
    expect(state.effective['name.latin']?.value).toEqual({ given: 'Layla', family: 'Haddad' });
    expect(given(profileDecider, [...history, ...events]).when(merge).events).toEqual([]);
  });

  it('unmerge restores the survivor field by field, value and provenance', () => {
    const { events: history, state: before } = survivorHistory();
    const merged = given(profileDecider, history).when(merge);
    const { events, state } = given(profileDecider, [...history, ...merged.events]).when(revert);
    expect(events.map((e) => e.type)).toEqual(['ProfileMergeReverted', 'ProfileUpdated']);
    const strip = (s: ProfileState) =>
      Object.fromEntries(
        Object.entries(s.effective).map(([k, v]) => [
          k,
          {
            value: v.value,
            source: v.source,
            sourceKind: v.sourceKind,
            at: v.at,
            policy: v.policy,
            reason: v.reason,
          },
        ]),
      );
    expect(strip(state)).toEqual(strip(before));
    expect(state.layers).toEqual([]);
  });

  it('unmerge keeps what was written to the survivor after the merge', () => {
    const { events: history } = survivorHistory();
    const { events } = run(
      [
        merge,
        associateWrites(
          [{ field: 'preferences.colours', value: ['bleu'] }],
          '2026-03-02T10:00:00Z',
        ),
        revert,
      ],
      history,
    );
    const state = given(profileDecider, events).state;
    expect(state.effective['preferences.colours']?.value).toEqual(['bleu']);
    expect(state.effective['sizes.shoes']?.value).toBe('39');
  });

  it('property: merge then unmerge is the identity on the survivor, for any two profiles', () => {
    const kind = fc.constantFrom<ProfileSourceKind>(
      'steward',
      'associate',
      'pos',
      'ecommerce',
      'import',
    );
    const candidate = fc.record({
      value: fc.constantFrom('36', '37', '38'),
      kind,
      at: fc.date({
        min: new Date('2020-01-01'),
        max: new Date('2030-01-01'),
        noInvalidDate: true,
      }),
    });
    const fields = ['sizes.shoes', 'sizes.ring', 'salutation', 'title'];
    const profile = fc.dictionary(fc.constantFrom(...fields), candidate);
    fc.assert(
      fc.property(profile, profile, (mine, theirs) => {
        const history: EventEnvelope[] = [];
        for (const [field, c] of Object.entries(mine)) {
          const cmd =
            c.kind === 'steward' || c.kind === 'associate'
              ? associateWrites([{ field, value: c.value }], c.at.toISOString(), c.kind)
              : record([{ field, value: c.value }], c.at.toISOString(), `${c.kind}.x`, c.kind);
          history.push(...given(profileDecider, history).when(cmd).events);
        }
        const before = given(profileDecider, history).state;
        const absorbed = Object.fromEntries(
          Object.entries(theirs).map(([f, c]) => [
            f,
            { value: c.value, source: `${c.kind}.y`, sourceKind: c.kind, at: c.at.toISOString() },
          ]),
        );
        const m = given(profileDecider, history).when({
          ...merge,
          absorbed: [{ clientId: 'client-2', fields: absorbed }],
        });
        const r = given(profileDecider, [...history, ...m.events]).when(revert);
        const pick = (s: ProfileState) =>
          Object.fromEntries(
            Object.entries(s.effective).map(([k, v]) => [
              k,
              [v.value, v.source, v.sourceKind, v.at, v.policy, v.reason],
            ]),
          );
        expect(pick(r.state)).toEqual(pick(before));
      }),
    );
  });
});

describe('profile decider: notes', () => {
  const note = (text: string): ProfileCommand => ({
    type: 'AddProfileNote',
    clientId: C,
    policy,
    meta: testMeta('2026-03-01T10:00:00Z', 'note'),
    noteId: '3b7e3a4c-0d3b-4a8e-8e43-3f5f7d8c1a11',
    authorId: 'assoc-1',
    storeId: 'PAR-01',
    visibility: 'store',
    text,
  });

  it('adds a note once and refuses an empty one', () => {
    const { events } = given(profileDecider, []).when(
      note('Prefers fittings on Saturday morning.'),
    );
    expect(events[0]).toMatchObject({
      type: 'ProfileNoteAdded',
      subjectId: C,
      data: { authorId: 'assoc-1', storeId: 'PAR-01', visibility: 'store' },
    });
    expect(given(profileDecider, events).when(note('again')).events).toEqual([]);
    expect(() => given(profileDecider, []).when(note('   '))).toThrow(ValidationError);
  });
});
