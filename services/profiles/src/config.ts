import { REGIONS, type Region } from '@maison/event-contracts';
import { z } from 'zod';
import type { AutoAssignmentPolicy } from './client-book/client-book.decider.js';
import type { LeapDayRule } from './occasions/occasions.js';
import { isTimeZone } from './profile/profile.fields.js';
import {
  DEFAULT_SURVIVORSHIP_VERSION,
  SURVIVORSHIP_POLICIES,
  survivorshipPolicy,
  type SurvivorshipPolicy,
} from './profile/survivorship.js';

/** What the service knows of a boutique: where it is (phone numbers, calendars, residency). */
export interface StoreInfo {
  /** ISO 3166-1 alpha-2: the default country of national phone numbers captured there. */
  readonly country: string;
  readonly region: Region;
  readonly timeZone: string;
}

/** The house's boutiques (the demo house's by default; `PROFILES_STORES` replaces them). */
export const DEFAULT_STORES: Readonly<Record<string, StoreInfo>> = {
  'PAR-01': { country: 'FR', region: 'EU', timeZone: 'Europe/Paris' },
  'MIL-01': { country: 'IT', region: 'EU', timeZone: 'Europe/Rome' },
  'LON-01': { country: 'GB', region: 'UK', timeZone: 'Europe/London' },
  'DXB-01': { country: 'AE', region: 'ME', timeZone: 'Asia/Dubai' },
  'RUH-01': { country: 'SA', region: 'ME', timeZone: 'Asia/Riyadh' },
  'SHA-01': { country: 'CN', region: 'CN', timeZone: 'Asia/Shanghai' },
  'PEK-01': { country: 'CN', region: 'CN', timeZone: 'Asia/Shanghai' },
  'HKG-01': { country: 'HK', region: 'HK', timeZone: 'Asia/Hong_Kong' },
  'SIN-01': { country: 'SG', region: 'SG', timeZone: 'Asia/Singapore' },
  'TYO-01': { country: 'JP', region: 'JP', timeZone: 'Asia/Tokyo' },
  'SEL-01': { country: 'KR', region: 'KR', timeZone: 'Asia/Seoul' },
  'NYC-01': { country: 'US', region: 'US', timeZone: 'America/New_York' },
  'LAX-01': { country: 'US', region: 'US', timeZone: 'America/Los_Angeles' },
};

/** A client's calendar when neither the profile nor the home store says: the home region's. */
export const REGION_TIME_ZONES: Readonly<Record<Region, string>> = {
  EU: 'Europe/Paris',
  UK: 'Europe/London',
  CH: 'Europe/Zurich',
  ME: 'Asia/Dubai',
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  SG: 'Asia/Singapore',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
  US: 'America/New_York',
};

export interface ProfilesConfig {
  readonly survivorship: SurvivorshipPolicy;
  readonly autoAssignment: AutoAssignmentPolicy;
  readonly stores: Readonly<Record<string, StoreInfo>>;
  readonly leapDay: LeapDayRule;
  /** How many clients a bulk reassignment moves concurrently. */
  readonly reassignmentConcurrency: number;
  /** Read-model cache TTL. */
  readonly cacheTtlMs: number;
}

export const DEFAULT_CONFIG: ProfilesConfig = {
  survivorship: survivorshipPolicy(DEFAULT_SURVIVORSHIP_VERSION),
  autoAssignment: {
    mode: 'first-identified-sale',
    version: '2026-03',
    reportingCurrency: 'EUR',
    windowDays: 365,
  },
  stores: DEFAULT_STORES,
  leapDay: 'feb28',
  reassignmentConcurrency: 8,
  cacheTtlMs: 60_000,
};

const storeInfo = z.strictObject({
  country: z.string().regex(/^[A-Z]{2}$/),
  region: z.enum(REGIONS),
  timeZone: z.string().refine(isTimeZone, 'is not an IANA time zone'),
});

/** Settings read by the standalone main (the runtime's own settings are read by it). */
export const profilesEnv = z.object({
  PROFILES_SURVIVORSHIP_VERSION: z
    .string()
    .refine((v) => Object.hasOwn(SURVIVORSHIP_POLICIES, v), 'is not a known policy version')
    .default(DEFAULT_SURVIVORSHIP_VERSION),
  PROFILES_AUTO_ASSIGNMENT: z
    .enum(['off', 'first-identified-sale', 'highest-12m-spend'])
    .default('first-identified-sale'),
  PROFILES_REPORTING_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('EUR'),
  PROFILES_LEAP_DAY: z.enum(['feb28', 'mar1']).default('feb28'),
  /** JSON: { "PAR-01": { "country": "FR", "region": "EU", "timeZone": "Europe/Paris" }, … } */
  PROFILES_STORES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      try {
        return z.record(z.string().min(1).max(100), storeInfo).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a JSON object of store → {country, region, timeZone}',
        });
        return z.NEVER;
      }
    }),
});

export function configFromEnv(env: NodeJS.ProcessEnv): ProfilesConfig {
  const parsed = profilesEnv.parse(env);
  return {
    ...DEFAULT_CONFIG,
    survivorship: survivorshipPolicy(parsed.PROFILES_SURVIVORSHIP_VERSION),
    autoAssignment: {
      ...DEFAULT_CONFIG.autoAssignment,
      mode: parsed.PROFILES_AUTO_ASSIGNMENT,
      reportingCurrency: parsed.PROFILES_REPORTING_CURRENCY,
    },
    leapDay: parsed.PROFILES_LEAP_DAY,
    stores: parsed.PROFILES_STORES ?? DEFAULT_STORES,
  };
}
