import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { signerFromConfig } from '@maison/consent';
import { gatewayConfig } from '@maison/gateway';
import { privacyConfigFromEnv } from '@maison/privacy';
import { standaloneConfig } from '@maison/runtime';
import { baseConfig, loadConfig } from '@maison/service-kit';
import { transactionsConfigFromEnv } from '@maison/transactions';
import fc from 'fast-check';
import { devIssuerConfig } from './dev-issuer.js';
import { resolveEndpoints } from './endpoints.js';
import {
  INFRA_SERVICES,
  launcherOptions,
  portsOf,
  processEnv,
  urlsOf,
  withDatabase,
  type InfraSettings,
} from './infra-env.js';
import { formatLine } from './supervisor.js';

const settings: InfraSettings = {
  endpoints: {
    kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9094'],
    databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: 'redis://127.0.0.1:6379',
  },
  database: 'maison',
  topicPrefix: 'dev.',
  region: 'EU',
  host: '127.0.0.1',
  port: 4000,
  logLevel: 'info',
  secrets: {
    masterKey: randomBytes(32),
    blindIndexKey: randomBytes(32),
    shopifySecret: randomBytes(24).toString('base64url'),
    ledgerSigningKeyPem: generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  },
};

describe('the environment of each process', () => {
  it.each(INFRA_SERVICES)(
    '%s gets every setting runStandalone validates, on its own port',
    (name) => {
      const env = processEnv(name, settings);
      // The very schemas the standalone main loads: a missing or invalid setting throws here.
      const config = loadConfig({ ...baseConfig, ...standaloneConfig }, env);
      expect(config).toMatchObject({
        PORT: portsOf(4000)[name],
        KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9094',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/maison',
        MAISON_TOPIC_PREFIX: 'dev.',
        AUTH_ISSUER: 'http://127.0.0.1:4010/auth',
        AUTH_JWKS_URL: 'http://127.0.0.1:4010/auth/.well-known/jwks.json',
        AUTH_AUDIENCE: 'maison-api',
      });
      const privacy = privacyConfigFromEnv(env);
      expect(privacy.blindIndexKey.reveal().equals(settings.secrets.blindIndexKey)).toBe(true);
    },
  );

  it('gives every service the same database, keys and token settings (one platform)', () => {
    const shared = [
      'DATABASE_URL',
      'MAISON_MASTER_KEY',
      'MAISON_BLIND_INDEX_KEY',
      'AUTH_ISSUER',
      'AUTH_JWKS_URL',
    ];
    const values = INFRA_SERVICES.map((s) => {
      const env = processEnv(s, settings);
      return shared.map((k) => env[k]);
    });
    for (const v of values) expect(v).toEqual(values[0]);
    expect(new Set(INFRA_SERVICES.map((s) => processEnv(s, settings).PORT)).size).toBe(5);
  });

  it('gives consent the ledger signing key and transactions the demo shop', () => {
    const consent = processEnv('consent', settings);
    expect(() => signerFromConfig(consent.CONSENT_LEDGER_SIGNING_KEY ?? '')).not.toThrow();
    const transactions = transactionsConfigFromEnv(processEnv('transactions', settings));
    expect(transactions.shopifyShops.map((s) => s.domain)).toEqual(['maison-aurele.myshopify.com']);
  });

  it('points the gateway at the five subgraphs and the issuer', () => {
    const env = processEnv('gateway', settings);
    const config = loadConfig({ ...baseConfig, ...gatewayConfig }, env);
    expect(config.PORT).toBe(4000);
    expect(config.GATEWAY_SUBGRAPH_URLS).toEqual({
      identity: 'http://127.0.0.1:4001/graphql',
      profiles: 'http://127.0.0.1:4002/graphql',
      transactions: 'http://127.0.0.1:4003/graphql',
      consent: 'http://127.0.0.1:4004/graphql',
      recommendations: 'http://127.0.0.1:4005/graphql',
    });
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    // The gateway holds no personal data: it gets neither the database nor the keys.
    expect(Object.keys(env)).not.toEqual(
      expect.arrayContaining(['DATABASE_URL', 'MAISON_MASTER_KEY']),
    );
  });

  it('lets the issuer run on the URL the services trust', () => {
    const urls = urlsOf(settings);
    const config = loadConfig(
      { ...baseConfig, ...devIssuerConfig },
      { DEV_ISSUER_URL: urls.issuer, PORT: String(portsOf(4000).issuer) },
    );
    expect(config.DEV_ISSUER_URL).toBe(processEnv('identity', settings).AUTH_ISSUER);
    expect(config.DEV_ISSUER_AUDIENCE).toBe(processEnv('identity', settings).AUTH_AUDIENCE);
  });

  it('uses loopback URLs when listening on every interface', () => {
    const urls = urlsOf({ host: '0.0.0.0', port: 5000 });
    expect(urls.gateway).toBe('http://127.0.0.1:5000');
    expect(urls.issuer).toBe('http://127.0.0.1:5010/auth');
  });
});

