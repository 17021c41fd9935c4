import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  composeSupergraph,
  fetchSubgraphs,
  serveGateway,
  type GatewayEngine,
  type ServedGateway,
} from '@maison/gateway';
import { DemoLoadStopped, loadDemo, type DemoLoadReport } from './demo-loader.js';
import { startEmbeddedPlatform, type EmbeddedPlatform } from './embedded.js';
import { EMBEDDED_SERVICES, SUBGRAPH_PORTS } from './services.js';

export interface PlatformOptions {
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  readonly engine?: GatewayEngine;
  /** Load the demo house when the data folder is new (default true). */
  readonly demo?: boolean;
  readonly demoClients?: number;
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** 0 = any free ports (tests); otherwise the fixed subgraph ports 4001–4005. */
  readonly subgraphPorts?: 'fixed' | 'any';
  readonly onDemoProgress?: (report: DemoLoadReport) => void;
}

export interface RunningPlatform {
  readonly embedded: EmbeddedPlatform;
  readonly gateway: ServedGateway;
  readonly graphqlUrl: string;
  readonly urls: Readonly<Record<string, string>>;
  /** What was loaded before `startPlatform` returned (the first clients). */
  readonly demo: DemoLoadReport | 'already-loaded' | 'skipped';
  /** Settles when the whole demo is in (at once when it was already loaded or skipped). */
  readonly demoLoaded: Promise<DemoLoadReport | undefined>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the in-process bus has no message left for any running consumer group and the
 * services' event stores have stopped growing for a moment: everything sent has been handled,
 * including what the handlers themselves published.
 */
async function settle(platform: EmbeddedPlatform, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const schemas = platform.services.map((s) => `${s.name}_events`);
  const count = async (): Promise<number> => {
    let total = 0;
    for (const schema of schemas) {
      const rows = await platform.database.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "${schema}".events`,
      );
      total += Number(rows[0]?.n ?? 0);
    }
    return total;
  };
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = (await count()) + platform.bus.lag() * 1_000_000;
    if (now !== last || platform.bus.lag() > 0) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 1_500) return;
    await sleep(250);
  }
  throw new Error('the platform did not settle in time');
}

/** The whole platform in one process: services, gateway, dev token issuer, and the demo. */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const port = options.port ?? 4000;
  const host = options.host ?? '127.0.0.1';
  const fixed = (options.subgraphPorts ?? 'fixed') === 'fixed';
  const embedded = await startEmbeddedPlatform({
    dataDir: options.dataDir,
    port,
    host,
    services: EMBEDDED_SERVICES,
    ...(fixed
      ? { ports: SUBGRAPH_PORTS }
      : { ports: { identity: 0, profiles: 0, transactions: 0, consent: 0, recommendations: 0 } }),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  let gateway: ServedGateway | undefined;
  const stopping = new AbortController();
  try {
    const urls = Object.fromEntries(
      embedded.services.map((s) => [s.name, `${s.served.url}/graphql`]),
    );
    // Composed from the running subgraphs, the same way `npm run supergraph` writes the
    // committed file, so a local schema change is served at once.
    const supergraph = composeSupergraph(await fetchSubgraphs(urls));
    gateway = await serveGateway({
      supergraph,
      subgraphUrls: urls,
      verifier: embedded.verifier,
      logger: embedded.logger.child({ service: 'gateway' }),
      ...(options.engine ? { engine: options.engine } : {}),
      mode: 'development',
      port,
      host,
      routes: (app) => {
        app.use('/auth', embedded.issuer.router());
      },
    });
    const targets = Object.fromEntries(embedded.services.map((s) => [s.name, s.served.url]));
    let demo: RunningPlatform['demo'] = 'skipped';
    let demoDone: Promise<DemoLoadReport | undefined> = Promise.resolve(undefined);
    const marker = path.join(options.dataDir, 'demo-loaded.json');
    if (options.demo !== false) {
      if (existsSync(marker)) demo = 'already-loaded';
      else {
        const producer = await embedded.bus.createProducer();
        const loading = loadDemo({
          signal: stopping.signal,
          targets: {
            identity: targets.identity ?? '',
            transactions: targets.transactions ?? '',
            consent: targets.consent ?? '',
            gateway: gateway.url,
          },
          issuer: embedded.issuer,
          producer,
          logger: embedded.logger,
          ...(options.demoClients === undefined ? {} : { clients: options.demoClients }),
          settled: () => settle(embedded),
          ...(options.onDemoProgress ? { onProgress: options.onDemoProgress } : {}),
        });
        demoDone = loading.all.then(
          async (report) => {
            await producer.close();
            writeFileSync(marker, `${JSON.stringify(report, null, 2)}\n`);
            return report;
          },
          async (error: unknown) => {
            await producer.close();
            // Stopped half-way: the next start loads the demo again (every path is idempotent).
            if (error instanceof DemoLoadStopped) return undefined;
            throw error;
          },
        );
        demo = await loading.first;
      }
    }
    const served = gateway;
    return {
      embedded,
      gateway: served,
      graphqlUrl: `${served.url}/graphql`,
      urls: { gateway: served.url, ...targets },
      demo,
      demoLoaded: demoDone,
      stop: async () => {
        // A background demo load stops at its next step rather than mid-request.
        stopping.abort();
        await Promise.race([demoDone.catch(() => undefined), sleep(10_000)]);
        await served.close();
        await embedded.stop();
      },
    };
  } catch (error) {
    await gateway?.close().catch(() => undefined);
    await embedded.stop();
    throw error;
  }
}

export function readDemoReport(dataDir: string): DemoLoadReport | undefined {
  const marker = path.join(dataDir, 'demo-loaded.json');
  return existsSync(marker)
    ? (JSON.parse(readFileSync(marker, 'utf8')) as DemoLoadReport)
    : undefined;
}
