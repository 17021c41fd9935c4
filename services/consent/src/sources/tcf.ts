import { createHash } from 'node:crypto';
import { TCString } from '@iabtechlabtcf/core';
import type { Purpose } from '@maison/event-contracts';
import type { ConsentEvidenceInput } from '../consent/evidence.js';

/**
 * IAB TCF v2.2 TC strings, decoded with the IAB Tech Lab's own library (@iabtechlabtcf/core).
 * They are device-scoped evidence (the choice made in one browser) for on-site analytics and
 * personalisation only — never for email/SMS/messaging marketing. TCF purposes → ours:
 * analytics = Purpose 1 (store/access on a device) ∧ Purpose 8 (measure content performance);
 * profiling = Purpose 1 ∧ Purpose 5 (personalised content profile) ∧ Purpose 6 (use it).
 */
export const TCF_MAPPING: Readonly<Record<'analytics' | 'profiling', readonly number[]>> = {
  analytics: [1, 8],
  profiling: [1, 5, 6],
};
/** TCF v2.2 strings carry TCF policy version 4 or later. */
export const MIN_TCF_POLICY_VERSION = 4;

export type TcfRejection = 'invalid_tc_string' | 'tcf_v1_not_supported' | 'tcf_policy_outdated';

export interface DecodedTc {
  readonly version: number;
  readonly policyVersion: number;
  readonly cmpId: number;
  readonly cmpVersion: number;
  readonly lastUpdated: string;
  readonly purposeConsents: readonly number[];
  readonly publisherCountryCode: string;
  readonly sha256: string;
}

export type TcDecodeResult =
  | { readonly ok: true; readonly tc: DecodedTc }
  | { readonly ok: false; readonly reason: TcfRejection; readonly detail: string };

const B64URL = /^[A-Za-z0-9_-]+$/;

/** The version sits in the first 6 bits of the core segment: read it before the library does. */
function versionBits(tcString: string): number | undefined {
  const first = tcString.split('.')[0] ?? '';
  if (first.length === 0 || !B64URL.test(first)) return undefined;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sextet = alphabet.indexOf(first.charAt(0));
  return sextet < 0 ? undefined : sextet;
}

export function decodeTcString(tcString: string): TcDecodeResult {
  const trimmed = tcString.trim();
  if (trimmed.length === 0 || trimmed.length > 10_000)
    return {
      ok: false,
      reason: 'invalid_tc_string',
      detail: 'empty or longer than 10000 characters',
    };
  if (!trimmed.split('.').every((s) => B64URL.test(s)))
    return { ok: false, reason: 'invalid_tc_string', detail: 'not base64url segments' };
  const version = versionBits(trimmed);
  if (version === 1)
    return {
      ok: false,
      reason: 'tcf_v1_not_supported',
      detail: 'TCF v1 strings are not accepted (v2.2 only)',
    };
  if (version !== 2)
    return {
      ok: false,
      reason: 'invalid_tc_string',
      detail: `unknown TC string version ${String(version)}`,
    };
  let model: ReturnType<typeof TCString.decode>;
  try {
    model = TCString.decode(trimmed);
  } catch (error) {
    return {
      ok: false,
      reason: 'invalid_tc_string',
      detail: error instanceof Error ? error.name : 'undecodable',
    };
  }
  const policyVersion = Number(model.policyVersion);
  if (policyVersion < MIN_TCF_POLICY_VERSION)
    return {
      ok: false,
      reason: 'tcf_policy_outdated',
      detail: `TCF policy version ${String(policyVersion)} predates v2.2 (needs ${String(MIN_TCF_POLICY_VERSION)}+)`,
    };
  const purposes: number[] = [];
  model.purposeConsents.forEach((has, id) => {
    if (has) purposes.push(id);
  });
  const lastUpdated = model.lastUpdated as Date | undefined;
  return {
    ok: true,
    tc: {
      version: Number(model.version),
      policyVersion,
      cmpId: Number(model.cmpId),
      cmpVersion: Number(model.cmpVersion),
      lastUpdated: (lastUpdated ?? model.created).toISOString(),
      purposeConsents: purposes.sort((a, b) => a - b),
      publisherCountryCode: model.publisherCountryCode,
      sha256: createHash('sha256').update(trimmed, 'utf8').digest('hex'),
    },
  };
}

/** One device-scoped evidence per mapped purpose (a TC string is a full snapshot: absent = denied). */
export function tcfEvidence(
  tc: DecodedTc,
  point: string,
  jurisdiction?: string,
): ConsentEvidenceInput[] {
  return (Object.keys(TCF_MAPPING) as ('analytics' | 'profiling')[]).map(
    (purpose: Purpose & ('analytics' | 'profiling')) => ({
      purpose,
      channel: null,
      state: TCF_MAPPING[purpose].every((p) => tc.purposeConsents.includes(p))
        ? 'granted'
        : 'denied',
      legalBasis: 'consent',
      notice: null,
      collection: { method: 'cmp', point, storeId: null, associateId: null },
      jurisdiction: jurisdiction ?? tc.publisherCountryCode,
      occurredAt: tc.lastUpdated,
      proofRef: `tcf:v${String(tc.version)};policy=${String(tc.policyVersion)};cmp=${String(tc.cmpId)}/${String(tc.cmpVersion)};sha256=${tc.sha256}`,
    }),
  );
}
