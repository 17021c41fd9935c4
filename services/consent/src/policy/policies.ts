import type { ConsentChannel, Purpose, Region, RuleRef } from '@maison/event-contracts';

/**
 * Regional rules as versioned configuration (COMPLIANCE.md). A decision cites the id and version
 * of every rule it applied, and the policy set's version; changing a parameter means a new rule
 * version, so past decisions stay explainable.
 */
export interface PolicySet {
  readonly version: string;
  readonly euProof1: RuleRef & { readonly jurisdictions: readonly string[] };
  readonly euWd1: RuleRef & {
    /** The withdrawal SLA: accepted → visible to every consumer of consent.events.v1. */
    readonly slaSeconds: number;
  };
  readonly krAds1: RuleRef & {
    readonly channels: readonly ConsentChannel[];
    /** Night-time window in Korea Standard Time (UTC+9, no DST). */
    readonly nightStartHour: number;
    readonly nightEndHour: number;
    readonly utcOffsetMinutes: number;
  };
  readonly krAds2: RuleRef & { readonly reconfirmAfterMonths: number };
  readonly cnXb1: RuleRef & { readonly residentRegion: Region };
  readonly cnXb3: RuleRef;
  readonly tcfDevice1: RuleRef & { readonly purposes: readonly Purpose[] };
}

/** EU/EEA (and UK GDPR) jurisdiction codes: the region codes and ISO country codes. */
const EU_JURISDICTIONS = [
  'EU',
  'UK',
  'GB',
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
];

export const DEFAULT_POLICIES: PolicySet = {
  version: '2026.1',
  euProof1: { id: 'EU-PROOF-1', version: '1', jurisdictions: EU_JURISDICTIONS },
  euWd1: { id: 'EU-WD-1', version: '1', slaSeconds: 5 },
  krAds1: {
    id: 'KR-ADS-1',
    version: '1',
    channels: ['sms', 'kakaotalk', 'email', 'push', 'phone'],
    nightStartHour: 21,
    nightEndHour: 8,
    utcOffsetMinutes: 9 * 60,
  },
  krAds2: { id: 'KR-ADS-2', version: '1', reconfirmAfterMonths: 24 },
  cnXb1: { id: 'CN-XB-1', version: '1', residentRegion: 'CN' },
  cnXb3: { id: 'CN-XB-3', version: '1' },
  tcfDevice1: { id: 'TCF-DEVICE-1', version: '1', purposes: ['analytics', 'profiling'] },
};
