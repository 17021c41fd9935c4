// The client-view benchmark's subgraph process: the five test subgraphs of @maison/gateway
// (realistic payloads, token verified and authorized in every subgraph), in their own process so
// the gateway under test has its event loop to itself. Prints `{"urls":{…}}` once listening.
import { createVerifier } from '@maison/auth';
import { startFixtureSubgraphs } from '@maison/gateway/testing';
import { createLogger } from '@maison/service-kit';

const { jwks, issuer, audience } = JSON.parse(process.env.BENCH_AUTH ?? '{}');
const verifier = createVerifier({ keys: { kind: 'local', jwks }, issuer, audience });
const logger = createLogger({ service: 'bench-subgraphs', level: 'error' });
console.info = () => undefined; // Apollo's start-up notices
const subgraphs = await startFixtureSubgraphs({ verifier, logger, clients: 1000 });
process.stdout.write(`${JSON.stringify({ urls: subgraphs.urls })}\n`);
process.on('SIGTERM', () => {
  void subgraphs.close().then(() => process.exit(0));
});
