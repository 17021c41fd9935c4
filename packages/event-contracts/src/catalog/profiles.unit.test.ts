import { describe, expect, it } from '@jest/globals';
import { newEventId } from '../ids.js';
import { profileIngestRecord } from '../ingest/profiles.js';
import {
  ClientBookAssigned,
  ClientBookReassignmentRequested,
  ProfileNoteAdded,
  ProfilesMerged,
  ProfileUpdated,
  catalogRegistry,
} from './index.js';

function envelope(type: string, data: unknown) {
  const id = newEventId();
  return {
    id,
    type,
    schemaVersion: 1,
    streamId: 'profiles-c-1',
    subjectId: 'c-1',
    occurredAt: '2026-03-02T10:00:00+01:00',
    recordedAt: '2026-03-02T09:00:01Z',
    region: 'EU',
    source: { system: 'profiles', actor: 'assoc-1' },
    correlationId: id,
    causationId: null,
    data,
  };
}

describe('profiles.events.v1 additions', () => {
  const registry = catalogRegistry();

  it('keeps ProfileUpdated v1 data valid and accepts the optional survivorship details', () => {
    const base = {
      clientId: 'c-1',
      changes: [
        {
          field: 'name.latin',
          value: { given: 'Fang', family: 'Wang' },
          source: 'associate',
          policy: { id: 'survivorship.source-priority', version: '2026-03' },
          reason: 'first value',
        },
      ],
    };
    expect(() => registry.validate(envelope(ProfileUpdated.type, base))).not.toThrow();
    const detailed = {
      ...base,
      changes: [
        {
          ...base.changes[0],
          sourceKind: 'associate',
          at: '2026-03-02T10:00:00+01:00',
          mergeId: newEventId(),
          recordId: newEventId(),
        },
      ],
    };
    expect(registry.validate(envelope(ProfileUpdated.type, detailed)).data).toEqual(detailed);
    expect(() =>
      registry.validate(
        envelope(ProfileUpdated.type, {
          ...base,
          changes: [{ ...base.changes[0], sourceKind: 'fax' }],
        }),
      ),
    ).toThrow(/sourceKind/);
  });

  it('declares the PII of notes and merged profiles', () => {
    expect(ProfileNoteAdded.pii).toEqual(['text']);
    expect(ProfilesMerged.pii).toEqual(['absorbed.*.fields.*.value']);
    expect(ClientBookReassignmentRequested.pii).toEqual([]);
  });

  it('keeps ClientBookAssigned v1 valid and takes the optional audit references', () => {
    const data = {
      clientId: 'c-1',
      role: 'primary',
      associateId: 'assoc-2',
      storeId: 'PAR-01',
      previousAssociateId: 'assoc-1',
      assignedBy: 'manager-1',
      policy: null,
      since: '2026-03-02T10:00:00+01:00',
    };
    expect(() => registry.validate(envelope(ClientBookAssigned.type, data))).not.toThrow();
    expect(() =>
      registry.validate(
        envelope(ClientBookAssigned.type, {
          ...data,
          reassignmentId: newEventId(),
          reason: 'associate left',
        }),
      ),
    ).not.toThrow();
  });

  it('accepts the optional ingest fields and refuses a malformed time zone', () => {
    const record = {
      sourceSystem: 'pos.cegid',
      sourceRecordId: 'C-1',
      occurredAt: '2026-03-02T10:00:00+01:00',
      region: 'EU',
      customer: [{ type: 'email', value: 'a@example.com' }],
      fields: { timeZone: 'Asia/Tokyo', preferences: { colours: ['noir'] } },
    };
    expect(profileIngestRecord.safeParse(record).success).toBe(true);
    expect(
      profileIngestRecord.safeParse({ ...record, fields: { timeZone: '../../etc' } }).success,
    ).toBe(false);
  });
});
