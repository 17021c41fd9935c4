// What each process of `npm run start:infra` is given: the standalone settings of
// `@maison/runtime` (runStandalone), the gateway's, and the services' own — computed from the
// endpoints and the development secrets, with no I/O, so the unit tests can check every name.
import type { ServiceName } from '@maison/event-contracts';
import type { EmbeddedSecrets } from '../keys.js';
import { DEMO_SHOP_DOMAIN } from '../services.js';

/** The five services in start order (identity first: the others consume its decisions). */
export const INFRA_SERVICES: readonly ServiceName[] = [
  'identity',
  'profiles',
  'transactions',
  'consent',
  'recommendations',
];

export type InfraProcessName = ServiceName | 'gateway';

export const DEV_AUDIENCE = 'maison-api';

export interface InfraEndpoints {
  readonly kafkaBrokers: readonly string[];
  /** The PostgreSQL server (any database on it); the platform's database is derived from it. */
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

export interface InfraSettings {
  readonly endpoints: InfraEndpoints;
  /** The one database every service uses (a schema per service, the shared key store). */
  readonly database: string;
  /** Topic and consumer-group prefix (`MAISON_TOPIC_PREFIX`). */
  readonly topicPrefix: string;
  readonly region: string;
  readonly host: string;
  /** The gateway's port; the subgraphs use port + 1 … port + 5, the token issuer port + 10. */
  readonly port: number;
  readonly logLevel: string;
  readonly secrets: EmbeddedSecrets;
}

/** `postgres://user@host:5432/test` → the same server, another database (query kept). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The loopback address clients use for a listen address. */
function reachable(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

export function portsOf(port: number): Readonly<Record<InfraProcessName, number>> & {
  readonly issuer: number;
} {
  return {
    gateway: port,
    identity: port + 1,
    profiles: port + 2,
    transactions: port + 3,
    consent: port + 4,
    recommendations: port + 5,
    issuer: port + 10,
  };
}

export function urlsOf(settings: Pick<InfraSettings, 'host' | 'port'>): Readonly<
  Record<InfraProcessName, string>
> & {
  readonly issuer: string;
} {
  const host = reachable(settings.host);
  const ports = portsOf(settings.port);
  const at = (p: number) => `http://${host}:${String(p)}`;
  return {
    gateway: at(ports.gateway),
    identity: at(ports.identity),
    profiles: at(ports.profiles),
    transactions: at(ports.transactions),
    consent: at(ports.consent),
    recommendations: at(ports.recommendations),
    // The issuer's routes are mounted under /auth, as on the embedded platform's gateway.
    issuer: `${at(ports.issuer)}/auth`,
  };
}

/** The settings every process shares: the token verifier's and the base service settings. */
function authEnv(settings: InfraSettings): Record<string, string> {
  const issuer = urlsOf(settings).issuer;
  return {
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: DEV_AUDIENCE,
    AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
    // Loopback http is accepted anyway; set so the same settings work on a compose network.
    AUTH_JWKS_ALLOW_HTTP: 'true',
  };
}

/** Environment of one process (on top of the launcher's own environment). */
export function processEnv(
  name: InfraProcessName,
  settings: InfraSettings,
): Record<string, string> {
  const ports = portsOf(settings.port);
  const urls = urlsOf(settings);
  const base = {
    PORT: String(ports[name]),
    HOST: settings.host,
    LOG_LEVEL: settings.logLevel,
    ...authEnv(settings),
  };
  if (name === 'gateway') {
    return {
      ...base,
      REDIS_URL: settings.endpoints.redisUrl,
      GATEWAY_SUBGRAPH_URLS: INFRA_SERVICES.map((s) => `${s}=${urls[s]}/graphql`).join(','),
    };
  }
  const common = {
    ...base,
    DATABASE_URL: withDatabase(settings.endpoints.databaseUrl, settings.database),
    KAFKA_BROKERS: settings.endpoints.kafkaBrokers.join(','),
    REDIS_URL: settings.endpoints.redisUrl,
    MAISON_REGION: settings.region,
    MAISON_TOPIC_PREFIX: settings.topicPrefix,
    MAISON_MASTER_KEY: settings.secrets.masterKey.toString('base64'),
    MAISON_BLIND_INDEX_KEY: settings.secrets.blindIndexKey.toString('base64'),
  };
  switch (name) {
    case 'consent':
      return { ...common, CONSENT_LEDGER_SIGNING_KEY: settings.secrets.ledgerSigningKeyPem };
    case 'transactions':
      // The demo web shop, as on the embedded platform: the tour's signed webhook works here too.
      return {
        ...common,
        TRANSACTIONS_SHOPIFY_SHOPS: JSON.stringify([
          {
            domain: DEMO_SHOP_DOMAIN,
            secret: settings.secrets.shopifySecret,
            region: 'EU',
            country: 'FR',
            storeId: 'WEB-EU',
            taxesIncluded: true,
          },
        ]),
      };
    case 'identity':
    case 'profiles':
    case 'recommendations':
      return common;
  }
}

/** Settings the launcher reads, with their defaults (documented in the platform README). */
export interface LauncherEnv {
  readonly MAISON_INFRA_DATA_DIR?: string;
  readonly MAISON_INFRA_DATABASE?: string;
  readonly MAISON_TOPIC_PREFIX?: string;
  readonly MAISON_REGION?: string;
  readonly PORT?: string;
  readonly HOST?: string;
  readonly LOG_LEVEL?: string;
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const TOPIC_PREFIX = /^[a-z0-9._-]*$/;

export interface LauncherOptions {
  readonly dataDir: string;
  readonly database: string;
  readonly topicPrefix: string;
  readonly region: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
}

/** Validates the launcher's own settings; throws one error listing every problem. */
export function launcherOptions(
  env: Readonly<Record<string, string | undefined>>,
  defaultDataDir: string,
): LauncherOptions {
  const problems: string[] = [];
  const value = (key: keyof LauncherEnv): string | undefined => {
    const v = env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const database = value('MAISON_INFRA_DATABASE') ?? 'maison';
  if (!DATABASE_NAME.test(database))
    problems.push('MAISON_INFRA_DATABASE must be a lower-case PostgreSQL identifier');
  const topicPrefix = value('MAISON_TOPIC_PREFIX') ?? '';
  if (!TOPIC_PREFIX.test(topicPrefix))
    problems.push('MAISON_TOPIC_PREFIX may only hold a-z, 0-9, ".", "_" and "-"');
  const port = Number(value('PORT') ?? '4000');
  if (!Number.isInteger(port) || port < 1 || port > 65_525)
    problems.push('PORT must be a port number (the gateway; the others use PORT+1 … PORT+10)');
  if (problems.length > 0) throw new Error(`start:infra: ${problems.join('; ')}`);
  return {
    dataDir: value('MAISON_INFRA_DATA_DIR') ?? defaultDataDir,
    database,
    topicPrefix,
    region: value('MAISON_REGION') ?? 'EU',
    port,
    host: value('HOST') ?? '127.0.0.1',
    logLevel: value('LOG_LEVEL') ?? 'info',
  };
}
