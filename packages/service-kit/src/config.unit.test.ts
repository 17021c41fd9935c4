import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { z } from 'zod';
import {
  ConfigError,
  describeConfig,
  isSecret,
  loadConfig,
  secret,
  startService,
} from './index.js';

const shape = {
  DATABASE_URL: secret(z.url()),
  KAFKA_BROKERS: z.string().min(1),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  LOG_LEVEL: z.enum(['info', 'debug']).default('info'),
  BLIND_INDEX_KEY: secret(z.string().min(32)),
  CACHE_TTL_SECONDS: z.coerce.number().int().positive().optional(),
};

function problemsOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('lists every missing or invalid setting at once, without printing secret values', () => {
    const leakedSecret = 'too-short-but-still-secret';
    const error = problemsOf(() =>
      loadConfig(shape, {
        PORT: 'eighty',
        LOG_LEVEL: 'verbose',
        BLIND_INDEX_KEY: leakedSecret,
        CACHE_TTL_SECONDS: '-5',
      }),
    );

    expect(error.problems.map((p) => p.key).sort()).toEqual([
      'BLIND_INDEX_KEY',
      'CACHE_TTL_SECONDS',
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'LOG_LEVEL',
      'PORT',
    ]);
    expect(error.problems.find((p) => p.key === 'DATABASE_URL')).toEqual({
      key: 'DATABASE_URL',
      message: 'required but not set',
      secret: true,
    });
    expect(error.problems.find((p) => p.key === 'BLIND_INDEX_KEY')?.message).toMatch(
      /value hidden/,
    );
    expect(error.message).toMatch(/^Invalid configuration \(6 problems\):/);
    for (const key of [
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'PORT',
      'LOG_LEVEL',
      'BLIND_INDEX_KEY',
      'CACHE_TTL_SECONDS',
    ]) {
      expect(error.message).toContain(`  - ${key}`);
    }
    // Non-secret values are echoed to help fix them; secret ones never are.
    expect(error.message).toContain('"verbose"');
    expect(error.message).toContain('"eighty"');
    expect(error.message).not.toContain(leakedSecret);
    expect(JSON.stringify(error.problems)).not.toContain(leakedSecret);
  });

  it('never echoes a secret value, whatever it is', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 31 }).filter((s) => s.trim() === s && s !== ''),
        (value) => {
          const error = problemsOf(() =>
            loadConfig({ KEY: secret(z.string().min(32)) }, { KEY: value }),
          );
          expect(error.message).not.toContain(JSON.stringify(value));
          expect(error.problems).toEqual([
            { key: 'KEY', message: expect.stringContaining('value hidden'), secret: true },
          ]);
        },
      ),
    );
  });

  it('reports exactly the required settings that are missing', () => {
    const required = ['A', 'B', 'C', 'D'] as const;
    const requiredShape = Object.fromEntries(required.map((k) => [k, z.string()]));
    fc.assert(
      fc.property(fc.subarray([...required]), (present) => {
        const env = Object.fromEntries(present.map((k) => [k, 'set']));
        const expected = required.filter((k) => !present.includes(k));
        if (expected.length === 0) {
          expect(loadConfig(requiredShape, env)).toEqual(env);
        } else {
          expect(
            problemsOf(() => loadConfig(requiredShape, env)).problems.map((p) => p.key),
          ).toEqual(expected);
        }
      }),
    );
  });

  it('coerces, applies defaults and treats empty strings as unset', () => {
    const config = loadConfig(shape, {
      DATABASE_URL: 'postgres://db.internal:5432/profiles',
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      PORT: '',
      BLIND_INDEX_KEY: 'k'.repeat(32),
      CACHE_TTL_SECONDS: '30',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgres://db.internal:5432/profiles',
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      PORT: 8080,
      LOG_LEVEL: 'info',
      BLIND_INDEX_KEY: 'k'.repeat(32),
      CACHE_TTL_SECONDS: 30,
    });
  });
});

describe('describeConfig', () => {
  it('masks secrets, also when the secret schema is wrapped', () => {
    const wrapped = { TOKEN: secret(z.string()).optional(), PLAIN: z.string() };
    expect(isSecret(wrapped.TOKEN)).toBe(true);
    expect(isSecret(wrapped.PLAIN)).toBe(false);
    const config = loadConfig(wrapped, { TOKEN: 'abc', PLAIN: 'visible' });
    expect(describeConfig(wrapped, config)).toEqual({ TOKEN: '[secret]', PLAIN: 'visible' });
  });
});

describe('startService', () => {
  it('refuses to start with a bad config and lists the base and the service problems together', async () => {
    const start = startService({
      name: 'bad-config',
      config: { DATABASE_URL: secret(z.url()) },
      env: { PORT: '70000', SHUTDOWN_TIMEOUT_MS: 'soon', DATABASE_URL: 'not a url' },
      telemetry: { mode: 'none' },
    });
    const error = await start.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.key).sort()).toEqual([
      'DATABASE_URL',
      'PORT',
      'SHUTDOWN_TIMEOUT_MS',
    ]);
    expect((error as ConfigError).message).not.toContain('not a url');
  });
});
