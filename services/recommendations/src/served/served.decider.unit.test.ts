import { describe, expect, it } from '@jest/globals';
import { catalogRegistry } from '@maison/event-contracts';
import { decideServed, servedDecider } from './served.decider.js';

describe('served decider', () => {
  it('given anything, when a list is served, then RecommendationsServed with what was shown', () => {
    const skus = Array.from({ length: 120 }, (_, i) => `SKU-${String(i)}`);
    const [event] = decideServed(
      {
        type: 'RecordServed',
        clientId: 'c-1',
        personalised: false,
        skus,
        modelVersion: 'v;g1',
        at: '2026-06-01T10:00:00.000Z',
        eventId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        correlationId: 'req-1',
        actor: 'user-1',
        region: 'EU',
      },
      servedDecider.initialState(),
    );
    expect(event?.streamId).toBe('recommendations-served-c-1');
    expect(event?.data).toEqual({
      clientId: 'c-1',
      personalised: false,
      skus: skus.slice(0, 100),
      modelVersion: 'v;g1',
    });
    expect(() => catalogRegistry().validate(event)).not.toThrow();
    expect(servedDecider.evolve(servedDecider.initialState(), event!)).toEqual({ served: 1 });
  });
});
