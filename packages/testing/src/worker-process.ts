import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { eventually } from './isolation.js';

/** A TypeScript worker in its own Node process: the honest way to test crashes (SIGKILL). */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves when the worker prints `readyLine`; rejects if it exits first. */
  readonly started: Promise<void>;
  readonly exited: Promise<number | null>;
}

export interface WorkerProcessOptions {
  /** Directory the script path is relative to (and where tsx is resolved from). */
  readonly cwd: string;
  /** Added to this process's environment (NODE_OPTIONS is cleared: jest's flags stay in jest). */
  readonly env?: Readonly<Record<string, string>>;
  /** The stdout line that means "ready". Default `started`. */
  readonly readyLine?: string;
  /** Sees every stdout line, e.g. to count what the worker reports. */
  readonly onLine?: (line: string) => void;
}

/** Runs `script` with tsx and the `@maison/source` condition, so workers run on sources like tests do. */
export function startWorkerProcess(script: string, options: WorkerProcessOptions): WorkerProcess {
  const readyLine = options.readyLine ?? 'started';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@maison/source', script],
    {
      cwd: options.cwd,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
  });
  const started = new Promise<void>((resolve, reject) => {
    void exited.then((code) => {
      reject(new Error(`${script} exited with ${String(code)} before printing "${readyLine}"`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === readyLine) resolve();
      options.onLine?.(line);
    });
  });
  started.catch(() => undefined); // observed by the caller; never an unhandled rejection
  return { child, started, exited };
}

/**
 * Starts a worker, lets it make `nextStep()` units of progress, SIGKILLs it, and again, `kills`
 * times or until `progress()` reaches `target`. Returns how many kills landed.
 */
export async function crashRepeatedly(options: {
  readonly start: () => WorkerProcess;
  readonly progress: () => Promise<number>;
  readonly target: number;
  readonly kills: number;
  readonly nextStep: () => number;
  readonly timeoutMs: number;
}): Promise<number> {
  let kills = 0;
  while (kills < options.kills && (await options.progress()) < options.target) {
    const worker = options.start();
    await worker.started;
    const goal = Math.min(options.target, (await options.progress()) + options.nextStep());
    await eventually(async () => ((await options.progress()) >= goal ? true : undefined), {
      timeoutMs: options.timeoutMs,
      intervalMs: 5,
      what: 'progress before the kill',
    });
    worker.child.kill('SIGKILL');
    await worker.exited;
    kills++;
  }
  return kills;
}
