export { createProfilesService, cacheTag, type ProfilesServiceOptions } from './app.js';
export {
  DEFAULT_CONFIG,
  DEFAULT_STORES,
  REGION_TIME_ZONES,
  configFromEnv,
  type ProfilesConfig,
  type StoreInfo,
} from './config.js';
export {
  SURVIVORSHIP_POLICIES,
  DEFAULT_SURVIVORSHIP_VERSION,
  survive,
  type SurvivorshipPolicy,
  type FieldRule,
} from './profile/survivorship.js';
export type {
  AutoAssignmentMode,
  AutoAssignmentPolicy,
} from './client-book/client-book.decider.js';
export type { LeapDayRule, UpcomingOccasion } from './occasions/occasions.js';
export { foldForSearch, searchTokens } from './text/name-search.js';
export { FIELD_KEYS } from './profile/profile.fields.js';
export type { ProfileView, ClientBookView } from './views.js';
