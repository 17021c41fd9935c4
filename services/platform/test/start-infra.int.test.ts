// `npm run start:infra` against the real Kafka, PostgreSQL and Redis: every service and the
// gateway in a process of its own, a development token issuer they all verify against, a query
// through the gateway that needs identity's REST API, Kafka-free reads of three subgraphs and the
// dev issuer, and a Ctrl+C that stops the gateway before the services and exits 0.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { eventually } from '@maison/testing';
import { startInfraRun, type InfraRun } from './infra-harness.js';

let run: InfraRun;
beforeAll(async () => {
  run = await startInfraRun();
}, 150_000);
afterAll(async () => {
  await run.cleanup();
}, 60_000);

interface Gql<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function graphql<T>(token: string, query: string, variables: object): Promise<Gql<T>> {
  const res = await fetch(`${run.urls.gateway}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Gql<T>;
}

it('runs each service in its own process, ready on its own port', async () => {
  for (const name of [
    'gateway',
    'identity',
    'profiles',
    'transactions',
    'consent',
    'recommendations',
  ] as const) {
    const res = await fetch(`${run.urls[name]}/readyz`);
    expect({ name, status: res.status }).toEqual({ name, status: 200 });
  }
  // Each process wrote its own start-up line (service-kit's "starting"), under its own prefix.
  const started = [...run.output().matchAll(/^(\w+)\s+\| INFO {2}starting /gm)].map((m) => m[1]);
  expect(started.sort()).toEqual([
    'auth',
    'consent',
    'gateway',
    'identity',
    'profiles',
    'recommendations',
    'transactions',
  ]);
  expect(run.output()).toContain(`PostgreSQL database "${run.database}"`);
});

it('answers a client view through the gateway with a development token', async () => {
  const integration = await run.token({ role: 'integration', subject: 'pos-paris' });
  const email = `infra-${String(run.port)}@example.com`;
  const identified = await fetch(`${run.urls.identity}/v1/identify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${integration}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      identifiers: [{ type: 'email', value: email }],
      storeId: 'PAR-01',
      region: 'EU',
    }),
  });
  expect(identified.status).toBe(201);
  const { clientId } = (await identified.json()) as { clientId: string };

  const admin = await run.token({ role: 'admin', subject: 'infra-test' });
  // the identifier lookup reads identity's read model, which follows the store: wait for it
  const view = await eventually(
    async () => {
      const answer = await graphql<{
        clientByIdentifier: {
          id: string;
          identifiers: { type: string; masked: string }[];
          tier: { level: string } | null;
          consents: unknown[];
          transactions: { edges: unknown[] };
        } | null;
      }>(
        admin,
        `
          query View($type: IdentityIdentifierType!, $value: String!) {
            clientByIdentifier(type: $type, value: $value) {
              id
              identifiers {
                type
                masked
              }
              tier {
                level
              }
              consents {
                purpose
                channel
                state
              }
              transactions(first: 5) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        `,
        { type: 'EMAIL', value: email },
      );
      return answer.errors === undefined && answer.data?.clientByIdentifier === null
        ? undefined
        : answer;
    },
    { timeoutMs: 30_000, what: 'the new client in the gateway view' },
  );
  expect(view.errors).toBeUndefined();
  expect(view.data?.clientByIdentifier).toMatchObject({
    id: clientId,
    identifiers: [{ type: 'EMAIL', masked: expect.stringMatching(/@example\.com$/) }],
    consents: [],
    transactions: { edges: [] },
  });

  // The subgraphs verify the forwarded token themselves: an integration token reads nothing.
  const refused = await graphql<unknown>(
    integration,
    'query ($id: ID!) { client(id: $id) { id identifiers { type } } }',
    { id: clientId },
  );
  expect(refused.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
});

it('refuses callers without a token from the issuer it runs', async () => {
  const res = await fetch(`${run.urls.gateway}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  expect(res.status).toBe(401);
});

it('stops on Ctrl+C, the gateway before the services, and exits 0', async () => {
  const code = await run.interrupt();
  const out = run.output();
  expect(code).toBe(0);
  expect(out).toContain('every process stopped cleanly');
  const gatewayDone = out.indexOf('gateway         | INFO  shutdown complete');
  expect(gatewayDone).toBeGreaterThan(0);
  for (const name of ['identity', 'profiles', 'transactions', 'consent', 'recommendations']) {
    const begins = out.indexOf(`${name.padEnd(15)} | INFO  shutting down`);
    const done = out.indexOf(`${name.padEnd(15)} | INFO  shutdown complete`);
    expect({ name, after: begins > gatewayDone, done: done > begins }).toEqual({
      name,
      after: true,
      done: true,
    });
  }
  expect(out.indexOf('auth            | INFO  shutting down')).toBeGreaterThan(
    Math.max(
      ...['identity', 'profiles', 'transactions', 'consent', 'recommendations'].map((n) =>
        out.indexOf(`${n.padEnd(15)} | INFO  shutdown complete`),
      ),
    ),
  );
}, 60_000);
