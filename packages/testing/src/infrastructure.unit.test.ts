import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findInfraStateFile, resolveEndpoints } from './infrastructure.js';

function stateDir(content: object): { root: string; file: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'maison-endpoints-'));
  const dir = path.join(root, 'infra', 'local', '.state');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'endpoints.json');
  writeFileSync(file, JSON.stringify(content));
  return { root, file };
}

describe('resolveEndpoints', () => {
  it('takes every endpoint from the environment when set', () => {
    const r = resolveEndpoints(
      {
        KAFKA_BROKERS: 'k1:9092, k2:9092',
        DATABASE_URL: 'postgres://db/x',
        REDIS_URL: 'redis://r:6379',
        EVENTSTORE_URL: 'kurrentdb://es:2113?tls=false',
      },
      null,
    );
    expect(r.source).toBe('env');
    expect(r.endpoints).toEqual({
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      databaseUrl: 'postgres://db/x',
      redisUrl: 'redis://r:6379',
      eventStoreUrl: 'kurrentdb://es:2113?tls=false',
    });
  });

  it('falls back to the state file written by `npm run infra:up`, variable by variable', () => {
    const { file } = stateDir({
      kafkaBrokers: ['127.0.0.1:9092'],
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      redisUrl: 'redis://127.0.0.1:6379',
    });
    const r = resolveEndpoints({ REDIS_URL: 'redis://elsewhere:6380' }, file);
    expect(r.source).toBe('infra-local');
    expect(r.endpoints).toEqual({
      kafkaBrokers: ['127.0.0.1:9092'],
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      redisUrl: 'redis://elsewhere:6380',
    });
  });

  it('names every missing variable instead of guessing', () => {
    const r = resolveEndpoints({ DATABASE_URL: 'postgres://db/x' }, null);
    expect(r.endpoints).toBeUndefined();
    expect(r.missing).toEqual(['KAFKA_BROKERS', 'REDIS_URL']);
  });

  it('finds the state file from a nested working directory', () => {
    const { root, file } = stateDir({});
    const nested = path.join(root, 'services', 'identity', 'src');
    mkdirSync(nested, { recursive: true });
    expect(findInfraStateFile(nested)).toBe(file);
  });
});
