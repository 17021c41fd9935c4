import { describe, expect, it } from '@jest/globals';
import { catalogRegistry } from '@maison/event-contracts';
import { ConflictError } from '@maison/service-kit';
import { decideModel, modelDecider, type RecordRebuild } from './model.decider.js';

const rebuild = (modelVersion: string): RecordRebuild => ({
  type: 'RecordRebuild',
  modelVersion,
  events: 120,
  clients: 9,
  items: 10,
  at: '2026-06-01T10:00:00.000Z',
  eventId: '6f1c2a4e-0d7b-4c8e-9a55-3b2f8e1d0c11',
  region: 'EU',
});
const given = (...commands: RecordRebuild[]) =>
  commands
    .flatMap((cmd) => decideModel(cmd, modelDecider.initialState()))
    .reduce(modelDecider.evolve, modelDecider.initialState());

describe('model decider', () => {
  it('given no rebuild, when one is recorded, then RecommendationModelRebuilt (valid in the catalogue)', () => {
    const [event] = decideModel(rebuild('v;g2'), modelDecider.initialState());
    expect(event?.type).toBe('RecommendationModelRebuilt');
    expect(event?.data).toEqual({ modelVersion: 'v;g2', events: 120, clients: 9, items: 10 });
    expect(() => catalogRegistry().validate(event)).not.toThrow();
  });

  it('given a rebuild of version v, when v is recorded again, then a conflict', () => {
    const state = given(rebuild('v;g2'));
    expect(state).toEqual({ rebuilds: 1, lastVersion: 'v;g2' });
    expect(() => decideModel(rebuild('v;g2'), state)).toThrow(ConflictError);
    expect(decideModel(rebuild('v;g3'), state)).toHaveLength(1);
  });
});
