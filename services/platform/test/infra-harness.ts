// `npm run start:infra` as a user runs it, for the tests: from the repository root, on a fresh
// data folder, with a database, a topic prefix and ports of its own so it never collides with a
// developer's platform or another test run; stopped with a Ctrl+C (SIGINT to its process group).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KafkaBroker } from '@maison/messaging';
import { postgresDatabase } from '@maison/sql';
import { testEndpoints, uniqueName } from '@maison/testing';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');

export interface InfraRun {
  readonly port: number;
  readonly urls: {
    readonly gateway: string;
    readonly identity: string;
    readonly profiles: string;
    readonly transactions: string;
    readonly consent: string;
    readonly recommendations: string;
    readonly issuer: string;
  };
  readonly database: string;
  readonly topicPrefix: string;
  /** Everything it printed so far. */
  output(): string;
  token(request: Readonly<Record<string, unknown>>): Promise<string>;
  /** Ctrl+C; resolves with the exit code. */
  interrupt(): Promise<number | null>;
  /** Kills what is left, drops the database and the topics, removes the data folder. */
  cleanup(): Promise<void>;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * A base port whose gateway, subgraph and issuer ports (base … base + 10) are free, below the
 * ephemeral range (outgoing connections take ports from 32768 up) and away from a developer's
 * platform on 4000–4010.
 */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 600) * 20;
    const offsets = [0, 1, 2, 3, 4, 5, 10];
    const free = await Promise.all(offsets.map((o) => canListen(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free ports for start:infra');
}

export async function startInfraRun(
  options: {
    readonly env?: Readonly<Record<string, string>>;
    readonly readyTimeoutMs?: number;
  } = {},
): Promise<InfraRun> {
  const endpoints = testEndpoints();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'maison-infra-'));
  const database = uniqueName('infra');
  const topicPrefix = `${uniqueName('infra').replace(/_/g, '-')}.`;
  const port = await freeBasePort();
  const child: ChildProcess = spawn('npm', ['run', '--silent', 'start:infra'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      DATABASE_URL: endpoints.databaseUrl,
      REDIS_URL: endpoints.redisUrl,
      MAISON_INFRA_DATA_DIR: dataDir,
      MAISON_INFRA_DATABASE: database,
      MAISON_TOPIC_PREFIX: topicPrefix,
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const at = (p: number) => `http://127.0.0.1:${String(p)}`;
  const urls = {
    gateway: at(port),
    identity: at(port + 1),
    profiles: at(port + 2),
    transactions: at(port + 3),
    consent: at(port + 4),
    recommendations: at(port + 5),
    issuer: `${at(port + 10)}/auth`,
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      // already gone
    }
  };
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup('SIGKILL');
      await exited;
    }
    const server = postgresDatabase(endpoints.databaseUrl, { max: 1 });
    try {
      await server.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await server.close();
    }
    const admin = await new KafkaBroker({
      brokers: [...endpoints.kafkaBrokers],
      clientId: 'infra-test-cleanup',
    }).createAdmin();
    try {
      await admin.deleteTopicsWithPrefix(topicPrefix);
    } finally {
      await admin.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const run: InfraRun = {
    port,
    urls,
    database,
    topicPrefix,
    output: () => out,
    async token(request) {
      const res = await fetch(`${urls.issuer}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    async interrupt() {
      signalGroup('SIGINT');
      return exited;
    },
    cleanup,
  };
  try {
    const started = Date.now();
    while (!out.includes('Maison is running')) {
      if (Date.now() - started > (options.readyTimeoutMs ?? 120_000))
        throw new Error(`start:infra not ready in time:\n${out.slice(-4000)}`);
      if (child.exitCode !== null) throw new Error(`start:infra exited:\n${out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return run;
}
