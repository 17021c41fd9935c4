import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export type LogRecord = Record<string, unknown> & { msg?: string };

const packageDir = path.resolve(import.meta.dirname, '..');

/** The fixture service in its own Node process, as a deployment would run it. */
export class FixtureProcess {
  readonly records: LogRecord[] = [];
  readonly exited: Promise<number | null>;
  stdout = '';
  readonly #child: ChildProcess;
  readonly #waiters = new Set<() => void>();

  constructor(env: Record<string, string>) {
    this.#child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@maison/source', 'test/fixtures/service.ts'],
      {
        cwd: packageDir,
        // Nothing inherited on purpose: no NODE_OPTIONS from jest, no OTEL_* from the shell.
        env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      this.stdout += `${line}\n`;
      try {
        this.records.push(JSON.parse(line) as LogRecord);
      } catch {
        // not a log line
      }
      for (const wake of this.#waiters) wake();
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', resolve);
    });
  }

  /** Resolves with the first log record matching, failing after `timeoutMs`. */
  waitFor(match: (r: LogRecord) => boolean, timeoutMs = 20_000): Promise<LogRecord> {
    return this.waitForCount(match, 1, timeoutMs).then((found) => found[0]!);
  }

  waitForCount(
    match: (r: LogRecord) => boolean,
    count: number,
    timeoutMs = 20_000,
  ): Promise<LogRecord[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.records.filter(match);
        if (found.length < count) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`timed out waiting for ${count} log line(s); output so far:\n${this.stdout}`),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      void this.exited.then(() => {
        if (this.#waiters.has(check)) {
          cleanup();
          reject(new Error(`fixture exited before the expected log line; output:\n${this.stdout}`));
        }
      });
      check();
    });
  }

  /** Waits for the `listening` line and returns the base URL. */
  async url(): Promise<string> {
    const line = await this.waitFor((r) => r.msg === 'listening');
    return `http://127.0.0.1:${String(line.port)}`;
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** For test clean-up: ends the process if a failed test left it running. */
  async kill(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }

  messages(): string[] {
    return this.records.map((r) => r.msg ?? '');
  }
}
