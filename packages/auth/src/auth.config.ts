// The same auth settings, under the same names, in every service: merge `authConfig` into the
// service's config shape and build the verifier from the loaded values.
import type { Config, ConfigShape } from '@maison/service-kit';
import { z } from 'zod';
import {
  createVerifier,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  type TokenVerifier,
} from './jwt.verifier.js';

export const authConfig = {
  /** Trusted `iss` value(s), comma-separated. */
  AUTH_ISSUER: z.string().min(1),
  /** This API's `aud` value(s), comma-separated. */
  AUTH_AUDIENCE: z.string().min(1),
  /** The issuer's JWKS document (https, or http on loopback). */
  AUTH_JWKS_URL: z.url(),
  /** Permit a plain-http JWKS on a non-loopback host (a compose network with the dev issuer). */
  AUTH_JWKS_ALLOW_HTTP: z.stringbool().default(false),
  /** When set, tokens must carry this `urn:maison:tenant`. */
  AUTH_TENANT: z.string().min(1).optional(),
  AUTH_CLOCK_TOLERANCE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300)
    .default(DEFAULT_CLOCK_TOLERANCE_SECONDS),
} satisfies ConfigShape;
export type AuthConfig = Config<typeof authConfig>;

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function verifierFromConfig(config: AuthConfig): TokenVerifier {
  return createVerifier({
    keys: {
      kind: 'remote',
      url: config.AUTH_JWKS_URL,
      allowInsecureHttp: config.AUTH_JWKS_ALLOW_HTTP,
    },
    issuer: list(config.AUTH_ISSUER),
    audience: list(config.AUTH_AUDIENCE),
    clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
    ...(config.AUTH_TENANT === undefined ? {} : { tenant: config.AUTH_TENANT }),
  });
}
