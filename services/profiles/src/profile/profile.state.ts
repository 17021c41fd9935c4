import type { EventEnvelope, RuleRef } from '@maison/event-contracts';
import type { Candidate } from './survivorship.js';
import {
  ProfileMergeReverted,
  ProfileNoteAdded,
  ProfilesMerged,
  ProfileUpdated,
  type ProfileMergeRevertedData,
  type ProfileNoteAddedData,
  type ProfilesMergedData,
  type ProfileUpdatedData,
} from './profile.events.js';
import type { JsonValue } from './profile.fields.js';

/** A field's value with what survivorship needs to judge the next write, and why it won. */
export interface FieldValue extends Candidate {
  readonly policy: RuleRef;
  readonly reason: string;
  readonly recordId?: string;
  /** Set when the value is effective because of that merge (it is not the client's own). */
  readonly mergeId?: string;
}

/** What one absorbed client brought in one merge: its values as they were at the merge. */
export interface ProfileLayer {
  readonly mergeId: string;
  readonly clientId: string;
  readonly fields: Readonly<Record<string, Candidate>>;
}

/**
 * One client's profile. `own` is what was written to this client; `layers` what merged clients
 * brought; `effective` is what the client shows (survivorship over own and layers, as recorded by
 * the events). Keeping them apart is what lets an unmerge restore both profiles exactly.
 */
export interface ProfileState {
  readonly clientId: string | null;
  readonly own: Readonly<Record<string, FieldValue>>;
  readonly effective: Readonly<Record<string, FieldValue>>;
  readonly layers: readonly ProfileLayer[];
  /** Customer records already applied (idempotency of redelivered records). */
  readonly records: ReadonlySet<string>;
  readonly notes: ReadonlySet<string>;
}

export function initialProfileState(): ProfileState {
  return {
    clientId: null,
    own: {},
    effective: {},
    layers: [],
    records: new Set(),
    notes: new Set(),
  };
}

function fieldValue(change: ProfileUpdatedData['changes'][number], occurredAt: string): FieldValue {
  return {
    value: change.value as JsonValue,
    source: change.source,
    sourceKind: change.sourceKind ?? 'import',
    at: change.at ?? occurredAt,
    policy: change.policy,
    reason: change.reason,
    ...(change.recordId === undefined ? {} : { recordId: change.recordId }),
    ...(change.mergeId === undefined ? {} : { mergeId: change.mergeId }),
  };
}

export function evolveProfile(state: ProfileState, event: EventEnvelope): ProfileState {
  switch (event.type) {
    case ProfileUpdated.type: {
      const data = event.data as ProfileUpdatedData;
      const own = new Map(Object.entries(state.own));
      const effective = new Map(Object.entries(state.effective));
      let records = state.records;
      for (const change of data.changes) {
        const value = fieldValue(change, event.occurredAt);
        if (change.mergeId !== undefined) {
          // merge/unmerge: the effective value only; null = no candidate left
          if (change.value === null) effective.delete(change.field);
          else effective.set(change.field, value);
        } else {
          own.set(change.field, value);
          effective.set(change.field, value);
        }
        if (change.recordId !== undefined && !records.has(change.recordId))
          records = new Set([...records, change.recordId]);
      }
      return {
        ...state,
        clientId: data.clientId,
        own: Object.fromEntries(own),
        effective: Object.fromEntries(effective),
        records,
      };
    }
    case ProfileNoteAdded.type: {
      const data = event.data as ProfileNoteAddedData;
      return { ...state, clientId: data.clientId, notes: new Set([...state.notes, data.noteId]) };
    }
    case ProfilesMerged.type: {
      const data = event.data as ProfilesMergedData;
      const layers = data.absorbed.map((a): ProfileLayer => ({
        mergeId: data.mergeId,
        clientId: a.clientId,
        fields: Object.fromEntries(
          a.fields.map((f) => [
            f.field,
            { value: f.value as JsonValue, source: f.source, sourceKind: f.sourceKind, at: f.at },
          ]),
        ),
      }));
      return { ...state, clientId: data.clientId, layers: [...state.layers, ...layers] };
    }
    case ProfileMergeReverted.type: {
      const data = event.data as ProfileMergeRevertedData;
      return {
        ...state,
        layers: state.layers.filter(
          (l) => !(l.mergeId === data.mergeId && l.clientId === data.restoredClientId),
        ),
      };
    }
    default:
      return state;
  }
}
