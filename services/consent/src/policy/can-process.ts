import type {
  ConsentChannel,
  ConsentState,
  Purpose,
  Region,
  RuleRef,
} from '@maison/event-contracts';
import {
  effectiveConsents,
  isLater,
  ms,
  stateAt,
  type ClientConsentState,
  type ConsentRecord,
} from '../consent/consent.state.js';
import type { PolicySet } from './policies.js';

/** What the decision needs besides the ledger: where the client's data resides. */
export interface DecisionSubject extends Pick<ClientConsentState, 'records' | 'erasedAt'> {
  readonly homeRegion: Region | null;
}

export interface ProcessRequest {
  readonly purpose: Purpose;
  readonly channel?: ConsentChannel | null;
  /** Blind index of the contact point to use, when the send targets one. */
  readonly contactKey?: string;
  /** When the processing (the send) happens: ISO 8601 with offset. */
  readonly at: string;
  /** Where the data would go (cross-border rules). */
  readonly destinationRegion?: Region;
  /** The entity receiving the data abroad (CN-XB-1/3). */
  readonly recipient?: string;
  /** `device`: on-site processing on the device the CMP choice was made on (TCF evidence counts). */
  readonly context?: 'client' | 'device';
  /** A contract-necessity transfer with minimal fields (CN-XB-1's exception). */
  readonly contractNecessity?: boolean;
}

export const DECISION_CODES = [
  'granted',
  'granted_contract_necessity',
  'no_consent',
  'denied',
  'withdrawn',
  'pending_double_opt_in',
  'expired',
  'reconfirmation_due',
  'insufficient_evidence',
  'night_time_consent_required',
  'explicit_opt_in_required',
  'cross_border_consent_required',
  'reconsent_required',
  'client_erased',
] as const;
export type DecisionCode = (typeof DECISION_CODES)[number];

export interface Decision {
  readonly allowed: boolean;
  readonly code: DecisionCode;
  readonly reason: string;
  /** The consent state the decision rests on ('none' without any record). */
  readonly state: ConsentState | 'none';
  /** Rules applied (id + version), and the policy set's version. */
  readonly policies: readonly RuleRef[];
  readonly policySetVersion: string;
  /** Consent event ids the decision relied on. */
  readonly reliedOn: readonly string[];
  /** For a contract-necessity transfer: only the minimal fields may leave the region. */
  readonly minimalFieldsOnly: boolean;
  readonly at: string;
}

const ref = (r: RuleRef): RuleRef => ({ id: r.id, version: r.version });

function kstHour(at: string, offsetMinutes: number): number {
  const local = new Date(ms(at) + offsetMinutes * 60_000);
  return local.getUTCHours();
}

