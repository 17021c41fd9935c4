// `@maison/auth/dev`: the development issuer and the test fixture, kept out of the main entry so
// production code that imports `@maison/auth` never pulls in a token minter by accident.
export {
  ACCESS_TOKEN_TYPE,
  createDevIssuer,
  DEV_TOKEN_TTL_SECONDS,
  type DevIssuer,
  type DevIssuerOptions,
  type DevTokenDefaults,
  type DevTokenRequest,
  type MintOverrides,
} from './dev.issuer.js';
export { createTestAuth, TEST_AUDIENCE, TEST_ISSUER, type TestAuth } from './test-auth.fixture.js';
