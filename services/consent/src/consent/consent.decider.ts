import {
  consentStream,
  type EventEnvelope,
  type EventSource,
  type IdentifierRef,
  type Region,
} from '@maison/event-contracts';
import { ConflictError, ValidationError } from '@maison/service-kit';
import type { ConsentEvent, ConsentRecordedData } from './consent.events.js';
import { evolve, initialState, ms, type ClientConsentState } from './consent.state.js';
import {
  missingEvidence,
  completeEvidence,
  type ConsentEvidenceInput,
  type EvidenceStrength,
} from './evidence.js';

/** A notice version as the registry knows it (resolved by the caller, passed in the command). */
export interface NoticeFact {
  readonly id: string;
  readonly version: string;
  readonly language: string;
  readonly sha256: string;
  readonly publishedAt: string;
}

/** Envelope metadata every command carries: ids and times come in, never from the domain. */
export interface CommandMeta {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly region: Region;
  readonly source: EventSource;
  readonly correlationId: string;
  readonly causationId: string | null;
}

export type ConsentCommand =
  | (CommandMeta & {
      readonly type: 'RecordConsent';
      readonly clientId: string;
      readonly consentId: string;
      readonly evidence: ConsentEvidenceInput;
      readonly strength: EvidenceStrength;
      /** The normalised contact point and its ref (value is PII, encrypted on append). */
      readonly contactPoint: { readonly value: string; readonly ref: IdentifierRef } | null;
      /** What the registry holds for the cited notice version (undefined: not in the registry). */
      readonly notice: NoticeFact | undefined;
    })
  | (CommandMeta & {
      readonly type: 'RequestErasure';
      readonly clientId: string;
      readonly requestId: string;
      readonly requestedBy: string;
      readonly ticket: string | null;
    })
  | (CommandMeta & {
      readonly type: 'EraseClient';
      readonly clientId: string;
      readonly requestId: string;
      readonly aliases: readonly string[];
    })
  | (CommandMeta & {
      readonly type: 'RecordPurge';
      readonly clientId: string;
      readonly requestId: string;
      readonly purged: Readonly<Record<string, number>>;
    });

function envelope<T extends ConsentEvent['type'], D>(
  command: CommandMeta & { clientId: string },
  type: T,
  data: D,
  occurredAt: string,
): EventEnvelope<T, D> {
  return {
    id: command.eventId,
    type,
    schemaVersion: 1,
    streamId: consentStream(command.clientId),
    subjectId: command.clientId,
    occurredAt,
    recordedAt: command.recordedAt,
    region: command.region,
    source: command.source,
    correlationId: command.correlationId,
    causationId: command.causationId,
    data,
  };
}

function checkNotice(
  cited: { id: string; version: string; sha256: string; language: string },
  fact: NoticeFact | undefined,
  occurredAt: string,
): void {
  if (fact === undefined)
    throw new ValidationError(
      `Notice ${cited.id} version ${cited.version} (${cited.language}) is not in the notice registry.`,
      [{ pointer: '/notice/version', detail: 'is not a registered version of this notice' }],
      { status: 422 },
    );
  if (fact.sha256 !== cited.sha256)
    throw new ValidationError(
      `The SHA-256 cited does not match notice ${cited.id} version ${cited.version}.`,
      [{ pointer: '/notice/sha256', detail: 'differs from the registered text hash' }],
      { status: 422 },
    );
  if (ms(fact.publishedAt) > ms(occurredAt))
    throw new ValidationError(
      `Notice ${cited.id} version ${cited.version} was published after the consent occurred.`,
      [
        {
          pointer: '/notice/version',
          detail: `did not exist at occurredAt (published ${fact.publishedAt})`,
        },
      ],
      { status: 422 },
    );
}

/** Pure: the events a command produces, or a typed error. Replays (same event id) produce none. */
export function decide(command: ConsentCommand, state: ClientConsentState): ConsentEvent[] {
  if (state.eventIds.has(command.eventId)) return [];
  switch (command.type) {
    case 'RecordConsent': {
      if (state.erasedAt !== null)
        throw new ConflictError('The client was erased; no consent can be recorded for it.');
      const missing = missingEvidence(command.evidence, command.strength);
      if (missing.length > 0)
        throw new ValidationError(
          `Missing mandatory evidence: ${missing.map((m) => m.pointer.slice(1).replaceAll('/', '.')).join(', ')}.`,
          missing,
          { status: 422 },
        );
      const e = completeEvidence(command.evidence);
      if (command.strength === 'full' && e.notice !== null)
        checkNotice(e.notice, command.notice, e.occurredAt);
      if (e.expiresAt !== null && ms(e.expiresAt) <= ms(e.occurredAt))
        throw new ValidationError('expiresAt must be after occurredAt.', [
          { pointer: '/expiresAt', detail: 'must be after occurredAt' },
        ]);
      const data: ConsentRecordedData = {
        consentId: command.consentId,
        clientId: command.clientId,
        purpose: e.purpose,
        channel: e.channel,
        ...(command.contactPoint
          ? { contactPoint: command.contactPoint.value, contactPointRef: command.contactPoint.ref }
          : {}),
        state: e.state,
        legalBasis: e.legalBasis,
        notice: command.strength === 'full' ? e.notice : null,
        collection: e.collection,
        evidenceStrength: command.strength,
        jurisdiction: e.jurisdiction,
        recipient: e.recipient,
        ...(e.transferPurposes.length > 0 ? { transferPurposes: [...e.transferPurposes] } : {}),
        nightTime: e.nightTime,
        proofRef: e.proofRef,
        expiresAt: e.expiresAt,
      };
      return [envelope(command, 'ConsentRecorded', data, e.occurredAt)];
    }
    case 'RequestErasure': {
      if (state.erasures[command.requestId] !== undefined) return [];
      return [
        envelope(
          command,
          'ClientErasureRequested',
          {
            requestId: command.requestId,
            clientId: command.clientId,
            requestedBy: command.requestedBy,
            ticket: command.ticket,
          },
          command.recordedAt,
        ),
      ];
    }
    case 'EraseClient': {
      if (state.erasures[command.requestId]?.erasedAt != null) return [];
      if (state.erasures[command.requestId] === undefined)
        throw new ConflictError('No erasure was requested with this id for this client.');
      return [
        envelope(
          command,
          'ClientErased',
          {
            requestId: command.requestId,
            clientId: command.clientId,
            aliases: [...new Set(command.aliases)].filter((a) => a !== command.clientId),
            erasedAt: command.recordedAt,
          },
          command.recordedAt,
        ),
      ];
    }
    case 'RecordPurge': {
      const progress = state.erasures[command.requestId];
      if (progress?.erasedAt == null)
        throw new ConflictError('The client is not erased under this request yet.');
      if (progress.purgedAt !== null) return [];
      return [
        envelope(
          command,
          'ClientDataPurged',
          {
            requestId: command.requestId,
            clientId: command.clientId,
            service: 'consent' as const,
            purged: { ...command.purged },
            suppressed: [],
            completedAt: command.recordedAt,
          },
          command.recordedAt,
        ),
      ];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

export const consentDecider = { initialState, evolve, decide };
