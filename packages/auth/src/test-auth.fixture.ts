// For service tests: a private in-memory key set, a verifier that trusts only it, and tokens for any
// role, with no HTTP and no identity provider. Tests exercise the real verification path.
import { createDevIssuer, type DevTokenRequest, type MintOverrides } from './dev.issuer.js';
import { createVerifier, type TokenVerifier } from './jwt.verifier.js';

export const TEST_ISSUER = 'https://auth.test.maison.invalid/';
export const TEST_AUDIENCE = 'maison-api';

export interface TestAuth {
  readonly issuer: string;
  readonly audience: string;
  /** Trusts the fixture's key set only (pass it to `authenticate` or your context function). */
  readonly verifier: TokenVerifier;
  token(request: DevTokenRequest, overrides?: MintOverrides): Promise<string>;
  /** `Bearer <token>`, ready for an Authorization header. */
  authorization(request: DevTokenRequest, overrides?: MintOverrides): Promise<string>;
}

export async function createTestAuth(
  options: { issuer?: string; audience?: string; now?: () => Date } = {},
): Promise<TestAuth> {
  const issuer = options.issuer ?? TEST_ISSUER;
  const audience = options.audience ?? TEST_AUDIENCE;
  const dev = await createDevIssuer({
    issuer,
    audience,
    // A fixture never serves tokens to anyone but the test that created it.
    env: {},
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const verifier = createVerifier({
    keys: dev.keySource(),
    issuer,
    audience,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return {
    issuer,
    audience,
    verifier,
    token: (request, overrides) => dev.mintToken(request, overrides),
    authorization: async (request, overrides) =>
      `Bearer ${await dev.mintToken(request, overrides)}`,
  };
}
