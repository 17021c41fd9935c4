// The platform on real infrastructure for the e2e tier: the five service modules on one test
// environment (real Kafka topics, a fresh PostgreSQL database, one key store, one token issuer),
// each service's entity cache and the gateway's rate limiter in the real Redis, every subgraph
// served on a free port, and the gateway composing their SDL as `npm start` does.
import { randomBytes } from 'node:crypto';
import { RedisCache, RedisRateLimiter } from '@maison/cache';
import { createConsentService, generateDevSigner } from '@maison/consent';
import type { ServiceName } from '@maison/event-contracts';
import {
  composeSupergraph,
  fetchSubgraphs,
  serveGateway,
  type GatewayEngine,
  type ServedGateway,
} from '@maison/gateway';
import { createIdentityService } from '@maison/identity';
import { createProfilesService } from '@maison/profiles';
import { createRecommendationsService } from '@maison/recommendations';
import {
  serveModule,
  type ServedModule,
  type ServiceContext,
  type ServiceModule,
} from '@maison/runtime';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { isolatedRedis, type IsolatedRedis } from '@maison/testing';
import { createTransactionsService, transactionsConfigFromEnv } from '@maison/transactions';

export const SHOP_DOMAIN = 'maison-aurele-journey.myshopify.com';

export interface JourneyPlatform {
  readonly env: TestEnvironment;
  readonly redis: IsolatedRedis;
  readonly gateway: ServedGateway;
  /** Each service's base URL (REST `/v1/…`, subgraph `/graphql`). */
  readonly urls: Readonly<Record<ServiceName, string>>;
  /** The web shop's webhook secret (generated per run: secrets are never committed). */
  readonly shopSecret: string;
  close(): Promise<void>;
}

type Factory = (ctx: ServiceContext, shopSecret: string) => Promise<ServiceModule>;

/** In start order (identity first: the others consume its decisions), as services/platform wires them. */
const SERVICES: readonly (readonly [ServiceName, Factory])[] = [
  ['identity', (ctx) => createIdentityService(ctx)],
  ['profiles', (ctx) => createProfilesService(ctx)],
  [
    'transactions',
    (ctx, secret) =>
      createTransactionsService(ctx, {
        ...transactionsConfigFromEnv({}),
        shopifyShops: [
          {
            domain: SHOP_DOMAIN,
            secret,
            region: 'EU',
            country: 'FR',
            storeId: 'WEB-EU',
            taxesIncluded: true,
          },
        ],
      }),
  ],
  ['consent', (ctx) => createConsentService(ctx, { signer: generateDevSigner(), shops: {} })],
  ['recommendations', (ctx) => createRecommendationsService(ctx)],
];

export async function startJourneyPlatform(
  options: { engine?: GatewayEngine } = {},
): Promise<JourneyPlatform> {
  const env = await createTestEnvironment({ transport: 'kafka', logLevel: 'error' });
  const steps: (() => Promise<void>)[] = [() => env.cleanup()];
  const unwind = async (): Promise<void> => {
    for (const step of steps.reverse()) await step().catch(() => undefined);
  };
  try {
    const redis = await isolatedRedis('journey');
    steps.push(() => redis.cleanup());
    const shopSecret = randomBytes(24).toString('base64url');
    const urls: Partial<Record<ServiceName, string>> = {};
    for (const [name, create] of SERVICES) {
      const cache = new RedisCache({ client: redis.client, prefix: name });
      const ctx: ServiceContext = { ...env.contextFor(name), cache };
      const module = await create(ctx, shopSecret);
      steps.push(async () => {
        await module.stop();
        await cache.close();
      });
      await module.start();
      const served: ServedModule = await serveModule(module, ctx);
      steps.push(() => served.close());
      urls[name] = served.url;
    }
    const all = urls as Record<ServiceName, string>;
    const subgraphUrls = Object.fromEntries(
      Object.entries(all).map(([name, url]) => [name, `${url}/graphql`]),
    );
    const gateway = await serveGateway({
      supergraph: composeSupergraph(await fetchSubgraphs(subgraphUrls)),
      subgraphUrls,
      verifier: env.auth.verifier,
      logger: env.logger.child({ service: 'gateway' }),
      ...(options.engine ? { engine: options.engine } : {}),
      mode: 'development',
      rateLimiter: new RedisRateLimiter({
        client: redis.client,
        prefix: 'gateway',
        limit: 100_000,
        intervalMs: 60_000,
      }),
    });
    steps.push(() => gateway.close());
    return { env, redis, gateway, urls: all, shopSecret, close: unwind };
  } catch (error) {
    await unwind();
    throw error;
  }
}

export interface GraphQLError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly serviceName?: string };
}

export interface GraphQLResult<T> {
  readonly status: number;
  readonly data: T | null | undefined;
  readonly errors: readonly GraphQLError[];
  readonly codes: readonly (string | undefined)[];
}

export async function graphql<T>(
  url: string,
  authorization: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: GraphQLError[] };
  const errors = body.errors ?? [];
  return {
    status: res.status,
    data: body.data,
    errors,
    codes: errors.map((e) => e.extensions?.code),
  };
}

export async function rest(
  method: string,
  url: string,
  authorization: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(authorization === undefined ? {} : { authorization }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

export interface FreshnessSample {
  readonly step: string;
  readonly boundMs: number;
  readonly observedMs: number;
}
