export { createIdentityService, type IdentityModule, type IdentityServiceOptions } from './app.js';
export { DEFAULT_RULES } from './rules/default.rules.js';
export {
  compileRules,
  ruleSetSchema,
  RULE_IDS,
  type RuleSet,
  type Rules,
} from './rules/rule-set.js';
export { PRIVATE_EVENTS, identityRegistry } from './engine/identity-store.js';
export type { IdentityService, ErasureOutcome, Origin } from './engine/identity.service.js';
export type {
  RecordInput,
  RecordReference,
  ReferenceNote,
  ReferenceStatus,
  ResolutionResult,
} from './resolution/resolve.policy.js';
export type { SimulationReport } from './resolution/simulation.js';
export type { ResolutionOutcome } from './record/record.events.js';
export { visibilityOf, type Visibility } from './api/visibility.js';
