import type { NoteVisibility, ProfileSourceKind, Region } from '@maison/event-contracts';
import { ConflictError, ValidationError, type FieldError } from '@maison/service-kit';
import { eventOf, type CommandMeta } from '../domain/command-meta.js';
import {
  ProfileMergeReverted,
  ProfileNoteAdded,
  ProfilesMerged,
  ProfileUpdated,
  profileStream,
  type ProfileChange,
  type ProfileUpdatedData,
} from './profile.events.js';
import { parseFieldValue, sameValue, type JsonValue } from './profile.fields.js';
import {
  initialProfileState,
  evolveProfile,
  type FieldValue,
  type ProfileState,
} from './profile.state.js';
import { survive, type Candidate, type SurvivorshipPolicy } from './survivorship.js';
import type { EventEnvelope } from '@maison/event-contracts';

interface CommandBase {
  readonly clientId: string;
  readonly policy: SurvivorshipPolicy;
  readonly meta: CommandMeta;
}

export interface FieldWrite {
  readonly field: string;
  /** null clears the field. */
  readonly value: unknown;
}

/** An associate (or a steward) edits fields by hand. A write that loses is refused, with why. */
export interface UpdateProfileFields extends CommandBase {
  readonly type: 'UpdateProfileFields';
  readonly writes: readonly FieldWrite[];
  /** `associate` for associates and managers, `steward` for data stewards (locks the value). */
  readonly sourceKind: Extract<ProfileSourceKind, 'associate' | 'steward'>;
}

/** A source record identity attributed to this client: its fields compete under the policy. */
export interface ApplyCustomerRecord extends CommandBase {
  readonly type: 'ApplyCustomerRecord';
  readonly recordId: string;
  readonly sourceSystem: string;
  readonly sourceKind: ProfileSourceKind;
  /** When the source changed the record. */
  readonly occurredAt: string;
  readonly writes: readonly FieldWrite[];
}

export interface AddProfileNote extends CommandBase {
  readonly type: 'AddProfileNote';
  readonly noteId: string;
  readonly authorId: string;
  readonly storeId: string | null;
  readonly visibility: NoteVisibility;
  readonly text: string;
}

/** Identity merged `absorbed` into this client: their values compete with the survivor's. */
export interface MergeProfiles extends CommandBase {
  readonly type: 'MergeProfiles';
  readonly mergeId: string;
  readonly mergedIds: readonly string[];
  readonly absorbed: readonly {
    readonly clientId: string;
    readonly fields: Readonly<Record<string, Candidate>>;
  }[];
}

/** Identity undid a merge: the survivor drops what the restored client brought. */
export interface RevertProfileMerge extends CommandBase {
  readonly type: 'RevertProfileMerge';
  readonly mergeId: string;
  readonly restoredClientId: string;
}

export type ProfileCommand =
  UpdateProfileFields | ApplyCustomerRecord | AddProfileNote | MergeProfiles | RevertProfileMerge;

export const NOTE_MAX_LENGTH = 4000;

function stream(clientId: string) {
  return { streamId: profileStream(clientId), subjectId: clientId };
}

/** Non-PII copies of the home region and store, for consumers that need them without decrypting. */
function homeOf(
  changes: readonly ProfileChange[],
): Pick<ProfileUpdatedData, 'homeRegion' | 'homeStoreId'> {
  const region = changes.findLast((c) => c.field === 'homeRegion');
  const store = changes.findLast((c) => c.field === 'homeStoreId');
  return {
    ...(region ? { homeRegion: (region.value as Region | null) ?? null } : {}),
    ...(store ? { homeStoreId: (store.value as string | null) ?? null } : {}),
  };
}

function updated(
  command: CommandBase,
  index: number,
  changes: readonly ProfileChange[],
  occurredAt?: string,
): EventEnvelope {
  return eventOf(
    command.meta,
    index,
    ProfileUpdated.type,
    stream(command.clientId),
    { clientId: command.clientId, changes: [...changes], ...homeOf(changes) },
    occurredAt,
  );
}

