import { z } from 'zod';
import { REGIONS } from '../envelope.js';

/**
 * The JSON of a message on `ingest.profiles.v1` (key: the source record id, never PII): a customer
 * record from a POS, an e-commerce platform (e.g. mapped from a Shopify `customers/*` webhook), a
 * loyalty system or an import. Brand IT produce it directly; the profiles service consumes it
 * (invalid → `ingest.profiles.v1.dlq` with a reason) and turns it into `CustomerRecordReceived`.
 * Plain JSON, not an event envelope: the edge of the platform. New fields are optional only.
 */
const text = (max: number) => z.string().trim().min(1).max(max);

export const profileIngestName = z.strictObject({
  /** As the client writes it, in its own script: 王芳, محمد, 김민준. */
  native: z
    .strictObject({
      given: text(200).optional(),
      family: text(200).optional(),
      full: text(400).optional(),
    })
    .optional(),
  /** Latin transliteration: Wang Fang, Mohammed, Kim Min-jun. */
  latin: z
    .strictObject({
      given: text(200).optional(),
      family: text(200).optional(),
      full: text(400).optional(),
    })
    .optional(),
  salutation: text(50).optional(),
});

export const profileIngestFields = z.strictObject({
  name: profileIngestName.optional(),
  /** BCP 47 tags, preferred first. */
  languages: z
    .array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/))
    .max(10)
    .optional(),
  birthday: z
    .strictObject({
      day: z.number().int().min(1).max(31),
      month: z.number().int().min(1).max(12),
      year: z.number().int().min(1900).max(2100).optional(),
    })
    .optional(),
  homeRegion: z.enum(REGIONS).optional(),
  homeStoreId: text(100).optional(),
  /** ISO 3166-1 alpha-2. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  /** e.g. { "shoes": "38", "ring": "52" }. */
  sizes: z.record(z.string().min(1).max(50), z.string().min(1).max(50)).optional(),
  preferredChannel: z
    .enum(['email', 'sms', 'phone', 'whatsapp', 'wechat', 'kakaotalk', 'line', 'in_store'])
    .optional(),
  /** IANA time zone of the client (e.g. `Asia/Tokyo`): whose calendar day birthdays fall on. */
  timeZone: z
    .string()
    .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/)
    .max(64)
    .optional(),
  /** What the client likes, as the source records it (free labels or catalogue codes). */
  preferences: z
    .strictObject({
      colours: z.array(text(100)).max(30).optional(),
      materials: z.array(text(100)).max(30).optional(),
      categories: z.array(text(100)).max(30).optional(),
      collections: z.array(text(100)).max(30).optional(),
    })
    .optional(),
});

export const profileIngestRecord = z.strictObject({
  sourceSystem: text(100),
  sourceRecordId: text(200),
  /** When the source changed the record (ISO 8601 with offset): survivorship's "most recent". */
  occurredAt: z.iso.datetime({ offset: true }),
  region: z.enum(REGIONS),
  storeId: text(100).nullable().optional(),
  /** Raw identifiers as the source holds them; normalised by the profiles service. */
  customer: z
    .array(
      z.strictObject({
        type: z.string().min(1).max(40),
        value: z.string().min(1).max(320),
        scope: z.string().min(1).max(200).nullable().optional(),
      }),
    )
    .min(1)
    .max(10),
  fields: profileIngestFields.default({}),
});
export type ProfileIngestRecord = z.infer<typeof profileIngestRecord>;
