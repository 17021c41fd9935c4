// The GraphQL-over-HTTP specification, checked with the `graphql-http` audit suite against both
// engines behind the gateway's edge. The audits send no credentials and no CSRF header; the fetch
// below adds a valid bearer token (anonymous callers get 401 by design) and `x-maison-csrf` (so
// GET requests are not refused as potential CSRF before reaching the engine). Nothing else is
// changed in the requests the audits make.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestAuth, type TestAuth } from '@maison/auth/dev';
import { createLogger } from '@maison/service-kit';
import { serverAudits } from 'graphql-http';
import {
  composeSupergraph,
  fetchSubgraphs,
  serveGateway,
  type ServedGateway,
} from '../src/index.js';
import { startFixtureSubgraphs, type FixtureSubgraphs } from '../src/testing.js';

const logger = createLogger({ service: 'gateway-audit', level: 'silent' });

let auth: TestAuth;
let subgraphs: FixtureSubgraphs;
let supergraph: string;

beforeAll(async () => {
  auth = await createTestAuth();
  subgraphs = await startFixtureSubgraphs({ verifier: auth.verifier, logger, clients: 10 });
  supergraph = composeSupergraph(await fetchSubgraphs(subgraphs.urls));
});
afterAll(() => subgraphs.close());

/** Audits the gateway does not pass, each with the reason (empty: it passes every audit). */
const DEVIATIONS: Readonly<Record<string, string>> = {};

const VARIANTS = [
  ['hive', 'router'],
  ['hive', 'stitching'],
  ['apollo', undefined],
] as const;

describe.each(VARIANTS)('GraphQL over HTTP on the %s engine (%s)', (engine, hiveRuntime) => {
  let gw: ServedGateway;
  let authorization: string;
  beforeAll(async () => {
    gw = await serveGateway({
      engine,
      ...(hiveRuntime ? { hiveRuntime } : {}),
      supergraph,
      verifier: auth.verifier,
      logger,
      probeSubgraphs: false,
    });
    authorization = await auth.authorization({ role: 'admin' });
  });
  afterAll(() => gw.close());

  const audits = serverAudits({
    url: () => `${gw.url}/graphql`,
    fetchFn: (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', authorization);
      headers.set('x-maison-csrf', '1');
      return fetch(input, { ...init, headers });
    },
  });

  it.each(audits.map((a) => [a.name, a] as const))('%s', async (_name, audit) => {
    const result = await audit.fn();
    const deviation = DEVIATIONS[audit.id];
    if (deviation !== undefined) expect(result.status).not.toBe('ok');
    else expect([result.status, result.status === 'ok' ? '' : result.reason]).toEqual(['ok', '']);
  });
});
