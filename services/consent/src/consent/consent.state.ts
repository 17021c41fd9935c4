import type { ConsentChannel, ConsentState, EventEnvelope, Purpose } from '@maison/event-contracts';
import type { ConsentRecordedData } from './consent.events.js';

/** One consent record as the domain reads it (from a ConsentRecorded event). */
export interface ConsentRecord {
  readonly eventId: string;
  readonly consentId: string;
  readonly clientId: string;
  readonly purpose: Purpose;
  readonly channel: ConsentChannel | null;
  /** The contact point's blind index, '' when the consent is about the channel as a whole. */
  readonly contactKey: string;
  /** Decrypted value (or "[erased]"), absent when the consent names no contact point. */
  readonly contactPoint?: unknown;
  readonly state: ConsentState;
  readonly legalBasis: ConsentRecordedData['legalBasis'];
  readonly notice: ConsentRecordedData['notice'];
  readonly collection: ConsentRecordedData['collection'];
  readonly evidenceStrength: ConsentRecordedData['evidenceStrength'];
  readonly jurisdiction: string;
  readonly recipient: string | null;
  readonly transferPurposes: readonly Purpose[];
  readonly nightTime: boolean;
  readonly proofRef: string | null;
  readonly expiresAt: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly sourceSystem: string;
  readonly actor: string | null;
  /** Position in the client's history (stream order), the tie-breaker for equal occurredAt. */
  readonly order: number;
}

export interface ErasureProgress {
  readonly requestId: string;
  readonly requestedAt: string;
  readonly erasedAt: string | null;
  readonly purgedAt: string | null;
}

export interface ClientConsentState {
  readonly clientId: string | null;
  /** Every record, in the order they were recorded. */
  readonly records: readonly ConsentRecord[];
  readonly eventIds: ReadonlySet<string>;
  readonly erasures: Readonly<Record<string, ErasureProgress>>;
  /** Set once ClientErased is recorded: the client can no longer be given consents. */
  readonly erasedAt: string | null;
}

export function initialState(): ClientConsentState {
  return { clientId: null, records: [], eventIds: new Set(), erasures: {}, erasedAt: null };
}

export const ms = (instant: string): number => Date.parse(instant);

export function recordOf(event: EventEnvelope, order: number): ConsentRecord {
  const d = event.data as ConsentRecordedData;
  return {
    eventId: event.id,
    consentId: d.consentId,
    clientId: d.clientId,
    purpose: d.purpose,
    channel: d.channel,
    contactKey: d.contactPointRef?.index ?? '',
    ...(d.contactPoint === undefined ? {} : { contactPoint: d.contactPoint }),
    state: d.state,
    legalBasis: d.legalBasis,
    notice: d.notice,
    collection: d.collection,
    evidenceStrength: d.evidenceStrength,
    jurisdiction: d.jurisdiction,
    recipient: d.recipient,
    transferPurposes: d.transferPurposes ?? [],
    nightTime: d.nightTime,
    proofRef: d.proofRef,
    expiresAt: d.expiresAt,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    sourceSystem: event.source.system,
    actor: event.source.actor ?? null,
    order,
  };
}

export function evolve(state: ClientConsentState, event: EventEnvelope): ClientConsentState {
  const eventIds = new Set(state.eventIds).add(event.id);
  switch (event.type) {
    case 'ConsentRecorded': {
      const record = recordOf(event, state.records.length);
      return { ...state, clientId: record.clientId, records: [...state.records, record], eventIds };
    }
    case 'ClientErasureRequested': {
      const d = event.data as { requestId: string; clientId: string };
      return {
        ...state,
        clientId: d.clientId,
        eventIds,
        erasures: {
          ...state.erasures,
          [d.requestId]: {
            requestId: d.requestId,
            requestedAt: event.recordedAt,
            erasedAt: null,
            purgedAt: null,
          },
        },
      };
    }
    case 'ClientErased': {
      const d = event.data as { requestId: string; clientId: string; erasedAt: string };
      const previous = state.erasures[d.requestId];
      return {
        ...state,
        clientId: d.clientId,
        eventIds,
        erasedAt: state.erasedAt ?? d.erasedAt,
        erasures: {
          ...state.erasures,
          [d.requestId]: {
            requestId: d.requestId,
            requestedAt: previous?.requestedAt ?? event.recordedAt,
            erasedAt: d.erasedAt,
            purgedAt: previous?.purgedAt ?? null,
          },
        },
      };
    }
    case 'ClientDataPurged': {
      const d = event.data as { requestId: string; service: string; completedAt: string };
      const previous = state.erasures[d.requestId];
      if (d.service !== 'consent' || previous === undefined) return { ...state, eventIds };
      return {
        ...state,
        eventIds,
        erasures: { ...state.erasures, [d.requestId]: { ...previous, purgedAt: d.completedAt } },
      };
    }
    default:
      return { ...state, eventIds };
  }
}

/** The key a consent is about: purpose × channel × contact point. */
export function consentKey(
  r: Pick<ConsentRecord, 'purpose' | 'channel' | 'contactKey' | 'evidenceStrength'>,
): string {
  const scope = r.evidenceStrength === 'device' ? 'device' : 'client';
  return `${r.purpose}|${r.channel ?? ''}|${r.contactKey}|${scope}`;
}

/** Later business time wins; equal business times are ordered by recording order. */
export function isLater(a: ConsentRecord, b: ConsentRecord): boolean {
  const d = ms(a.occurredAt) - ms(b.occurredAt);
  if (d !== 0) return d > 0;
  const r = ms(a.recordedAt) - ms(b.recordedAt);
  if (r !== 0) return r > 0;
  return a.order > b.order;
}

/**
 * The consent in force per key at instant `at`: among the records that had occurred by then,
 * the latest by business time. `knownBy` additionally restricts to what had been recorded by
 * that instant (the audit's "state as of").
 */
export function effectiveConsents(
  records: readonly ConsentRecord[],
  at: string,
  knownBy?: string,
): ConsentRecord[] {
  const atMs = ms(at);
  const knownMs = knownBy === undefined ? Number.POSITIVE_INFINITY : ms(knownBy);
  const current = new Map<string, ConsentRecord>();
  for (const r of records) {
    if (ms(r.occurredAt) > atMs || ms(r.recordedAt) > knownMs) continue;
    const key = consentKey(r);
    const existing = current.get(key);
    if (existing === undefined || isLater(r, existing)) current.set(key, r);
  }
  return [...current.values()].sort(
    (a, b) =>
      a.purpose.localeCompare(b.purpose) ||
      (a.channel ?? '').localeCompare(b.channel ?? '') ||
      a.contactKey.localeCompare(b.contactKey),
  );
}

/**
 * The audit's `asOf`: replay the client's history up to the instant (events recorded by then),
 * then take what was in force at that instant.
 */
export function consentsAsOf(events: readonly EventEnvelope[], asOf: string): ConsentRecord[] {
  const asOfMs = ms(asOf);
  const state = events.filter((e) => ms(e.recordedAt) <= asOfMs).reduce(evolve, initialState());
  return effectiveConsents(state.records, asOf);
}

/** The state as a consumer would read it at `at` (expiry applied). */
export function stateAt(record: ConsentRecord, at: string): ConsentState {
  if (record.state === 'granted' && record.expiresAt !== null && ms(record.expiresAt) <= ms(at))
    return 'expired';
  return record.state;
}