function addMonths(instant: string, months: number): number {
  const d = new Date(ms(instant));
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function latest(records: readonly ConsentRecord[]): ConsentRecord | undefined {
  let best: ConsentRecord | undefined;
  for (const r of records) if (best === undefined || isLater(r, best)) best = r;
  return best;
}

/**
 * May this client's data be processed for this purpose (on this channel, at this instant, to this
 * destination)? Pure: the ledger state, the request and the policy set in, a decision out, with
 * the reason, the rules applied and the consent events relied on.
 */
export function canProcess(
  subject: DecisionSubject,
  request: ProcessRequest,
  policies: PolicySet,
): Decision {
  const applied: RuleRef[] = [];
  const at = request.at;
  const decision = (
    allowed: boolean,
    code: DecisionCode,
    reason: string,
    state: ConsentState | 'none',
    reliedOn: readonly string[],
    minimalFieldsOnly = false,
  ): Decision => ({
    allowed,
    code,
    reason,
    state,
    policies: applied,
    policySetVersion: policies.version,
    reliedOn,
    minimalFieldsOnly,
    at,
  });

  if (subject.erasedAt !== null)
    return decision(false, 'client_erased', 'The client was erased.', 'none', []);

  const channel = request.channel ?? null;
  const device = request.context === 'device';
  const inForce = effectiveConsents(subject.records, at);
  const candidates = inForce.filter(
    (r) =>
      r.purpose === request.purpose &&
      r.channel === channel &&
      (request.contactKey === undefined ||
        r.contactKey === '' ||
        r.contactKey === request.contactKey) &&
      (r.evidenceStrength !== 'device' || device),
  );
  if (candidates.some((r) => r.evidenceStrength === 'device'))
    applied.push(ref(policies.tcfDevice1));
  const decisive = latest(candidates);
  if (decisive === undefined)
    return decision(
      false,
      'no_consent',
      `No consent for ${request.purpose}${channel ? ` by ${channel}` : ''} is on record.`,
      'none',
      [],
    );
  const state = stateAt(decisive, at);
  const relied = [decisive.eventId];
  if (state === 'withdrawn') {
    applied.push(ref(policies.euWd1));
    return decision(
      false,
      'withdrawn',
      `Consent was withdrawn at ${decisive.occurredAt}; processing after a withdrawal is a violation.`,
      state,
      relied,
    );
  }
  if (state !== 'granted')
    return decision(false, state, `The consent is ${state.replaceAll('_', ' ')}.`, state, relied);

  // EU-PROOF-1: a grant without notice hash, method or record time cannot be relied on.
  if (policies.euProof1.jurisdictions.includes(decisive.jurisdiction)) {
    applied.push(ref(policies.euProof1));
    const proven =
      decisive.evidenceStrength === 'device' ||
      (decisive.notice !== null &&
        decisive.collection.method.length > 0 &&
        decisive.recordedAt.length > 0);
    if (!proven)
      return decision(
        false,
        'insufficient_evidence',
        'The grant carries no notice hash (weak evidence): it cannot be used in this jurisdiction.',
        state,
        relied,
      );
  }

  const korean = decisive.jurisdiction === 'KR' || subject.homeRegion === 'KR';
  if (korean && request.purpose === 'marketing') {
    // KR-ADS-2: older than two years without reconfirmation → reconfirmation due, sends blocked.
    applied.push(ref(policies.krAds2));
    if (addMonths(decisive.occurredAt, policies.krAds2.reconfirmAfterMonths) <= ms(at))
      return decision(
        false,
        'reconfirmation_due',
        `The marketing consent of ${decisive.occurredAt} is older than ${policies.krAds2.reconfirmAfterMonths} months without reconfirmation.`,
        'reconfirmation_due',
        relied,
      );
    if (channel !== null && policies.krAds1.channels.includes(channel)) {
      applied.push(ref(policies.krAds1));
      if (decisive.legalBasis !== 'consent')
        return decision(
          false,
          'explicit_opt_in_required',
          `Marketing by ${channel} in Korea needs an explicit prior opt-in.`,
          state,
          relied,
        );
      const hour = kstHour(at, policies.krAds1.utcOffsetMinutes);
      const night = hour >= policies.krAds1.nightStartHour || hour < policies.krAds1.nightEndHour;
      if (night && !decisive.nightTime)
        return decision(
          false,
          'night_time_consent_required',
          `A send at ${String(hour).padStart(2, '0')}h KST (between ${policies.krAds1.nightStartHour}:00 and 0${policies.krAds1.nightEndHour}:00) needs a night-time consent.`,
          state,
          relied,
        );
    }
  }

  const crossBorder =
    subject.homeRegion === policies.cnXb1.residentRegion &&
    request.destinationRegion !== undefined &&
    request.destinationRegion !== policies.cnXb1.residentRegion;
  if (crossBorder) {
    applied.push(ref(policies.cnXb1));
    if (request.contractNecessity === true)
      return decision(
        true,
        'granted_contract_necessity',
        'Contract-necessity transfer out of CN: minimal fields only.',
        state,
        relied,
        true,
      );
    const transfers = inForce.filter(
      (r) => r.purpose === 'cross_border_transfer' && stateAt(r, at) === 'granted',
    );
    if (transfers.length === 0)
      return decision(
        false,
        'cross_border_consent_required',
        `Data of a CN-resident client leaves CN only with a separate cross-border consent naming the recipient and purpose.`,
        state,
        relied,
      );
    const covering = transfers.find(
      (t) =>
        request.recipient !== undefined &&
        t.recipient === request.recipient &&
        t.transferPurposes.includes(request.purpose),
    );
    if (covering === undefined) {
      applied.push(ref(policies.cnXb3));
      return decision(
        false,
        'reconsent_required',
        request.recipient === undefined
          ? 'The transfer names no recipient: the cross-border consent covers named recipients only.'
          : `The cross-border consent does not cover this recipient and purpose: re-consent is needed.`,
        state,
        [...relied, ...transfers.map((t) => t.eventId)],
      );
    }
    relied.push(covering.eventId);
  }

  return decision(
    true,
    'granted',
    `Consent for ${request.purpose}${channel ? ` by ${channel}` : ''} granted at ${decisive.occurredAt}.`,
    state,
    relied,
  );
}
