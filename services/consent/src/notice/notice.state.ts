import type { EventEnvelope } from '@maison/event-contracts';
import type { NoticeVersionPublishedData } from './notice.events.js';

export interface NoticeState {
  /** `version|language` → the published version. */
  readonly versions: Readonly<Record<string, NoticeVersionPublishedData>>;
}

export const noticeKey = (version: string, language: string): string => `${version}|${language}`;

export function initialNoticeState(): NoticeState {
  return { versions: {} };
}

export function evolveNotice(state: NoticeState, event: EventEnvelope): NoticeState {
  if (event.type !== 'NoticeVersionPublished') return state;
  const d = event.data as NoticeVersionPublishedData;
  return { versions: { ...state.versions, [noticeKey(d.version, d.language)]: d } };
}
