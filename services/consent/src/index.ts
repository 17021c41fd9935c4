export {
  canProcess,
  DECISION_CODES,
  type Decision,
  type DecisionCode,
  type ProcessRequest,
} from './policy/can-process.js';
export { DEFAULT_POLICIES, type PolicySet } from './policy/policies.js';
export {
  consentsAsOf,
  effectiveConsents,
  type ClientConsentState,
  type ConsentRecord,
} from './consent/consent.state.js';
export {
  verifyBundle,
  type VerificationReport,
  type VerificationFailure,
} from './verifier/verify-bundle.js';
export type { LedgerBundle } from './verifier/bundle.js';
export {
  createConsentService,
  CONSENT_PRIVATE_EVENTS,
  type ConsentServiceModule,
  type ConsentServiceOptions,
} from './app.js';
export {
  generateDevSigner,
  signerFromConfig,
  type LedgerSigner,
  type SignedCheckpoint,
  type LedgerPublicKey,
} from './ledger/checkpoint.js';
export { decodeTcString } from './sources/tcf.js';
