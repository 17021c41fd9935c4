import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { postgresCheck, Readiness, type HealthCheck } from './index.js';

const up = (name: string, ms = 0): HealthCheck => ({ name, check: () => sleep(ms) });
const down = (name: string, message: string): HealthCheck => ({
  name,
  check: () => Promise.reject(new Error(message)),
});

describe('Readiness', () => {
  it('is ready when every dependency answers', async () => {
    const report = await new Readiness().register(up('postgres')).register(up('kafka')).report();
    expect(report.status).toBe('ready');
    expect(report.checks.postgres).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(report.checks.kafka?.status).toBe('up');
  });

  it('is unready with the failing dependency and its error', async () => {
    const report = await new Readiness()
      .register(up('postgres'))
      .register(down('redis', 'ECONNREFUSED'))
      .report();
    expect(report.status).toBe('unready');
    expect(report.checks.postgres?.status).toBe('up');
    expect(report.checks.redis).toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
      error: 'ECONNREFUSED',
    });
  });

  it('gives up on a hung dependency after its own timeout and aborts the probe', async () => {
    let aborted = false;
    const hung: HealthCheck = {
      name: 'kafka',
      timeoutMs: 100,
      check: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    };
    const started = performance.now();
    const report = await new Readiness({ timeoutMs: 5_000 })
      .register(hung)
      .register(up('postgres'))
      .report();
    const elapsed = performance.now() - started;

    expect(report.status).toBe('unready');
    expect(report.checks.kafka).toMatchObject({ status: 'down', error: 'timed out after 100 ms' });
    expect(aborted).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('probes dependencies in parallel', async () => {
    // Each probe waits until all three have started: run one after another, none would finish.
    let started = 0;
    let release: () => void = () => undefined;
    const allStarted = new Promise<void>((resolve) => (release = resolve));
    const waitForOthers = (name: string): HealthCheck => ({
      name,
      check: () => {
        if (++started === 3) release();
        return allStarted;
      },
    });
    const report = await new Readiness({ timeoutMs: 2_000 })
      .register(waitForOthers('a'))
      .register(waitForOthers('b'))
      .register(waitForOthers('c'))
      .report();
    expect(report.status).toBe('ready');
  });

  it('is unready once shutting down, without probing', async () => {
    let probed = false;
    const readiness = new Readiness().register({
      name: 'db',
      check: () => Promise.resolve((probed = true)),
    });
    readiness.markShuttingDown();
    expect(await readiness.report()).toEqual({
      status: 'unready',
      reason: 'shutting-down',
      checks: {},
    });
    expect(probed).toBe(false);
  });

  it('refuses two checks with the same name', () => {
    expect(() => new Readiness().register(up('db')).register(up('db'))).toThrow(
      /already registered/,
    );
  });
});

describe('postgresCheck', () => {
  it('runs SELECT 1 on the given pool', async () => {
    const queries: string[] = [];
    const check = postgresCheck(
      { query: (text) => Promise.resolve(queries.push(text)) },
      { timeoutMs: 500 },
    );
    expect(check).toMatchObject({ name: 'postgres', timeoutMs: 500 });
    await check.check(new AbortController().signal);
    expect(queries).toEqual(['SELECT 1']);
  });
});
