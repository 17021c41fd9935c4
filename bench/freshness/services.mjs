// The freshness benchmark's platform process: the five services on real Kafka (topics unique to
// the run), PostgreSQL (a fresh database) and Redis (each service's entity cache), each serving its
// REST API and subgraph on a free port, wired as services/platform wires them. Tokens are verified
// against the benchmark's development issuer (BENCH_AUTH: { jwks, issuer, audience }). Prints one
// line `{ urls, databaseUrl, topicPrefix }`; SIGTERM stops the services and removes the run's topics, database
// and Redis keys.
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createVerifier } from '@maison/auth';
import { RedisCache } from '@maison/cache';
import { createConsentService, generateDevSigner } from '@maison/consent';
import { createIdentityService } from '@maison/identity';
import { createProfilesService } from '@maison/profiles';
import { createRecommendationsService } from '@maison/recommendations';
import { serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import { isolatedRedis } from '@maison/testing';
import { createTransactionsService, transactionsConfigFromEnv } from '@maison/transactions';

const { jwks, issuer, audience } = JSON.parse(process.env.BENCH_AUTH ?? '{}');
const verifier = createVerifier({ keys: { kind: 'local', jwks }, issuer, audience });

const SERVICES = [
  ['identity', (ctx) => createIdentityService(ctx)],
  ['profiles', (ctx) => createProfilesService(ctx)],
  [
    'transactions',
    (ctx) =>
      createTransactionsService(ctx, {
        ...transactionsConfigFromEnv({}),
        shopifyShops: [
          {
            domain: 'bench.myshopify.com',
            secret: randomBytes(24).toString('base64url'),
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

const env = await createTestEnvironment({ transport: 'kafka', logLevel: 'error' });
const redis = await isolatedRedis('fresh');
const running = [];
const urls = {};
for (const [name, create] of SERVICES) {
  const cache = new RedisCache({ client: redis.client, prefix: name });
  const ctx = { ...env.contextFor(name), verifier, cache };
  const module = await create(ctx);
  await module.start();
  const served = await serveModule(module, ctx);
  running.push({ name, module, served, cache });
  urls[name] = served.url;
}
process.stdout.write(
  `${JSON.stringify({ urls, databaseUrl: env.database.pool.options.connectionString, topicPrefix: env.names.prefix })}\n`,
);

// Where the time goes inside this process: the five services share one event loop.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const cpuAtStart = process.cpuUsage();
const wallAtStart = performance.now();

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  loop.disable();
  const cpu = process.cpuUsage(cpuAtStart);
  const ms = (ns) => (ns / 1e6).toFixed(1);
  process.stderr.write(
    `services process: event-loop delay p50 ${ms(loop.percentile(50))} p99 ${ms(loop.percentile(99))} max ${ms(loop.max)} ms; ` +
      `CPU ${((cpu.user + cpu.system) / 1e3 / (performance.now() - wallAtStart)).toFixed(2)} cores on average\n`,
  );
  // Each step named, so a shutdown that hangs says where.
  let step = 'start';
  const watchdog = setTimeout(() => {
    process.stderr.write(`services process: shutdown stuck at ${step}\n`);
    process.exit(1);
  }, 45_000);
  void (async () => {
    for (const r of [...running].reverse()) {
      step = `${r.name}: HTTP close`;
      await r.served.close().catch(() => undefined);
    }
    for (const r of [...running].reverse()) {
      step = `${r.name}: module stop`;
      await r.module.stop().catch(() => undefined);
      step = `${r.name}: cache close`;
      await r.cache.close().catch(() => undefined);
    }
    step = 'Redis cleanup';
    await redis.cleanup().catch(() => undefined);
    step = 'test environment cleanup (topics, database)';
    await env.cleanup();
    clearTimeout(watchdog);
    process.exit(0);
  })();
});
