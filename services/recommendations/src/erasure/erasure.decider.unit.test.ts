import { describe, expect, it } from '@jest/globals';
import { catalogRegistry } from '@maison/event-contracts';
import { decideErasure, erasureDecider, type ReportPurge } from './erasure.decider.js';

const report: ReportPurge = {
  type: 'ReportPurge',
  requestId: '0b9f3c1e-5a2d-4f7b-8c6e-1d2a3b4c5d6e',
  clientId: 'c-1',
  purged: { 'read_model.transactions': 3, cache: 0 },
  completedAt: '2026-06-03T10:00:00.000Z',
  eventId: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
  region: 'EU',
};

describe('erasure decider', () => {
  it('given no report, when the purge is reported, then ClientDataPurged for recommendations', () => {
    const [event] = decideErasure(report, erasureDecider.initialState());
    expect(event?.streamId).toBe(`recommendations-purge-${report.requestId}`);
    expect(event?.subjectId).toBe('c-1');
    expect(event?.data).toEqual({
      requestId: report.requestId,
      clientId: 'c-1',
      service: 'recommendations',
      purged: { 'read_model.transactions': 3, cache: 0 },
      suppressed: [],
      completedAt: report.completedAt,
    });
    expect(() => catalogRegistry().validate(event)).not.toThrow();
  });

  it('given a report, when the same erasure is reported again (redelivery), then nothing', () => {
    const state = decideErasure(report, erasureDecider.initialState()).reduce(
      erasureDecider.evolve,
      erasureDecider.initialState(),
    );
    expect(decideErasure(report, state)).toEqual([]);
  });
});
