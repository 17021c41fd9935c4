import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, GracefulShutdown } from './index.js';

const logger = createLogger({ service: 'test', level: 'silent' });

describe('GracefulShutdown', () => {
  it('runs the stages in order: http, consumers, clients, telemetry', async () => {
    const calls: string[] = [];
    const record =
      (name: string, ms = 0) =>
      async () => {
        calls.push(`${name}:start`);
        await sleep(ms);
        calls.push(`${name}:end`);
      };
    const shutdown = new GracefulShutdown({ logger })
      .on('telemetry', 'otel', record('otel'))
      .on('clients', 'pg', record('pg'))
      .on('http', 'server', record('server', 30))
      .on('consumers', 'kafka', record('kafka', 10));

    const result = await shutdown.run('test');

    expect(calls).toEqual([
      'server:start',
      'server:end',
      'kafka:start',
      'kafka:end',
      'pg:start',
      'pg:end',
      'otel:start',
      'otel:end',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.outcomes.map((o) => [o.stage, o.hook, o.status])).toEqual([
      ['http', 'server', 'ok'],
      ['consumers', 'kafka', 'ok'],
      ['clients', 'pg', 'ok'],
      ['telemetry', 'otel', 'ok'],
    ]);
  });

  it('is idempotent: a second call returns the same result and runs nothing again', async () => {
    let runs = 0;
    const shutdown = new GracefulShutdown({ logger }).on('clients', 'pg', () => {
      runs++;
      return sleep(20);
    });
    const [first, second] = await Promise.all([shutdown.run('SIGTERM'), shutdown.run('SIGINT')]);
    const third = await shutdown.run('again');
    expect(runs).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(first.reason).toBe('SIGTERM');
    expect(() => shutdown.on('http', 'late', () => undefined)).toThrow(/already started/);
  });

  it('exits non-zero when a hook fails, but still runs the later stages', async () => {
    const later: string[] = [];
    const result = await new GracefulShutdown({ logger })
      .on('consumers', 'kafka', () => Promise.reject(new Error('commit failed')))
      .on('clients', 'pg', () => Promise.resolve(later.push('pg')))
      .on('telemetry', 'otel', () => Promise.resolve(later.push('otel')))
      .run('test');
    expect(result.exitCode).toBe(1);
    expect(result.outcomes[0]).toMatchObject({
      hook: 'kafka',
      status: 'failed',
      error: 'commit failed',
    });
    expect(later).toEqual(['pg', 'otel']);
  });

  it('aborts a hook that overruns the deadline, exits non-zero, and still flushes telemetry', async () => {
    let abortedWith: unknown;
    let flushed = false;
    const started = performance.now();
    const result = await new GracefulShutdown({ logger, deadlineMs: 100, stageGraceMs: 50 })
      .on('http', 'server', (signal) => {
        signal.addEventListener('abort', () => {
          abortedWith = signal.reason as unknown;
        });
        return new Promise(() => undefined);
      })
      .on('telemetry', 'otel', () => Promise.resolve((flushed = true)))
      .run('test');

    expect(performance.now() - started).toBeLessThan(1_000);
    expect(result.exitCode).toBe(1);
    expect(result.outcomes[0]).toMatchObject({ hook: 'server', status: 'timed-out' });
    expect(abortedWith).toBeInstanceOf(Error);
    expect(flushed).toBe(true);
  });

  it('treats a synchronous throw like a failed hook', async () => {
    const result = await new GracefulShutdown({ logger })
      .on('clients', 'broken', () => {
        throw new Error('sync');
      })
      .run('test');
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', error: 'sync' });
    expect(result.exitCode).toBe(1);
  });
});
