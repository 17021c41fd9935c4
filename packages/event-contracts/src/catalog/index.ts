export * from './common.js';
export * from './identity.js';
export * from './transactions.js';
export * from './profiles.js';
export * from './consent.js';
export * from './recommendations.js';
import { EventTypeRegistry, type EventTypeDefinition } from '../registry.js';
import { CONSENT_EVENTS } from './consent.js';
import { IDENTITY_EVENTS } from './identity.js';
import { PROFILES_EVENTS } from './profiles.js';
import { RECOMMENDATIONS_EVENTS } from './recommendations.js';
import { TRANSACTIONS_EVENTS } from './transactions.js';

/** Every published event type of the platform. */
export const CATALOG: readonly EventTypeDefinition[] = [
  ...IDENTITY_EVENTS,
  ...TRANSACTIONS_EVENTS,
  ...PROFILES_EVENTS,
  ...CONSENT_EVENTS,
  ...RECOMMENDATIONS_EVENTS,
];

/** A registry of the whole catalogue (plus a service's private types, if given). */
export function catalogRegistry(extra: readonly EventTypeDefinition[] = []): EventTypeRegistry {
  return new EventTypeRegistry([...CATALOG, ...extra]);
}
