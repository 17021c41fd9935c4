import type { EventEnvelope, Region } from '@maison/event-contracts';
import type { ConsentCommand, NoticeFact } from './consent.decider.js';
import type { ConsentEvidenceInput } from './evidence.js';

/** Test builders shared by the unit tests (given events / when command). Not used in production. */
export const NOTICE: NoticeFact = {
  id: 'privacy-eu',
  version: '3',
  language: 'fr',
  sha256: 'a'.repeat(64),
  publishedAt: '2020-01-01T00:00:00Z',
};

let counter = 0;
export function eventId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export function evidence(overrides: Partial<ConsentEvidenceInput> = {}): ConsentEvidenceInput {
  return {
    purpose: 'marketing',
    channel: 'email',
    state: 'granted',
    legalBasis: 'consent',
    notice: { id: NOTICE.id, version: NOTICE.version, sha256: NOTICE.sha256, language: 'fr' },
    collection: {
      method: 'store',
      point: 'PAR-01 till',
      storeId: 'PAR-01',
      associateId: 'assoc-1',
    },
    jurisdiction: 'FR',
    occurredAt: '2026-03-02T10:00:00+01:00',
    ...overrides,
  };
}

export function record(
  overrides: Partial<ConsentEvidenceInput> = {},
  options: {
    clientId?: string;
    strength?: 'full' | 'weak' | 'device';
    recordedAt?: string;
    region?: Region;
    notice?: NoticeFact | undefined;
  } = {},
): Extract<ConsentCommand, { type: 'RecordConsent' }> {
  const e = evidence(overrides);
  return {
    type: 'RecordConsent',
    eventId: eventId(),
    clientId: options.clientId ?? 'client-1',
    consentId: '11111111-1111-4111-8111-111111111111',
    evidence: e,
    strength: options.strength ?? 'full',
    contactPoint: null,
    notice: 'notice' in options ? options.notice : NOTICE,
    recordedAt: options.recordedAt ?? e.occurredAt ?? '2026-03-02T09:00:00Z',
    region: options.region ?? 'EU',
    source: { system: 'consent.api', actor: 'assoc-1' },
    correlationId: 'corr-1',
    causationId: null,
  };
}

export type Given = readonly EventEnvelope[];
