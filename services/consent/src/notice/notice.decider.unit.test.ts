import { describe, expect, it } from '@jest/globals';
import { ConflictError } from '@maison/service-kit';
import { decideNotice, sha256Hex, type PublishNoticeVersion } from './notice.decider.js';
import { evolveNotice, initialNoticeState } from './notice.state.js';

const publish = (overrides: Partial<PublishNoticeVersion> = {}): PublishNoticeVersion => ({
  type: 'PublishNoticeVersion',
  eventId: '00000000-0000-4000-8000-000000000001',
  recordedAt: '2026-01-01T00:00:00Z',
  region: 'EU',
  source: { system: 'consent.api', actor: 'dpo-1' },
  correlationId: 'c',
  causationId: null,
  noticeId: 'privacy-eu',
  version: '3',
  language: 'fr',
  jurisdiction: 'FR',
  title: 'Politique de confidentialité',
  text: 'Texte intégral v3',
  publishedAt: '2026-01-01T00:00:00+01:00',
  ...overrides,
});

describe('notice registry decider', () => {
  it('given nothing, when a version is published, then its text is recorded with its SHA-256', () => {
    const [e] = decideNotice(publish(), initialNoticeState());
    expect(e?.streamId).toBe('notice-privacy-eu');
    expect(e?.data.sha256).toBe(sha256Hex('Texte intégral v3'));
    expect(e?.data.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('given a published version, the same text again is a no-op and another text a conflict', () => {
    const state = decideNotice(publish(), initialNoticeState()).reduce(
      evolveNotice,
      initialNoticeState(),
    );
    expect(
      decideNotice(publish({ eventId: '00000000-0000-4000-8000-000000000002' }), state),
    ).toEqual([]);
    expect(() => decideNotice(publish({ text: 'changed' }), state)).toThrow(ConflictError);
    expect(decideNotice(publish({ language: 'en', text: 'Full text v3' }), state)).toHaveLength(1);
  });
});
