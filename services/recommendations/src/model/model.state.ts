import type { EventEnvelope } from '@maison/event-contracts';
import type { ModelRebuiltData } from './model.events.js';

export interface ModelState {
  readonly rebuilds: number;
  readonly lastVersion: string | null;
}

export function initialModelState(): ModelState {
  return { rebuilds: 0, lastVersion: null };
}

export function evolveModel(state: ModelState, event: EventEnvelope): ModelState {
  if (event.type !== 'RecommendationModelRebuilt') return state;
  const d = event.data as ModelRebuiltData;
  return { rebuilds: state.rebuilds + 1, lastVersion: d.modelVersion };
}
