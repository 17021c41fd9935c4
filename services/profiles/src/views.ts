import type { ProfileSourceKind } from '@maison/event-contracts';
import type { JsonValue } from './profile/profile.fields.js';
import { nameParts, type ProfileDocument } from './projections/profile-document.js';
import type {
  AssignmentRow,
  BookStoreRow,
  HistoryRow,
  NoteRow,
  ReassignmentRow,
} from './queries/read-model.queries.js';
import { derive } from './projections/profile-document.js';
import type { StoreInfo } from './config.js';

/** What a caller may see of a profile, decided once per request. */
export interface Visibility {
  readonly restricted: boolean;
  readonly provenance: boolean;
}

export interface ProfileView {
  readonly clientId: string;
  readonly displayName: string | null;
  readonly name: {
    readonly native: { given?: string; family?: string; full?: string } | null;
    readonly latin: { given?: string; family?: string; full?: string } | null;
  };
  readonly salutation: string | null;
  readonly title: string | null;
  readonly languages: readonly string[];
  readonly homeRegion: string | null;
  readonly homeStoreId: string | null;
  readonly country: string | null;
  readonly timeZone: string | null;
  readonly birthday: { day: number; month: number; year?: number } | null;
  readonly importantDates: readonly {
    kind: string;
    label?: string;
    day: number;
    month: number;
    year?: number;
  }[];
  readonly sizes: readonly { category: string; value: string }[];
  readonly preferences: {
    colours: readonly string[];
    materials: readonly string[];
    categories: readonly string[];
    collections: readonly string[];
  };
  readonly communication: {
    preferredChannel: string | null;
    hours: { from: string; to: string; days?: number[] } | null;
  };
  /** Absent when hidden (see `hidden`). */
  readonly vipFlags?: readonly string[];
  readonly provenance?: readonly {
    field: string;
    source: string;
    sourceKind: ProfileSourceKind;
    at: string;
    rule: string;
    ruleVersion: string;
    reason: string;
  }[];
  /** What this caller may not see. */
  readonly hidden: readonly string[];
  readonly updatedAt: string | null;
}

const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const strings = (v: JsonValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const obj = (v: JsonValue | undefined): Readonly<Record<string, JsonValue>> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Readonly<Record<string, JsonValue>>)
    : undefined;

export function profileView(
  clientId: string,
  doc: ProfileDocument,
  visibility: Visibility,
  stores: Readonly<Record<string, StoreInfo>>,
  updatedAt: string | null,
): ProfileView {
  const derived = derive(doc, stores);
  const hidden: string[] = [];
  const b = obj(doc.birthday?.value);
  let birthday: ProfileView['birthday'] = null;
  if (b && typeof b.day === 'number' && typeof b.month === 'number') {
    birthday = { day: b.day, month: b.month };
    if (typeof b.year === 'number') {
      if (visibility.restricted) birthday = { ...birthday, year: b.year };
      else hidden.push('birthday.year');
    }
  }
  const dates = (
    Array.isArray(doc.importantDates?.value)
      ? (doc.importantDates.value as readonly JsonValue[])
      : []
  )
    .map(obj)
    .filter(
      (d): d is Readonly<Record<string, JsonValue>> =>
        d !== undefined && typeof d.day === 'number' && typeof d.month === 'number',
    )
    .map((d) => ({
      kind: str(d.kind) ?? 'custom',
      ...(typeof d.label === 'string' ? { label: d.label } : {}),
      day: d.day as number,
      month: d.month as number,
      ...(typeof d.year === 'number' ? { year: d.year } : {}),
    }));
  const sizes = Object.entries(doc)
    .filter(([k, v]) => k.startsWith('sizes.') && typeof v.value === 'string')
    .map(([k, v]) => ({ category: k.slice('sizes.'.length), value: v.value as string }))
    .sort((a, z) => a.category.localeCompare(z.category));
  const hours = obj(doc['communication.hours']?.value);
  if (!visibility.restricted && doc.vipFlags !== undefined) hidden.push('vipFlags');
  if (!visibility.provenance) hidden.push('provenance');
  return {
    clientId,
    displayName: derived.displayName,
    name: {
      native: nameParts(doc, 'name.native') ?? null,
      latin: nameParts(doc, 'name.latin') ?? null,
    },
    salutation: str(doc.salutation?.value),
    title: str(doc.title?.value),
    languages: strings(doc.languages?.value),
    homeRegion: derived.homeRegion,
    homeStoreId: derived.homeStoreId,
    country: str(doc.country?.value),
    timeZone: derived.timeZone,
    birthday,
    importantDates: dates,
    sizes,
    preferences: {
      colours: strings(doc['preferences.colours']?.value),
      materials: strings(doc['preferences.materials']?.value),
      categories: strings(doc['preferences.categories']?.value),
      collections: strings(doc['preferences.collections']?.value),
    },
    communication: {
      preferredChannel: str(doc['communication.channel']?.value),
      hours:
        hours && typeof hours.from === 'string' && typeof hours.to === 'string'
          ? {
              from: hours.from,
              to: hours.to,
              ...(Array.isArray(hours.days) ? { days: hours.days as number[] } : {}),
            }
          : null,
    },
    ...(visibility.restricted ? { vipFlags: strings(doc.vipFlags?.value) } : {}),
    ...(visibility.provenance
      ? {
          provenance: Object.entries(doc)
            .map(([field, v]) => ({
              field,
              source: v.source,
              sourceKind: v.sourceKind,
              at: v.at,
              rule: v.policy.id,
              ruleVersion: v.policy.version,
              reason: v.reason,
            }))
            .sort((a, z) => a.field.localeCompare(z.field)),
        }
      : {}),
    hidden,
    updatedAt,
  };
}