describe('withDatabase', () => {
  it('keeps the server, the credentials and the options', () => {
    expect(withDatabase('postgres://u:p@db.internal:6543/test?sslmode=require', 'maison')).toBe(
      'postgres://u:p@db.internal:6543/maison?sslmode=require',
    );
  });
});

describe('launcher settings', () => {
  it('has defaults', () => {
    expect(launcherOptions({}, '/repo/.data/infra')).toEqual({
      dataDir: '/repo/.data/infra',
      database: 'maison',
      topicPrefix: '',
      region: 'EU',
      port: 4000,
      host: '127.0.0.1',
      logLevel: 'info',
    });
  });

  it('refuses bad values, naming each of them', () => {
    expect(() =>
      launcherOptions(
        { MAISON_INFRA_DATABASE: 'Robert"; DROP', MAISON_TOPIC_PREFIX: 'A B', PORT: '70000' },
        '/d',
      ),
    ).toThrow(/MAISON_INFRA_DATABASE.*MAISON_TOPIC_PREFIX.*PORT/);
  });

  it('only accepts database names that are safe to quote', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (name) => {
        let accepted: string | undefined;
        try {
          accepted = launcherOptions({ MAISON_INFRA_DATABASE: name }, '/d').database;
        } catch {
          accepted = undefined;
        }
        if (accepted !== undefined) expect(accepted).toMatch(/^[a-z0-9_]{1,63}$/);
      }),
    );
  });
});

describe('resolveEndpoints', () => {
  it('prefers the environment, then infra:up’s endpoints file, setting by setting', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'maison-endpoints-'));
    try {
      expect(() => resolveEndpoints({}, root)).toThrow(/KAFKA_BROKERS, DATABASE_URL, REDIS_URL/);
      const state = path.join(root, 'infra', 'local', '.state');
      mkdirSync(state, { recursive: true });
      writeFileSync(
        path.join(state, 'endpoints.json'),
        '{"kafkaBrokers":["127.0.0.1:9092"],"databaseUrl":"postgres://postgres@127.0.0.1:5432/test","redisUrl":"redis://127.0.0.1:6379"}',
      );
      expect(resolveEndpoints({ REDIS_URL: 'redis://other:6380' }, root)).toEqual({
        kafkaBrokers: ['127.0.0.1:9092'],
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
        redisUrl: 'redis://other:6380',
      });
      expect(resolveEndpoints({ KAFKA_BROKERS: 'a:1, b:2' }, root).kafkaBrokers).toEqual([
        'a:1',
        'b:2',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('log lines', () => {
  const options = { width: 12, colour: undefined, json: false };

  it('shows a JSON log line as level, message and fields', () => {
    expect(
      formatLine(
        'identity',
        '{"level":"info","time":"2026-12-01T10:00:00Z","service":"identity","pid":1,"port":4001,"msg":"listening"}',
        options,
      ),
    ).toBe('identity     | INFO  listening port=4001');
  });

  it('keeps other lines, and every line in json mode, verbatim', () => {
    expect(formatLine('gateway', 'plain text', options)).toBe('gateway      | plain text');
    expect(formatLine('gateway', '{not json', options)).toBe('gateway      | {not json');
    const line = '{"level":30,"msg":"x"}';
    expect(formatLine('gateway', line, { ...options, json: true })).toBe(`gateway      | ${line}`);
  });

  it('never drops a line’s content (property)', () => {
    fc.assert(
      fc.property(fc.string(), (line) => {
        const out = formatLine('auth', line, options);
        expect(out.startsWith('auth         | ')).toBe(true);
      }),
    );
  });
});
