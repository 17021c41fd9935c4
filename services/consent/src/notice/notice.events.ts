import { defineEventType, type DataOf } from '@maison/event-contracts';
import { z } from 'zod';

/**
 * The notice registry (private to this service, never published): every version of a notice text
 * per language and jurisdiction, with the SHA-256 of the exact text shown. Stream
 * `notice-<noticeId>`. Its events are leaves of the ledger too, so an auditor can check offline
 * that a consent cites a version that existed when it occurred.
 */
export const NoticeVersionPublished = defineEventType({
  type: 'NoticeVersionPublished',
  schemaVersion: 1,
  schema: z.strictObject({
    noticeId: z.string().min(1).max(100),
    version: z.string().min(1).max(50),
    language: z.string().min(2).max(20),
    jurisdiction: z.string().min(2).max(10),
    title: z.string().min(1).max(300),
    /** The text shown, verbatim (not personal data). */
    text: z.string().min(1).max(200_000),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** From when the version may be cited. */
    publishedAt: z.iso.datetime({ offset: true }),
  }),
});
export type NoticeVersionPublishedData = DataOf<typeof NoticeVersionPublished>;

export const noticeStream = (noticeId: string): string => `notice-${noticeId}`;
