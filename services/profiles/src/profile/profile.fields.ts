import { REGIONS, type ProfileIngestRecord } from '@maison/event-contracts';
import { z } from 'zod';

/**
 * The profile's fields, one place: each field's key, the schema its value must match, and who may
 * see it. Survivorship works field by field, so a field is the unit a source wins or loses: the
 * native name and the Latin transliteration are separate fields (a POS may know only one), every
 * size category is its own field (`sizes.shoes`), the important dates are one list.
 */

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** `standard`: whoever may read the client. `restricted`: the client's book and managers only. */
export type FieldSensitivity = 'standard' | 'restricted';

/** Text as the client writes it, in NFC (canonically equivalent to what was sent, one encoding). */
const text = (max: number) =>
  z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().min(1).max(max));

const nameParts = z
  .strictObject({
    given: text(200).optional(),
    family: text(200).optional(),
    full: text(400).optional(),
  })
  .refine((n) => n.given !== undefined || n.family !== undefined || n.full !== undefined, {
    message: 'needs at least one of given, family, full',
  });

function validDayOfMonth(day: number, month: number, year: number | undefined): boolean {
  // 29 February is a valid birthday without a year; with a year it must be a leap year.
  const days = [
    31,
    year === undefined || isLeapYear(year) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return day <= (days[month - 1] ?? 0);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const dayMonth = {
  day: z.number().int().min(1).max(31),
  month: z.number().int().min(1).max(12),
  year: z.number().int().min(1900).max(2100).optional(),
};

export const birthdaySchema = z
  .strictObject(dayMonth)
  .refine((d) => validDayOfMonth(d.day, d.month, d.year), { message: 'is not a calendar date' });

export const IMPORTANT_DATE_KINDS = ['anniversary', 'custom'] as const;

export const importantDateSchema = z
  .strictObject({
    kind: z.enum(IMPORTANT_DATE_KINDS),
    label: text(100).optional(),
    ...dayMonth,
  })
  .refine((d) => validDayOfMonth(d.day, d.month, d.year), { message: 'is not a calendar date' });

export const COMMUNICATION_CHANNELS = [
  'email',
  'sms',
  'phone',
  'whatsapp',
  'wechat',
  'kakaotalk',
  'line',
  'in_store',
] as const;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)');

export const contactHoursSchema = z.strictObject({
  from: clockTime,
  to: clockTime,
  /** ISO weekdays, 1 = Monday. Absent = every day. */
  days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
});

/** An IANA zone the runtime knows (checked with Intl; no I/O). */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, { message: 'is not an IANA time zone' });

export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const labels = z.array(text(100)).max(30);

export const SIZE_CATEGORY = /^[a-z][a-z0-9_-]{0,49}$/;
export const PREFERENCE_KINDS = ['colours', 'materials', 'categories', 'collections'] as const;

interface FieldDefinition {
  /** Outputs JSON (zod omits absent optional keys). */
  readonly schema: z.ZodType;
  readonly sensitivity: FieldSensitivity;
}

const FIELDS: Readonly<Record<string, FieldDefinition>> = {
  'name.native': { schema: nameParts, sensitivity: 'standard' },
  'name.latin': { schema: nameParts, sensitivity: 'standard' },
  salutation: { schema: text(50), sensitivity: 'standard' },
  title: { schema: text(100), sensitivity: 'standard' },
  languages: {
    schema: z
      .array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 tag'))
      .min(1)
      .max(10),
    sensitivity: 'standard',
  },
  homeRegion: { schema: z.enum(REGIONS), sensitivity: 'standard' },
  homeStoreId: { schema: text(100), sensitivity: 'standard' },
  country: {
    schema: z.string().regex(/^[A-Z]{2}$/, 'must be ISO 3166-1 alpha-2'),
    sensitivity: 'standard',
  },
  timeZone: { schema: timeZoneSchema, sensitivity: 'standard' },
  birthday: { schema: birthdaySchema, sensitivity: 'standard' },
  importantDates: { schema: z.array(importantDateSchema).max(20), sensitivity: 'standard' },
  'preferences.colours': { schema: labels, sensitivity: 'standard' },
  'preferences.materials': { schema: labels, sensitivity: 'standard' },
  'preferences.categories': { schema: labels, sensitivity: 'standard' },
  'preferences.collections': { schema: labels, sensitivity: 'standard' },
  'communication.channel': { schema: z.enum(COMMUNICATION_CHANNELS), sensitivity: 'standard' },
  'communication.hours': { schema: contactHoursSchema, sensitivity: 'standard' },
  vipFlags: {
    schema: z.array(z.string().regex(/^[a-z0-9_-]{1,40}$/)).max(20),
    sensitivity: 'restricted',
  },
};

