import type { ProfileSourceKind, Region, RuleRef } from '@maison/event-contracts';
import { REGION_TIME_ZONES, type StoreInfo } from '../config.js';
import type { Occasion } from '../occasions/occasions.js';
import type { JsonValue } from '../profile/profile.fields.js';
import type { FieldValue } from '../profile/profile.state.js';
import { foldForSearch, searchTokens } from '../text/name-search.js';

/** A field as the read model keeps it: the value and its provenance. */
export interface StoredField {
  readonly value: JsonValue;
  readonly source: string;
  readonly sourceKind: ProfileSourceKind;
  readonly at: string;
  readonly policy: RuleRef;
  readonly reason: string;
}

/** The effective fields of a client, by field key. */
export type ProfileDocument = Readonly<Record<string, StoredField>>;

export function documentOf(effective: Readonly<Record<string, FieldValue>>): ProfileDocument {
  const out: Record<string, StoredField> = {};
  for (const [field, v] of Object.entries(effective)) {
    if (v.value === null) continue;
    out[field] = {
      value: v.value,
      source: v.source,
      sourceKind: v.sourceKind,
      at: v.at,
      policy: v.policy,
      reason: v.reason,
    };
  }
  return out;
}

interface NameParts {
  readonly given?: string;
  readonly family?: string;
  readonly full?: string;
}

const isObject = (v: JsonValue | undefined): v is Readonly<Record<string, JsonValue>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function nameParts(
  doc: ProfileDocument,
  field: 'name.native' | 'name.latin',
): NameParts | undefined {
  const v = doc[field]?.value;
  if (!isObject(v)) return undefined;
  const pick = (k: string) => (typeof v[k] === 'string' ? { [k]: v[k] } : {});
  return { ...pick('given'), ...pick('family'), ...pick('full') };
}

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function joined(parts: NameParts | undefined, familyFirst: boolean): string | undefined {
  if (parts === undefined) return undefined;
  if (parts.full !== undefined) return parts.full;
  const list = familyFirst ? [parts.family, parts.given] : [parts.given, parts.family];
  const words = list.filter((w): w is string => w !== undefined);
  if (words.length === 0) return undefined;
  // 王芳, 김민준: East Asian names are written family name first, without a space
  return words.every((w) => UNSPACED.test(w)) ? words.join('') : words.join(' ');
}

export interface DerivedProfile {
  readonly displayName: string | null;
  readonly sortKey: string;
  readonly homeRegion: Region | null;
  readonly homeStoreId: string | null;
  readonly timeZone: string | null;
  readonly tokens: readonly string[];
  readonly occasions: readonly Omit<Occasion, 'clientId' | 'timeZone'>[];
}

/** What the read model indexes of a profile: names for search and sorting, home, calendar, dates. */
export function derive(
  doc: ProfileDocument,
  stores: Readonly<Record<string, StoreInfo>>,
): DerivedProfile {
  const native = nameParts(doc, 'name.native');
  const latin = nameParts(doc, 'name.latin');
  const nativeName = joined(native, true);
  const latinName = joined(latin, false);
  const displayName = latinName ?? nativeName ?? null;
  const sortSource =
    latin?.family !== undefined
      ? `${latin.family} ${latin.given ?? ''}`
      : (latinName ?? nativeName ?? '');
  const homeStoreId = typeof doc.homeStoreId?.value === 'string' ? doc.homeStoreId.value : null;
  const store = homeStoreId === null ? undefined : stores[homeStoreId];
  const homeRegion =
    (typeof doc.homeRegion?.value === 'string' ? (doc.homeRegion.value as Region) : undefined) ??
    store?.region ??
    null;
  const timeZone =
    (typeof doc.timeZone?.value === 'string' ? doc.timeZone.value : undefined) ??
    store?.timeZone ??
    (homeRegion === null ? null : REGION_TIME_ZONES[homeRegion]);
  const texts = [
    native?.given,
    native?.family,
    native?.full,
    nativeName,
    latin?.given,
    latin?.family,
    latin?.full,
    latinName,
  ].filter((t): t is string => t !== undefined);
  const occasions: Omit<Occasion, 'clientId' | 'timeZone'>[] = [];
  const b = doc.birthday?.value;
  if (isObject(b) && typeof b.day === 'number' && typeof b.month === 'number')
    occasions.push({
      kind: 'birthday',
      label: null,
      day: b.day,
      month: b.month,
      year: typeof b.year === 'number' ? b.year : null,
    });
  const dates = doc.importantDates?.value;
  if (Array.isArray(dates))
    for (const d of dates as readonly JsonValue[]) {
      if (!isObject(d) || typeof d.day !== 'number' || typeof d.month !== 'number') continue;
      occasions.push({
        kind: d.kind === 'anniversary' ? 'anniversary' : 'custom',
        label: typeof d.label === 'string' ? d.label : null,
        day: d.day,
        month: d.month,
        year: typeof d.year === 'number' ? d.year : null,
      });
    }
  return {
    displayName,
    sortKey: foldForSearch(sortSource).slice(0, 200),
    homeRegion,
    homeStoreId,
    timeZone,
    tokens: searchTokens(texts),
    occasions,
  };
}
