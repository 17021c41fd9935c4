// A private PostgreSQL cluster per test file, for tests that must stop, crash or restart the
// database (readiness, reconnects, at-least-once delivery) without disturbing the shared server.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth, no password). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /**
   * Stops the server process. `fast` disconnects clients and shuts down cleanly; `immediate`
   * kills it without a checkpoint, like a crash (recovery runs on the next start).
   */
  stop(options?: { mode?: 'fast' | 'immediate' }): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops the server if it runs and deletes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /** Directory holding `initdb` and `pg_ctl`; defaults to `PG_BIN_DIR` or the newest `/usr/lib/postgresql/<ver>/bin`. */
  readonly binDir?: string;
}

export class PostgresBinariesNotFoundError extends Error {
  override readonly name = 'PostgresBinariesNotFoundError';
}

const DEBIAN_ROOT = '/usr/lib/postgresql';

function hasBinaries(dir: string): boolean {
  return existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
}

export function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.PG_BIN_DIR;
  if (fromEnv) {
    if (hasBinaries(fromEnv)) return fromEnv;
    throw new PostgresBinariesNotFoundError(
      `PG_BIN_DIR=${fromEnv} does not contain initdb and pg_ctl.`,
    );
  }
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  for (const version of versions) {
    const dir = path.join(DEBIAN_ROOT, version, 'bin');
    if (hasBinaries(dir)) return dir;
  }
  throw new PostgresBinariesNotFoundError(
    `No PostgreSQL server binaries (initdb, pg_ctl) under ${DEBIAN_ROOT}/<version>/bin. ` +
      'Install the PostgreSQL server package (e.g. `apt-get install postgresql`) or set PG_BIN_DIR.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function run([file, args]: [string, string[]], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) {
        const output = `${stdout}${stderr}`.trim();
        reject(new Error(`${error.message}\n${output}`));
      } else resolve();
    });
  });
}

/** Clusters still running, stopped if the test process exits without destroying them. */
const live = new Set<() => void>();
let exitHookInstalled = false;
function stopOnExit(stopSync: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const stop of live) stop();
    });
  }
  live.add(stopSync);
  return () => {
    live.delete(stopSync);
  };
}

export async function startThrowawayPostgres(
  options: ThrowawayPostgresOptions = {},
): Promise<ThrowawayPostgres> {
  const binDir = options.binDir ?? findPostgresBinDir();
  if (!hasBinaries(binDir)) {
    throw new PostgresBinariesNotFoundError(`${binDir} does not contain initdb and pg_ctl.`);
  }
  // PostgreSQL refuses to run as root, so as root we hand the cluster to the `postgres` OS user.
  const asRoot = process.getuid?.() === 0;
  const command = (bin: string, args: readonly string[]): [string, string[]] => {
    const file = path.join(binDir, bin);
    return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
  };

  const dir = await mkdtemp(path.join(os.tmpdir(), 'maison-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(dir, uid, gid);
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const pgCtl = (...args: string[]) => run(command('pg_ctl', ['-D', dataDir, ...args]), dir);

  let running = false;
  let destroyed = false;
  let forget: () => void = () => undefined;
  try {
    const initdb = command('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await run(initdb, dir);
    const port = await freePort();
    // fsync off: survives a killed server (the OS keeps the writes), not a killed machine — fine here.
    await appendFile(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        'full_page_writes = off',
        'max_connections = 50',
        '',
      ].join('\n'),
    );

    const start = async (): Promise<void> => {
      if (destroyed) throw new Error('throwaway PostgreSQL was destroyed');
      if (running) return;
      try {
        await pgCtl('start', '-w', '-t', '60', '-l', logFile);
      } catch (error) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        throw new Error(`${(error as Error).message}\n--- postgres.log ---\n${log.slice(-2000)}`, {
          cause: error,
        });
      }
      running = true;
    };
    const stop = async ({ mode = 'fast' }: { mode?: 'fast' | 'immediate' } = {}): Promise<void> => {
      if (!running) return;
      await pgCtl('stop', '-w', '-t', '60', '-m', mode);
      running = false;
    };
    forget = stopOnExit(() => {
      if (!running) return;
      const [file, argv] = command('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate']);
      try {
        execFileSync(file, argv, { cwd: dir, stdio: 'ignore' });
      } catch {
        // best effort while the process exits
      }
    });

    await start();
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      start,
      stop,
      async destroy() {
        if (destroyed) return;
        await stop({ mode: 'immediate' }).catch(() => undefined);
        destroyed = true;
        forget();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    forget();
    // Fails harmlessly when the server never started.
    await pgCtl('stop', '-m', 'immediate').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
