import type { Region } from '@maison/event-contracts';
import type { Decider } from '@maison/event-store';
import { ConflictError } from '@maison/service-kit';
import { MODEL_STREAM, type ModelEvent } from './model.events.js';
import { evolveModel, initialModelState, type ModelState } from './model.state.js';

/** A rebuild finished: what it replayed and the version of the model it produced. */
export interface RecordRebuild {
  readonly type: 'RecordRebuild';
  readonly modelVersion: string;
  readonly events: number;
  readonly clients: number;
  readonly items: number;
  readonly at: string;
  readonly eventId: string;
  readonly region: Region;
}

export type ModelCommand = RecordRebuild;

export function decideModel(command: ModelCommand, state: ModelState): ModelEvent[] {
  // Each rebuild is a new generation: recording the same version twice is a bug upstream.
  if (state.lastVersion === command.modelVersion)
    throw new ConflictError(`Model version ${command.modelVersion} is already recorded.`);
  return [
    {
      id: command.eventId,
      type: 'RecommendationModelRebuilt',
      schemaVersion: 1,
      streamId: MODEL_STREAM,
      subjectId: null,
      occurredAt: command.at,
      recordedAt: command.at,
      region: command.region,
      source: { system: 'recommendations', actor: 'system' },
      correlationId: command.eventId,
      causationId: null,
      data: {
        modelVersion: command.modelVersion,
        events: command.events,
        clients: command.clients,
        items: command.items,
      },
    },
  ];
}

export const modelDecider: Decider<ModelState, ModelCommand> = {
  initialState: initialModelState,
  evolve: evolveModel,
  decide: decideModel,
};
