import { createHash } from 'node:crypto';
import type { EventEnvelope } from '@maison/event-contracts';
import { ConflictError } from '@maison/service-kit';
import type { CommandMeta } from '../consent/consent.decider.js';
import { noticeStream, type NoticeVersionPublishedData } from './notice.events.js';
import { evolveNotice, initialNoticeState, noticeKey, type NoticeState } from './notice.state.js';

export interface PublishNoticeVersion extends CommandMeta {
  readonly type: 'PublishNoticeVersion';
  readonly noticeId: string;
  readonly version: string;
  readonly language: string;
  readonly jurisdiction: string;
  readonly title: string;
  readonly text: string;
  readonly publishedAt: string;
}

export const sha256Hex = (text: string): string =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/** A version, once published, never changes: the same text again is a no-op, another text a conflict. */
export function decideNotice(
  command: PublishNoticeVersion,
  state: NoticeState,
): EventEnvelope<'NoticeVersionPublished', NoticeVersionPublishedData>[] {
  const sha256 = sha256Hex(command.text);
  const existing = state.versions[noticeKey(command.version, command.language)];
  if (existing !== undefined) {
    if (existing.sha256 === sha256 && existing.publishedAt === command.publishedAt) return [];
    throw new ConflictError(
      `Notice ${command.noticeId} version ${command.version} (${command.language}) is already published with another text; publish a new version.`,
    );
  }
  return [
    {
      id: command.eventId,
      type: 'NoticeVersionPublished',
      schemaVersion: 1,
      streamId: noticeStream(command.noticeId),
      subjectId: null,
      occurredAt: command.publishedAt,
      recordedAt: command.recordedAt,
      region: command.region,
      source: command.source,
      correlationId: command.correlationId,
      causationId: command.causationId,
      data: {
        noticeId: command.noticeId,
        version: command.version,
        language: command.language,
        jurisdiction: command.jurisdiction,
        title: command.title,
        text: command.text,
        sha256,
        publishedAt: command.publishedAt,
      },
    },
  ];
}

export const noticeDecider = {
  initialState: initialNoticeState,
  evolve: evolveNotice,
  decide: decideNotice,
};