export interface BookOwnerView {
  readonly associateId: string;
  readonly storeId: string;
  readonly since: string;
  readonly assignedBy: string;
  readonly policy: string | null;
}

export interface ClientBookView {
  readonly clientId: string;
  readonly primary: BookOwnerView | null;
  readonly secondary: readonly BookOwnerView[];
  readonly stores: readonly { storeId: string; since: string }[];
}

export function bookView(
  clientId: string,
  rows: readonly AssignmentRow[],
  stores: readonly BookStoreRow[],
): ClientBookView {
  const owner = (r: AssignmentRow): BookOwnerView => ({
    associateId: r.associate_id,
    storeId: r.store_id,
    since: r.since,
    assignedBy: r.assigned_by,
    policy: r.policy_id === null ? null : `${r.policy_id}@${r.policy_version ?? ''}`,
  });
  const primary = rows.find((r) => r.role === 'primary');
  return {
    clientId,
    primary: primary ? owner(primary) : null,
    secondary: rows.filter((r) => r.role === 'secondary').map(owner),
    stores: stores.map((s) => ({ storeId: s.store_id, since: s.since })),
  };
}

export function historyView(rows: readonly HistoryRow[]) {
  return rows.map((r) => ({
    eventId: r.event_id,
    at: r.at,
    change:
      {
        ClientBookAssigned: 'assigned',
        ClientBookUnassigned: 'unassigned',
        ClientBookStoreAdded: 'store_added',
        ClientBookStoreRemoved: 'store_removed',
      }[r.type] ?? 'assigned',
    role: r.role,
    associateId: r.associate_id,
    storeId: r.store_id,
    previousAssociateId: r.previous_associate_id,
    by: r.by_actor,
    policy: r.policy_id === null ? null : `${r.policy_id}@${r.policy_version ?? ''}`,
    reason: r.reason,
    reassignmentId: r.reassignment_id,
  }));
}

export function noteView(r: NoteRow) {
  return {
    id: r.note_id,
    clientId: r.client_id,
    authorId: r.author_id,
    storeId: r.store_id,
    visibility: r.visibility,
    text: r.text,
    createdAt: r.created_at,
  };
}

export function reassignmentView(r: ReassignmentRow) {
  return {
    id: r.reassignment_id,
    status: r.status === 'completed' ? 'completed' : r.status === 'pending' ? 'pending' : 'running',
    fromAssociateId: r.from_associate_id,
    toAssociateId: r.to_associate_id,
    toStoreId: r.to_store_id,
    roles: r.roles,
    requestedBy: r.requested_by,
    requestedAt: r.requested_at,
    reason: r.reason,
    total: r.total,
    moved: r.moved,
    skipped: r.skipped,
    completedAt: r.completed_at,
  };
}
