// Child processes of `npm run start:infra`: spawned in process groups of their own (so a Ctrl+C
// in the terminal reaches the launcher only, and the launcher decides the order they stop in),
// their output forwarded line by line with a per-process prefix, readiness polled on `/readyz`,
// stopped with SIGTERM (SIGKILL after a deadline).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Loaded first into every child (`--import`): when the launcher dies without stopping it (SIGKILL,
 * a crash), the child is re-parented and stops itself with the ordered shutdown of SIGTERM.
 */
export const PARENT_WATCH = `data:text/javascript,${encodeURIComponent(
  'const parent = process.ppid; setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, "SIGTERM"); }, 1000).unref();',
)}`;

export interface ProcessSpec {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Polled until it answers 200. */
  readonly readyUrl: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type LineSink = (name: string, line: string, stream: 'stdout' | 'stderr') => void;

const TAIL_LINES = 40;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ManagedProcess {
  readonly spec: ProcessSpec;
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;
  readonly #tail: string[] = [];
  #exit: Exit | undefined;

  constructor(spec: ProcessSpec, sink: LineSink) {
    this.spec = spec;
    this.#child = spawn(process.execPath, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.exited = new Promise<Exit>((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      this.#child.once('error', () => {
        this.#exit = { code: 127, signal: null };
        resolve(this.#exit);
      });
    });
    for (const [stream, readable] of [
      ['stdout', this.#child.stdout],
      ['stderr', this.#child.stderr],
    ] as const) {
      if (!readable) continue;
      createInterface({ input: readable, crlfDelay: Infinity }).on('line', (line) => {
        this.#tail.push(line);
        if (this.#tail.length > TAIL_LINES) this.#tail.shift();
        sink(spec.name, line, stream);
      });
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** The last lines it wrote (for the error shown when it dies during start-up). */
  tail(): readonly string[] {
    return [...this.#tail];
  }

  /** Resolves once `readyUrl` answers 200; rejects if the process exits or time runs out. */
  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new Error('start-up cancelled');
      if (this.#exit)
        throw new Error(
          `${this.spec.name} exited during start-up (${describeExit(this.#exit)}):\n  ${this.tail().join('\n  ')}`,
        );
      try {
        const res = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(3_000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`${this.spec.name} was not ready after ${String(timeoutMs / 1000)} s`);
      await sleep(250);
    }
  }

  /** SIGTERM (the process' ordered shutdown), SIGKILL when it is still running after `graceMs`. */
  async stop(graceMs: number): Promise<Exit> {
    if (this.#exit) return this.#exit;
    this.#signal('SIGTERM');
    const timer = setTimeout(() => {
      this.#signal('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.#exit) this.#signal('SIGKILL');
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      this.#child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const COLOURS = ['36', '33', '35', '32', '34', '96', '93', '95'];
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

function renderValue(value: unknown): string {
  return typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
}

/**
 * One child's line for the terminal: `gateway        | INFO  listening port=4000 host=127.0.0.1`.
 * JSON log lines (service-kit's pino output) are shown as level, message and fields; other lines
 * as they are. `json: true` keeps every line verbatim behind the prefix.
 */
export function formatLine(
  name: string,
  line: string,
  options: { readonly width: number; readonly colour: number | undefined; readonly json: boolean },
): string {
  const label = name.padEnd(options.width);
  const prefix =
    options.colour === undefined
      ? `${label} | `
      : `\u001b[${COLOURS[options.colour % COLOURS.length] ?? '36'}m${label} |\u001b[0m `;
  if (options.json || !line.startsWith('{')) return `${prefix}${line}`;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix}${line}`;
  }
  if (typeof record.level !== 'number' && typeof record.level !== 'string')
    return `${prefix}${line}`;
  const level =
    typeof record.level === 'number'
      ? (LEVELS[record.level] ?? String(record.level))
      : record.level.toUpperCase();
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN_KEYS.has(key))
    .map(([key, value]) => `${key}=${renderValue(value)}`)
    .join(' ');
  const msg = typeof record.msg === 'string' ? record.msg : '';
  return `${prefix}${level.padEnd(5)} ${msg}${fields === '' ? '' : ` ${fields}`}`;
}
