// The client-view benchmark's gateway process: one engine (BENCH_ENGINE, BENCH_HIVE_RUNTIME), the supergraph from
// BENCH_SUPERGRAPH, in production mode with the client view as its allow-list. Prints `{"url"}`.
import { readFileSync } from 'node:fs';
import { createVerifier } from '@maison/auth';
import { InMemoryRateLimiter } from '@maison/cache';
import { PersistedOperations, serveGateway } from '@maison/gateway';
import { CLIENT_VIEW_QUERY } from '@maison/gateway/testing';
import { createLogger } from '@maison/service-kit';

const { jwks, issuer, audience } = JSON.parse(process.env.BENCH_AUTH ?? '{}');
const served = await serveGateway({
  engine: process.env.BENCH_ENGINE,
  ...(process.env.BENCH_HIVE_RUNTIME ? { hiveRuntime: process.env.BENCH_HIVE_RUNTIME } : {}),
  mode: 'production',
  persistedOperations: new PersistedOperations([CLIENT_VIEW_QUERY]),
  supergraph: readFileSync(process.env.BENCH_SUPERGRAPH, 'utf8'),
  verifier: createVerifier({ keys: { kind: 'local', jwks }, issuer, audience }),
  logger: createLogger({ service: 'bench-gateway', level: 'error' }),
  probeSubgraphs: false,
  // The bench measures the engines, not the limiter refusing its load.
  rateLimiter: new InMemoryRateLimiter({ limit: 1_000_000_000, intervalMs: 1_000 }),
});
process.stdout.write(`${JSON.stringify({ url: served.url })}\n`);
process.on('SIGTERM', () => {
  void served.close().then(() => process.exit(0));
});