function change(
  field: string,
  candidate: Candidate,
  verdict: { policy: FieldValue['policy']; reason: string },
  extra: { recordId?: string; mergeId?: string } = {},
): ProfileChange {
  return {
    field,
    value: candidate.value,
    source: candidate.source,
    policy: verdict.policy,
    reason: verdict.reason.slice(0, 300),
    sourceKind: candidate.sourceKind,
    at: candidate.at,
    ...extra,
  };
}

function parseWrites(writes: readonly FieldWrite[]): { field: string; value: JsonValue }[] {
  const errors: FieldError[] = [];
  const parsed: { field: string; value: JsonValue }[] = [];
  const seen = new Set<string>();
  for (const w of writes) {
    if (seen.has(w.field)) {
      errors.push({ pointer: `/fields/${w.field}`, detail: 'is given twice' });
      continue;
    }
    seen.add(w.field);
    const result = parseFieldValue(w.field, w.value);
    if (result.ok) parsed.push({ field: w.field, value: result.value });
    else
      for (const i of result.issues)
        errors.push({ pointer: `/fields/${i.field}`, detail: i.message });
  }
  if (errors.length > 0) throw new ValidationError('Some profile fields are invalid.', errors);
  if (parsed.length === 0)
    throw new ValidationError('No field to update.', [{ pointer: '/fields', detail: 'is empty' }]);
  return parsed;
}

/** Each write against the effective value: the winners, and the losers with the reason. */
function judge(
  state: ProfileState,
  policy: SurvivorshipPolicy,
  writes: readonly { field: string; value: JsonValue }[],
  meta: Omit<Candidate, 'value'>,
  recordId?: string,
): { changes: ProfileChange[]; lost: { field: string; reason: string }[] } {
  const changes: ProfileChange[] = [];
  const lost: { field: string; reason: string }[] = [];
  for (const w of writes) {
    const current = state.effective[w.field];
    const incoming: Candidate = { ...meta, value: w.value };
    const verdict = survive(policy, w.field, current, incoming);
    if (!verdict.wins) {
      lost.push({ field: w.field, reason: verdict.reason });
      continue;
    }
    // The same value again changes nothing visible: no event, the history stays readable.
    if (
      current !== undefined &&
      sameValue(current.value, w.value) &&
      current.sourceKind === incoming.sourceKind
    )
      continue;
    changes.push(change(w.field, incoming, verdict, recordId === undefined ? {} : { recordId }));
  }
  return { changes, lost };
}

