// The freshness benchmark's gateway process: one engine (BENCH_ENGINE) over the supergraph in
// BENCH_SUPERGRAPH (composed from the running services), in production mode with the poller's
// operations (BENCH_OPERATIONS, a JSON array) as its allow-list. Prints `{"url"}`.
import { readFileSync } from 'node:fs';
import { createVerifier } from '@maison/auth';
import { InMemoryRateLimiter } from '@maison/cache';
import { PersistedOperations, serveGateway } from '@maison/gateway';
import { createLogger } from '@maison/service-kit';

const { jwks, issuer, audience } = JSON.parse(process.env.BENCH_AUTH ?? '{}');
const served = await serveGateway({
  engine: process.env.BENCH_ENGINE,
  mode: 'production',
  persistedOperations: new PersistedOperations(JSON.parse(process.env.BENCH_OPERATIONS ?? '[]')),
  supergraph: readFileSync(process.env.BENCH_SUPERGRAPH, 'utf8'),
  verifier: createVerifier({ keys: { kind: 'local', jwks }, issuer, audience }),
  logger: createLogger({ service: 'bench-gateway', level: 'error' }),
  probeSubgraphs: false,
  // The bench measures freshness, not the limiter refusing the poller.
  rateLimiter: new InMemoryRateLimiter({ limit: 1_000_000_000, intervalMs: 1_000 }),
});
process.stdout.write(`${JSON.stringify({ url: served.url })}\n`);
process.on('SIGTERM', () => {
  void served.close().then(() => process.exit(0));
});
