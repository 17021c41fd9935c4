import { z } from 'zod';
import { consentEvidenceInput } from '../consent/evidence.js';

/**
 * A message on `ingest.consent.v1` (plain JSON, not an event envelope; key: the source record id,
 * never PII): consent evidence from a CMP, a web form, a store system or an import. Either
 * `consent` (evidence) or `tcString` (a TCF v2.2 string); either `clientId` or `customer`
 * references (attributed through identity; held as pending until linked).
 */
const text = (max: number) => z.string().trim().min(1).max(max);

export const rawReference = z.strictObject({
  type: text(40),
  value: text(320),
  scope: text(200).nullable().optional(),
});

export const consentIngestRecord = z
  .strictObject({
    sourceSystem: text(100).regex(
      /^[a-z0-9][a-z0-9._-]*$/,
      'lowercase system name, e.g. cmp.onetrust',
    ),
    sourceRecordId: text(200),
    clientId: text(200).optional(),
    customer: z.array(rawReference).min(1).max(10).optional(),
    /** ISO 3166-1 alpha-2 for national phone numbers. */
    storeCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    consent: consentEvidenceInput.optional(),
    tcString: z.string().min(1).max(10_000).optional(),
    /** For TC strings: the site or app where the CMP ran. */
    collectionPoint: text(200).optional(),
    jurisdiction: text(10).optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.consent === undefined) === (r.tcString === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['consent'],
        message: 'exactly one of consent or tcString is required',
      });
    if (r.clientId === undefined && r.customer === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['clientId'],
        message: 'clientId or customer references are required',
      });
    if (r.tcString !== undefined && r.collectionPoint === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['collectionPoint'],
        message: 'is required with a tcString',
      });
  });
export type ConsentIngestRecord = z.infer<typeof consentIngestRecord>;
