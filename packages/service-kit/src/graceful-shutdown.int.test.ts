import { afterEach, describe, expect, it } from '@jest/globals';
import { createConnection } from 'node:net';
import { FixtureProcess } from '../test/child.js';

const PAYLOAD_BYTES = 200_000;
const API_KEY = 'fixture-api-key-0123456789';

const started: FixtureProcess[] = [];
function start(env: Record<string, string> = {}): FixtureProcess {
  const fixture = new FixtureProcess({
    FIXTURE_PAYLOAD_BYTES: String(PAYLOAD_BYTES),
    FIXTURE_API_KEY: API_KEY,
    ...env,
  });
  started.push(fixture);
  return fixture;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.kill()));
});

async function slowRequest(url: string, ms: number) {
  const response = await fetch(`${url}/slow?ms=${ms}`);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { done: boolean; payload: string } };
}

function connect(port: number): Promise<'refused' | 'accepted'> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve('refused');
      else reject(error);
    });
  });
}

/**
 * The fixture logs "shutting down" a few microseconds before it closes its listening socket, so
 * a connection attempt racing that gap may still be accepted; retry briefly.
 */
async function refusesConnections(url: string): Promise<boolean> {
  const port = Number(new URL(url).port);
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await connect(port)) === 'refused') return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

describe('graceful shutdown of a running service', () => {
  it('lets in-flight requests finish on SIGTERM, refuses new connections, runs the stages in order and exits 0', async () => {
    const fixture = start({ SHUTDOWN_TIMEOUT_MS: '15000' });
    const url = await fixture.url();

    let finished = 0;
    const inFlight = Array.from({ length: 5 }, () =>
      slowRequest(url, 1_500).finally(() => (finished += 1)),
    );
    await fixture.waitForCount((r) => r.msg === 'slow request started', 5);

    fixture.signal('SIGTERM');
    await fixture.waitFor((r) => r.msg === 'shutting down');
    expect(await refusesConnections(url)).toBe(true);
    expect(finished).toBe(0);
    // A second signal changes nothing.
    fixture.signal('SIGTERM');

    const responses = await Promise.all(inFlight);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.done).toBe(true);
      expect(response.body.payload).toHaveLength(PAYLOAD_BYTES);
    }
    expect(await fixture.exited).toBe(0);

    const messages = fixture.messages();
    const order = ['shutting down', 'consumer stopped', 'client closed', 'shutdown complete'].map(
      (m) => messages.indexOf(m),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(messages).toContain('already shutting down');
    const complete = fixture.records.find((r) => r.msg === 'shutdown complete');
    expect(complete?.outcomes).toEqual([
      expect.objectContaining({ stage: 'http', hook: 'readiness', status: 'ok' }),
      expect.objectContaining({ stage: 'http', hook: 'server', status: 'ok' }),
      expect.objectContaining({ stage: 'consumers', hook: 'fake-consumer', status: 'ok' }),
      expect.objectContaining({ stage: 'clients', hook: 'fake-producer', status: 'ok' }),
      expect.objectContaining({ stage: 'telemetry', hook: 'opentelemetry', status: 'ok' }),
    ]);
  });

  it('exits 0 on SIGINT when idle', async () => {
    const fixture = start();
    const url = await fixture.url();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    fixture.signal('SIGINT');
    expect(await fixture.exited).toBe(0);
  });

  it('cuts requests that outlive the deadline, still closes clients, and exits 1', async () => {
    const fixture = start({ SHUTDOWN_TIMEOUT_MS: '300' });
    const url = await fixture.url();

    const tooSlow = slowRequest(url, 10_000).then(
      () => 'completed',
      () => 'cut',
    );
    await fixture.waitFor((r) => r.msg === 'slow request started');
    fixture.signal('SIGTERM');

    expect(await fixture.exited).toBe(1);
    expect(await tooSlow).toBe('cut');
    expect(fixture.messages()).toEqual(
      expect.arrayContaining(['consumer stopped', 'client closed', 'shutdown incomplete']),
    );
    const incomplete = fixture.records.find((r) => r.msg === 'shutdown incomplete');
    expect(incomplete?.outcomes).toContainEqual(
      expect.objectContaining({ hook: 'server', status: 'timed-out' }),
    );
  });
});

describe('start-up with a bad configuration', () => {
  it('exits 1 and lists every problem without printing the secret', async () => {
    const fixture = new FixtureProcess({ PORT: 'eighty', FIXTURE_API_KEY: 'short-api-key' });
    started.push(fixture);
    expect(await fixture.exited).toBe(1);
    const fatal = fixture.records.find((r) => r.level === 'fatal');
    expect(fatal?.msg).toBe('Invalid configuration (3 problems):');
    expect(fatal?.problems).toEqual([
      'PORT: Invalid input: expected number, received NaN (got "eighty")',
      'FIXTURE_PAYLOAD_BYTES: required but not set',
      expect.stringMatching(/^FIXTURE_API_KEY \(secret\): .*\(value hidden\)$/),
    ]);
    expect(fixture.stdout).not.toContain('short-api-key');
  });
});