const sizeDefinition: FieldDefinition = { schema: text(50), sensitivity: 'standard' };

/** The definition of a field key, or undefined for keys the profile does not have. */
export function fieldDefinition(field: string): FieldDefinition | undefined {
  if (field.startsWith('sizes.')) {
    return SIZE_CATEGORY.test(field.slice('sizes.'.length)) ? sizeDefinition : undefined;
  }
  return Object.hasOwn(FIELDS, field) ? FIELDS[field] : undefined;
}

export const FIELD_KEYS: readonly string[] = [...Object.keys(FIELDS), 'sizes.<category>'];

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * Validates one value for a field (`null` clears it). Returns the normalised value or the problems
 * (messages never quote the value: it is personal data).
 */
export function parseFieldValue(
  field: string,
  value: unknown,
): { ok: true; value: JsonValue } | { ok: false; issues: FieldIssue[] } {
  const definition = fieldDefinition(field);
  if (definition === undefined)
    return { ok: false, issues: [{ field, message: 'is not a profile field' }] };
  if (value === null) return { ok: true, value: null };
  const parsed = definition.schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data as JsonValue };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({
      field: [field, ...i.path.map(String)].join('/'),
      message: i.message,
    })),
  };
}

/** A size category from a source's free label: `Ready to wear` → `ready_to_wear`. */
export function sizeCategory(label: string): string | undefined {
  const key = label
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .trim()
    .replace(/[\s/]+/g, '_')
    .replace(/[^a-z0-9_-]/g, '');
  return SIZE_CATEGORY.test(key) ? key : undefined;
}

/**
 * The profile fields a source record carries, as field changes. Values the profile cannot hold
 * (an unparseable size category) are left out rather than failing the whole record.
 */
export function fieldsFromRecord(
  fields: ProfileIngestRecord['fields'],
): { field: string; value: JsonValue }[] {
  const out: { field: string; value: JsonValue }[] = [];
  const add = (field: string, value: unknown): void => {
    if (value === undefined) return;
    const parsed = parseFieldValue(field, value);
    if (parsed.ok) out.push({ field, value: parsed.value });
  };
  add('name.native', fields.name?.native);
  add('name.latin', fields.name?.latin);
  add('salutation', fields.name?.salutation);
  add('languages', fields.languages);
  add('birthday', fields.birthday);
  add('homeRegion', fields.homeRegion);
  add('homeStoreId', fields.homeStoreId);
  add('country', fields.country);
  add('timeZone', fields.timeZone);
  add('communication.channel', fields.preferredChannel);
  for (const [label, size] of Object.entries(fields.sizes ?? {})) {
    const category = sizeCategory(label);
    if (category !== undefined) add(`sizes.${category}`, size);
  }
  for (const kind of PREFERENCE_KINDS) add(`preferences.${kind}`, fields.preferences?.[kind]);
  return out;
}

/** Deep equality of JSON values (object key order does not matter). */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    const bs = b as readonly JsonValue[];
    return a.length === bs.length && a.every((x: JsonValue, i) => sameValue(x, bs[i]));
  }
  const ao = a as Readonly<Record<string, JsonValue>>;
  const bo = b as Readonly<Record<string, JsonValue>>;
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bKeys = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return keys.length === bKeys.length && keys.every((k) => sameValue(ao[k], bo[k]));
}