export function decideProfile(command: ProfileCommand, state: ProfileState): EventEnvelope[] {
  switch (command.type) {
    case 'UpdateProfileFields': {
      const writes = parseWrites(command.writes);
      const { changes, lost } = judge(state, command.policy, writes, {
        source: command.sourceKind,
        sourceKind: command.sourceKind,
        at: command.meta.now,
      });
      if (lost.length > 0) {
        throw new ConflictError(
          `Not updated: ${lost.map((l) => `${l.field} (${l.reason})`).join('; ')}`.slice(0, 500),
        );
      }
      return changes.length === 0 ? [] : [updated(command, 0, changes)];
    }
    case 'ApplyCustomerRecord': {
      if (state.records.has(command.recordId)) return [];
      // Records were validated at the edge; a value the profile cannot hold is skipped, not fatal.
      const writes = command.writes.flatMap((w) => {
        const parsed = parseFieldValue(w.field, w.value);
        return parsed.ok ? [{ field: w.field, value: parsed.value }] : [];
      });
      const { changes } = judge(
        state,
        command.policy,
        writes,
        { source: command.sourceSystem, sourceKind: command.sourceKind, at: command.occurredAt },
        command.recordId,
      );
      return changes.length === 0 ? [] : [updated(command, 0, changes, command.occurredAt)];
    }
    case 'AddProfileNote': {
      if (state.notes.has(command.noteId)) return [];
      const text = command.text.normalize('NFC').trim();
      if (text.length === 0 || text.length > NOTE_MAX_LENGTH)
        throw new ValidationError('The note is empty or too long.', [
          { pointer: '/text', detail: `must be 1 to ${String(NOTE_MAX_LENGTH)} characters` },
        ]);
      return [
        eventOf(command.meta, 0, ProfileNoteAdded.type, stream(command.clientId), {
          clientId: command.clientId,
          noteId: command.noteId,
          authorId: command.authorId,
          storeId: command.storeId,
          visibility: command.visibility,
          text,
        }),
      ];
    }
    case 'MergeProfiles': {
      if (state.layers.some((l) => l.mergeId === command.mergeId)) return [];
      const absorbed = command.absorbed.map((a) => ({
        clientId: a.clientId,
        fields: Object.entries(a.fields)
          .filter(([, c]) => c.value !== null)
          .map(([field, c]) => ({
            field,
            value: c.value,
            source: c.source,
            sourceKind: c.sourceKind,
            at: c.at,
          })),
      }));
      // Survivorship over the survivor's effective values and each absorbed profile, in order.
      let effective: Record<string, Candidate> = { ...state.effective };
      const winners = new Map<string, ProfileChange>();
      for (const a of absorbed) {
        for (const f of a.fields) {
          const verdict = survive(command.policy, f.field, effective[f.field], f);
          if (!verdict.wins || sameValue(effective[f.field]?.value, f.value)) continue;
          effective = { ...effective, [f.field]: f };
          winners.set(
            f.field,
            change(
              f.field,
              f,
              { policy: verdict.policy, reason: `merge of ${a.clientId}: ${verdict.reason}` },
              {
                mergeId: command.mergeId,
              },
            ),
          );
        }
      }
      const merged = eventOf(command.meta, 0, ProfilesMerged.type, stream(command.clientId), {
        clientId: command.clientId,
        mergeId: command.mergeId,
        mergedIds: [...command.mergedIds],
        absorbed,
      });
      return winners.size === 0 ? [merged] : [merged, updated(command, 1, [...winners.values()])];
    }
    case 'RevertProfileMerge': {
      const layer = state.layers.find(
        (l) => l.mergeId === command.mergeId && l.clientId === command.restoredClientId,
      );
      if (layer === undefined) return [];
      const remaining = state.layers.filter((l) => l !== layer);
      const changes: ProfileChange[] = [];
      for (const field of Object.keys(layer.fields)) {
        // What the field would be without this layer: own value first, then the other layers.
        let winner:
          { candidate: Candidate; policy: FieldValue['policy']; reason: string } | undefined;
        const own = state.own[field];
        if (own !== undefined) winner = { candidate: own, policy: own.policy, reason: own.reason };
        for (const l of remaining) {
          const c = l.fields[field];
          if (c === undefined) continue;
          const verdict = survive(command.policy, field, winner?.candidate, c);
          if (verdict.wins)
            winner = { candidate: c, policy: verdict.policy, reason: verdict.reason };
        }
        const current = state.effective[field];
        const policy = { id: 'survivorship.unmerge', version: command.policy.version };
        if (winner === undefined) {
          if (current !== undefined)
            changes.push({
              field,
              value: null,
              source: 'profiles',
              policy,
              reason: `unmerge of ${command.restoredClientId}: the value came with it only`,
              sourceKind: current.sourceKind,
              at: current.at,
              mergeId: command.mergeId,
            });
          continue;
        }
        const w = winner.candidate;
        if (
          current !== undefined &&
          sameValue(current.value, w.value) &&
          current.source === w.source &&
          current.sourceKind === w.sourceKind &&
          current.at === w.at
        )
          continue;
        changes.push(
          change(
            field,
            w,
            // The value wins again for the reason it first won; mergeId marks the unmerge.
            { policy: winner.policy, reason: winner.reason },
            {
              mergeId: command.mergeId,
              ...(own !== undefined && w === own && own.recordId !== undefined
                ? { recordId: own.recordId }
                : {}),
            },
          ),
        );
      }
      const reverted = eventOf(
        command.meta,
        0,
        ProfileMergeReverted.type,
        stream(command.clientId),
        {
          clientId: command.clientId,
          mergeId: command.mergeId,
          restoredClientId: command.restoredClientId,
        },
      );
      return changes.length === 0 ? [reverted] : [reverted, updated(command, 1, changes)];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const profileDecider = {
  initialState: initialProfileState,
  evolve: evolveProfile,
  decide: decideProfile,
};
