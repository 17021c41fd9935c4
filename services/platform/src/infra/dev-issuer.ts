// The development token issuer as a service of its own: `@maison/auth/dev`'s issuer behind
// service-kit's app (`/healthz`, `/readyz`, problem+json, logs, graceful shutdown), its routes
// under `/auth` as on the embedded platform's gateway:
//   GET  /auth/.well-known/jwks.json   the key set the services verify against (AUTH_JWKS_URL)
//   POST /auth/dev/token               {"role":"associate","associateId":"…","storeIds":["PAR-01"]}
// It mints any role it is asked for: `createDevIssuer` refuses to start under NODE_ENV=production.
import { createDevIssuer } from '@maison/auth/dev';
import type { ServiceOptions } from '@maison/service-kit';
import { z } from 'zod';

export const devIssuerConfig = {
  /** The `iss` of the tokens (the services' AUTH_ISSUER): conventionally the URL it is served at. */
  DEV_ISSUER_URL: z.url(),
  /** The `aud` of the tokens (the services' AUTH_AUDIENCE). */
  DEV_ISSUER_AUDIENCE: z.string().min(1).default('maison-api'),
  /** Where the signing key is kept so tokens survive restarts; in memory without it. */
  DEV_ISSUER_KEY_DIR: z.string().min(1).optional(),
  DEV_ISSUER_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
};

export type DevIssuerServiceOptions = ServiceOptions<typeof devIssuerConfig>;

/** Options for `runService` (its own process) or `startService` (inside the launcher). */
export function devIssuerService(
  env: Readonly<Record<string, string | undefined>> = process.env,
): DevIssuerServiceOptions {
  return {
    name: 'dev-issuer',
    version: '0.1.0',
    config: devIssuerConfig,
    env,
    // Its own spans would only be noise in a trace of the platform.
    telemetry: { mode: 'none' },
    async setup({ config, logger }) {
      const issuer = await createDevIssuer({
        issuer: config.DEV_ISSUER_URL,
        audience: config.DEV_ISSUER_AUDIENCE,
        ttlSeconds: config.DEV_ISSUER_TTL_SECONDS,
        ...(config.DEV_ISSUER_KEY_DIR === undefined ? {} : { keyDir: config.DEV_ISSUER_KEY_DIR }),
        env,
      });
      logger.info({ issuer: issuer.issuer, keyId: issuer.keyId }, 'development token issuer');
      return {
        routes: (app) => {
          app.use('/auth', issuer.router());
        },
      };
    },
  };
}
